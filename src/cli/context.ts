/**
 * What every `gr2` command gets: the global flags and the output helpers.
 *
 * @packageDocumentation
 * @internal
 */
import type { Command } from 'commander';
import { createProgress, type Progress } from './progress.js';

/** Global flags and output of one command run. @internal */
export interface CliContext {
  /** Machine-readable output: one JSON document on stdout, nothing else there. */
  readonly json: boolean;
  /** Print stacks of errors. */
  readonly verbose: boolean;
  /** Progress bars (stderr, TTY only). */
  readonly progress: Progress;
  /** Prints a human-readable line on stdout (suppressed with `--json`). */
  info(line: string): void;
  /** Prints the command's result: JSON with `--json`, else the given text. */
  result(value: unknown, text: () => string): void;
}

/** Builds the context from a command's options merged with the global ones. @internal */
export function contextOf(cmd: Command): CliContext {
  const o = cmd.optsWithGlobals() as { json?: boolean; verbose?: boolean; progress?: boolean };
  const json = o.json === true;
  return {
    json,
    verbose: o.verbose === true,
    progress: createProgress(o.progress !== false && !json),
    info(line) {
      if (!json) process.stdout.write(`${line}\n`);
    },
    result(value, text) {
      process.stdout.write(json ? `${JSON.stringify(value, jsonReplacer, 2)}\n` : `${text()}\n`);
    },
  };
}

/** JSON replacer: typed arrays as arrays, non-finite numbers as null. @internal */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

/** Wraps a command body: context, one-line errors (stack with --verbose), exit code. @internal */
export type Action = (name: string, body: (ctx: CliContext, args: unknown[]) => Promise<void>) => (...args: unknown[]) => Promise<void>;
