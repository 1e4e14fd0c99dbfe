/**
 * The library's environment singleton: log level, debug flag and versions.
 *
 * @packageDocumentation
 */
import type { Env as OrtEnv } from 'onnxruntime-node';

/** Log levels, as in ONNX Runtime's `env.logLevel`. */
export type LogLevel = 'verbose' | 'info' | 'warning' | 'error' | 'fatal';

const LEVELS: Record<LogLevel, number> = { verbose: 0, info: 1, warning: 2, error: 3, fatal: 4 };

/** A sink for log lines; replace it to route gr2's messages into your own logger. */
export type LogSink = (level: LogLevel, message: string) => void;

/** The environment of gr2. */
export interface Gr2Env {
  /**
   * Messages below this level are dropped.
   * @defaultValue `'warning'`
   */
  logLevel: LogLevel;
  /**
   * When true, kernel outputs are checked for NaN/Inf (costs one pass over every output).
   * @defaultValue `false`
   */
  debug: boolean;
  /** Where log lines go. @defaultValue writes to `console.warn`/`console.error`. */
  sink: LogSink;
  /** Versions of gr2 and of the runtime. */
  readonly versions: { readonly gr2: string; readonly node: string };
  /**
   * Settings of the engines behind the backends, in the style of transformers.js `env.backends.onnx`.
   *
   * `onnx` is ONNX Runtime's own `env` (`ort.env`: `logLevel`, `debug`, `trace`, `versions`, ...). gr2 loads
   * `onnxruntime-node` lazily, so until the `'onnx'` backend first initialises this is a plain object: the
   * fields set on it are copied onto `ort.env` when ONNX Runtime loads (nested objects merged), and from then
   * on `env.backends.onnx` IS `ort.env`. Set `logLevel` before the first session is created: ONNX Runtime
   * reads it once, when it initialises. Assigning a new plain object later applies it at the next backend
   * initialisation.
   * @defaultValue `{}` (then `ort.env`)
   */
  readonly backends: { onnx: Partial<OrtEnv> };
}

const defaultSink: LogSink = (level, message) => {
  const line = `[gr2] ${level}: ${message}`;
  if (LEVELS[level] >= LEVELS.error) console.error(line);
  else console.warn(line);
};

/**
 * The global gr2 environment.
 *
 * @example
 * ```ts
 * import { env } from 'gr2';
 * env.logLevel = 'error'; // silence fallback warnings
 * env.backends.onnx.logLevel = 'error'; // ONNX Runtime's own log level (applied when it loads)
 * ```
 */
export const env: Gr2Env = {
  logLevel: 'warning',
  debug: false,
  sink: defaultSink,
  versions: { gr2: '0.1.0', node: process.versions.node },
  backends: { onnx: {} },
};

/**
 * @internal
 * Logs `message` at `level` through `env.sink` when `level >= env.logLevel` (a function message is only
 * built when it will be logged).
 *
 * @param level - the message's level.
 * @param message - the text, or a function returning it.
 * @example
 * ```ts
 * log('warning', 'onnx backend: falling back to the CPU');   // "[gr2] warning: onnx backend: …" on stderr
 * ```
 */
export function log(level: LogLevel, message: string | (() => string)): void {
  if (LEVELS[level] < LEVELS[env.logLevel]) return;
  env.sink(level, typeof message === 'function' ? message() : message);
}
