/**
 * Typed errors of gr2.
 *
 * Argument problems use the native classes — `TypeError` for the wrong kind of value, `RangeError` for a bad
 * value, size or shape — with the message format `<function>: '<arg>' must be <rule>; got <actual>.`
 * Everything else is a {@link Gr2Error} subclass, so callers can `instanceof`-test one family.
 *
 * @packageDocumentation
 */

/** Base class of every library-specific error. */
export class Gr2Error extends Error {
  override readonly name: string = 'Gr2Error';
  constructor(message: string, options?: { cause?: unknown }) {
    super(typeof message === 'string' ? message : describeValue(message), options);
  }
}

/** A backend (or an execution provider it needs) could not be initialised. `cause` holds the underlying errors. */
export class BackendInitError extends Gr2Error {
  override readonly name = 'BackendInitError';
}

/** A registry lookup or registration failed (unknown name, conflicting registration). */
export class RegistryError extends Gr2Error {
  override readonly name = 'RegistryError';
}

/** The active backend does not implement a kernel. */
export class KernelNotImplementedError extends Gr2Error {
  override readonly name = 'KernelNotImplementedError';
  constructor(
    readonly kernelName: string,
    readonly backendName: string,
  ) {
    super(`Kernel '${describeName(kernelName)}' not implemented for backend '${describeName(backendName)}'.`);
  }
}

/** Whether `v` can be passed as `Error` options (`{cause}`). */
function isCauseOptions(v: unknown): v is { cause?: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A name for a message: strings as they are, anything else described (never throws). */
function describeName(v: unknown): string {
  return typeof v === 'string' ? v : describeValue(v);
}

/** A model (quantizer, policy) was used before it was trained or loaded. */
export class NotTrainedError extends Gr2Error {
  override readonly name = 'NotTrainedError';
}

/** A reward broke the reward contract (wrong number of values, non-finite values). */
export class RewardContractError extends Gr2Error {
  override readonly name = 'RewardContractError';
}

/**
 * An API that promises a parse could not parse its input (e.g. `buildSftSample` on a completion without a JSON
 * answer). Rewards and `parseRerankOutput` never throw this: they score or report bad model output.
 */
export class OutputParseError extends Gr2Error {
  override readonly name = 'OutputParseError';
}

/** A file or stream does not have the expected format (datasets, saved quantizers). */
export class DataFormatError extends Gr2Error {
  override readonly name = 'DataFormatError';
}

/** A numeric computation produced or received non-finite values where finite values are required. */
export class NumericError extends Gr2Error {
  override readonly name = 'NumericError';
}

/**
 * An optional peer dependency that a function needs is not installed. `packageName` names it and `install` is the
 * command that installs it.
 *
 * @example
 * ```ts
 * try { await loadTokenizer('/tmp/qwen3-sid'); }
 * catch (e) { if (e instanceof MissingDependencyError) console.error(e.install); } // 'npm install @huggingface/transformers'
 * ```
 */
export class MissingDependencyError extends Gr2Error {
  override readonly name = 'MissingDependencyError';
  constructor(
    readonly packageName: string,
    readonly install: string,
    fn: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${describeName(fn)}: the optional dependency '${describeName(packageName)}' is not installed; install it with '${describeName(install)}'.`,
      isCauseOptions(options) ? options : undefined,
    );
  }
}

/**
 * A checkpoint is held by another running job: its lock file `<checkpoint>.lock` names a live process on this
 * host, or a process on another host (whose liveness cannot be checked). Two jobs appending to one checkpoint
 * would redo each other's examples, and the second one's repair of a torn tail could cut a record the first one
 * is writing. A lock left by a process that died on this host is taken over; delete a lock from another host by
 * hand once its job is gone.
 *
 * @example
 * ```ts
 * try {
 *   await rejectionSample(examples, teacher, { checkpoint: 'traces.jsonl' });
 * } catch (e) {
 *   if (e instanceof CheckpointInUseError) console.error(`busy: pid ${e.pid} on ${e.hostname}`);
 * }
 * ```
 */
export class CheckpointInUseError extends Gr2Error {
  override readonly name = 'CheckpointInUseError';
  constructor(
    /** The lock file. */
    readonly lockPath: string,
    /** The process that holds it (`null` when the lock file is unreadable). */
    readonly pid: number | null,
    /** Its host. */
    readonly hostname: string | null,
    message: string,
  ) {
    super(message);
  }
}

/** Why a generator request failed; `retryable` kinds may succeed when tried again. */
export type GeneratorErrorKind =
  | 'timeout'
  | 'rate_limit'
  | 'server'
  | 'network'
  | 'bad_response'
  | 'aborted'
  | 'client';

/**
 * A {@link Generator} request failed. `kind` classifies the failure; `retryable` says whether trying again can
 * help (`timeout`, `rate_limit`, `server`, `network`, `bad_response`); `retryAfterMs` carries a server's
 * `Retry-After`; `status` the HTTP status where there was one.
 *
 * @example
 * ```ts
 * const err = new GeneratorError('rate_limit', 'openai: 429 Too Many Requests', { status: 429, retryAfterMs: 2000 });
 * err.retryable; // true
 * ```
 */
export class GeneratorError extends Gr2Error {
  override readonly name = 'GeneratorError';
  readonly kind: GeneratorErrorKind;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(
    kind: GeneratorErrorKind,
    message: string,
    options: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options?.cause });
    options ??= {};
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
  /** Whether trying the same request again can succeed. */
  get retryable(): boolean {
    return this.kind !== 'aborted' && this.kind !== 'client';
  }
}

/** @internal Renders a value for an error message: short, unambiguous, never throws. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (Array.isArray(value)) return `array(length ${value.length})`;
  if (ArrayBuffer.isView(value)) {
    const len = (value as unknown as { length?: number }).length ?? value.byteLength;
    return `${value.constructor.name}(length ${len})`;
  }
  if (typeof value === 'object') return `object ${(value as object).constructor?.name ?? 'Object'}`;
  return typeof value;
}

/**
 * @internal
 * Builds a `RangeError` in the library's message format.
 *
 * @example
 * ```ts
 * throw rangeError('recallAtK', 'k', 'a positive integer', 1.5);
 * // RangeError: recallAtK: 'k' must be a positive integer; got 1.5.
 * ```
 */
export function rangeError(fn: string, arg: string, rule: string, got: unknown, hint?: string): RangeError {
  const gotText = typeof got === 'string' && got.startsWith('\u0000') ? got.slice(1) : describeValue(got);
  return new RangeError(`${fn}: '${arg}' must be ${rule}; got ${gotText}.${hint ? ' ' + hint : ''}`);
}

/** @internal Builds a `TypeError` in the library's message format (see {@link rangeError}). */
export function typeError(fn: string, arg: string, rule: string, got: unknown, hint?: string): TypeError {
  return new TypeError(`${fn}: '${arg}' must be ${rule}; got ${describeValue(got)}.${hint ? ' ' + hint : ''}`);
}

/**
 * @internal
 * Marks a pre-rendered description for {@link rangeError}'s `got` (used when the value is a computed
 * fact such as "length 3 vs 4" rather than the argument itself).
 */
export function raw(text: string): string {
  return '\u0000' + text;
}

/** @internal Asserts a positive integer, throwing the standard `TypeError`/`RangeError`. */
export function assertPositiveInteger(fn: string, arg: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw typeError(fn, arg, 'a number', value);
  if (!Number.isInteger(value) || value < 1) throw rangeError(fn, arg, 'a positive integer', value);
}

/** @internal Asserts a non-negative integer. */
export function assertNonNegativeInteger(fn: string, arg: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw typeError(fn, arg, 'a number', value);
  if (!Number.isInteger(value) || value < 0) throw rangeError(fn, arg, 'a non-negative integer', value);
}

/** @internal Asserts a finite number, optionally within `[min, max]`. */
export function assertFiniteNumber(
  fn: string,
  arg: string,
  value: unknown,
  range?: { min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean },
): asserts value is number {
  if (typeof value !== 'number') throw typeError(fn, arg, 'a number', value);
  if (!Number.isFinite(value)) throw rangeError(fn, arg, 'a finite number', value);
  if (range) {
    const { min, max, minExclusive, maxExclusive } = range;
    const lo = min === undefined ? '' : `${minExclusive ? '>' : '>='} ${min}`;
    const hi = max === undefined ? '' : `${maxExclusive ? '<' : '<='} ${max}`;
    const rule = `a number ${[lo, hi].filter(Boolean).join(' and ')}`;
    if (min !== undefined && (minExclusive ? value <= min : value < min)) throw rangeError(fn, arg, rule, value);
    if (max !== undefined && (maxExclusive ? value >= max : value > max)) throw rangeError(fn, arg, rule, value);
  }
}

/** @internal Asserts that `value` is one of `choices`, listing them in the message. */
export function assertOneOf<T extends string>(
  fn: string,
  arg: string,
  value: unknown,
  choices: readonly T[],
): asserts value is T {
  if (!choices.includes(value as T)) {
    throw rangeError(fn, arg, `one of ${choices.map((c) => `'${c}'`).join(', ')}`, value);
  }
}

/** @internal Exhaustiveness guard for `switch` over a union. */
export function assertUnreachable(value: never, message = 'unreachable'): never {
  throw new Gr2Error(`${message}: ${describeValue(value)}`);
}

/** Levenshtein distance, for "did you mean" hints (small strings only). */
function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/**
 * @internal Checks an options argument: `undefined` is allowed (all defaults); anything but a plain object
 * throws a `TypeError`; a key outside `known` throws a `RangeError` naming it and the closest valid key.
 * Returns the options as an object (`{}` for `undefined`).
 */
export function checkOptions<T extends object>(
  fn: string,
  options: T | undefined,
  known: readonly string[],
  arg = 'options',
): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || Array.isArray(options) || ArrayBuffer.isView(options)) {
    throw typeError(fn, arg, 'an options object or undefined', options);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    let best = '';
    let bestD = Infinity;
    for (const k of known) {
      const d = editDistance(key.toLowerCase(), k.toLowerCase());
      if (d < bestD) [best, bestD] = [k, d];
    }
    if (!(best && bestD <= Math.max(2, Math.floor(best.length / 3)))) {
      // an abbreviation (its letters in order inside a known key, same first letter): epsLow → epsilonLow
      const k = key.toLowerCase();
      const abbr = known.find((c) => {
        const cl = c.toLowerCase();
        if (k.length < 3 || cl[0] !== k[0]) return false;
        let j = 0;
        for (let i = 0; i < cl.length && j < k.length; i++) if (cl[i] === k[j]) j++;
        return j === k.length;
      });
      best = abbr ?? '';
      bestD = abbr ? 0 : Infinity;
    }
    const hint = best ? ` Did you mean '${best}'?` : '';
    throw rangeError(fn, `${arg}.${key}`, `a known option (${known.join(', ')})`, raw('an unknown key'), hint.trim());
  }
  return options;
}
