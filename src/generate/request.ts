/**
 * Validation of a {@link GenerateRequest}, and the deadline/abort plumbing, `sleep` and the `Retry-After` cap
 * shared by the generators and the rejection sampler.
 *
 * @packageDocumentation
 * @internal
 */
import { GeneratorError, assertFiniteNumber, checkOptions, rangeError, raw, typeError } from '../errors.js';
import type { ChatMessage } from '../prompt/types.js';
import type { GenerateRequest } from './types.js';

const REQUEST_KEYS = [
  'messages',
  'n',
  'temperature',
  'topP',
  'seed',
  'maxTokens',
  'stop',
  'logprobs',
  'signal',
  'timeoutMs',
  'constraint',
] as const;

const ROLES = new Set(['system', 'user', 'assistant']);
const MAX_INT = 2 ** 31 - 1;

/** @internal Checks a chat message list's structure (non-empty array of `{role, content}` with string content). */
export function checkMessages(fn: string, arg: string, messages: unknown): asserts messages is readonly ChatMessage[] {
  if (!Array.isArray(messages)) throw typeError(fn, arg, 'an array of {role, content} messages', messages);
  if (messages.length === 0) throw rangeError(fn, arg, 'a non-empty array of messages', raw('an empty array'));
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as unknown;
    if (m === null || typeof m !== 'object' || Array.isArray(m)) throw typeError(fn, `${arg}[${i}]`, 'a {role, content} object', m);
    const { role, content } = m as { role?: unknown; content?: unknown };
    if (typeof role !== 'string' || !ROLES.has(role)) {
      throw rangeError(fn, `${arg}[${i}].role`, "one of 'system', 'user', 'assistant'", role);
    }
    if (typeof content !== 'string') throw typeError(fn, `${arg}[${i}].content`, 'a string', content);
  }
}

function checkInt(fn: string, arg: string, v: unknown, min: number): void {
  if (v === undefined) return;
  if (typeof v !== 'number') throw typeError(fn, arg, 'a number', v);
  if (!Number.isInteger(v) || v < min || v > MAX_INT) throw rangeError(fn, arg, `an integer in [${min}, 2^31-1]`, v);
}

function checkFinite(fn: string, arg: string, v: unknown, min: number, max: number): void {
  if (v === undefined) return;
  if (typeof v !== 'number') throw typeError(fn, arg, 'a number', v);
  if (!Number.isFinite(v) || v < min || v > max) throw rangeError(fn, arg, `a finite number in [${min}, ${max}]`, v);
}

/**
 * @internal Validates the structure of a {@link GenerateRequest}: known keys, messages, integer and range checks.
 * Throws `TypeError`/`RangeError` naming `fn`.
 */
export function checkGenerateRequest(fn: string, request: unknown): asserts request is GenerateRequest {
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    throw typeError(fn, 'request', 'a GenerateRequest object', request);
  }
  const r = checkOptions(fn, request as GenerateRequest, REQUEST_KEYS, 'request');
  checkMessages(fn, 'request.messages', r.messages);
  checkInt(fn, 'request.n', r.n, 1);
  checkFinite(fn, 'request.temperature', r.temperature, 0, 100);
  checkFinite(fn, 'request.topP', r.topP, 0, 1);
  checkInt(fn, 'request.seed', r.seed, 0);
  checkInt(fn, 'request.maxTokens', r.maxTokens, 1);
  checkFinite(fn, 'request.timeoutMs', r.timeoutMs, 0, MAX_INT);
  if (r.stop !== undefined) {
    if (!Array.isArray(r.stop)) throw typeError(fn, 'request.stop', 'an array of strings', r.stop);
    r.stop.forEach((s, i) => {
      if (typeof s !== 'string' || s.length === 0) throw typeError(fn, `request.stop[${i}]`, 'a non-empty string', s);
    });
  }
  if (r.logprobs !== undefined && typeof r.logprobs !== 'boolean') throw typeError(fn, 'request.logprobs', 'a boolean', r.logprobs);
  if (r.signal !== undefined && !(r.signal instanceof AbortSignal)) throw typeError(fn, 'request.signal', 'an AbortSignal', r.signal);
  if (r.constraint !== undefined) {
    const c = r.constraint as unknown;
    if (c === null || typeof c !== 'object' || Array.isArray(c)) throw typeError(fn, 'request.constraint', 'an object {candidates}', c);
    const cands = (c as { candidates?: unknown }).candidates;
    if (!Array.isArray(cands)) throw typeError(fn, 'request.constraint.candidates', 'an array of SID strings', cands);
    cands.forEach((s, i) => {
      if (typeof s !== 'string' || s.length === 0) throw typeError(fn, `request.constraint.candidates[${i}]`, 'a non-empty string', s);
    });
    const reasoning = (c as { reasoning?: unknown }).reasoning;
    if (reasoning !== undefined && typeof reasoning !== 'boolean') throw typeError(fn, 'request.constraint.reasoning', 'a boolean', reasoning);
  }
}

/**
 * @internal One request's cancellation: an `AbortSignal` that fires on the caller's signal or on the deadline,
 * and a way to tell which of the two fired. `dispose()` clears the timer and the listener.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  /** `'aborted'`, `'timeout'` or `null` while neither fired. */
  reason(): 'aborted' | 'timeout' | null;
  /** A `GeneratorError` for the reason that fired (call only after it fired). */
  error(label: string, cause?: unknown): GeneratorError;
  dispose(): void;
}

/** @internal Starts a {@link Deadline} of `timeoutMs` (no timer when `undefined`) linked to `signal`. */
export function startDeadline(timeoutMs: number | undefined, signal: AbortSignal | undefined): Deadline {
  const ctrl = new AbortController();
  let why: 'aborted' | 'timeout' | null = null;
  const onAbort = (): void => {
    if (why === null) why = 'aborted';
    ctrl.abort();
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          if (why === null) why = 'timeout';
          ctrl.abort();
        }, timeoutMs);
  return {
    signal: ctrl.signal,
    reason: () => why,
    error(label, cause) {
      return why === 'timeout'
        ? new GeneratorError('timeout', `${label}: no answer within ${timeoutMs} ms`, { cause })
        : new GeneratorError('aborted', `${label}: request aborted`, { cause });
    },
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * @internal Waits `ms` unless `signal` fires first (resolves either way, never rejects; the caller checks the
 * signal). Resolves at once when `ms ≤ 0` or the signal has already fired.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (!(ms > 0) || signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Default cap on a server's `Retry-After` (5 minutes), in ms. */
const DEFAULT_MAX_RETRY_AFTER_MS = 300_000;

/**
 * @internal The cap on how long a server's `Retry-After` is honoured, checked and resolved: `undefined` gives the
 * default (300,000 ms); otherwise `Infinity` or a finite number ≥ 0 (else the error names `fn` and `arg`). The
 * result is clamped to setTimeout's limit (2^31 − 1 ms), so that `Math.min(retryAfter, cap)` can be slept.
 */
export function retryAfterCap(fn: string, arg: string, value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_RETRY_AFTER_MS;
  if (value !== Number.POSITIVE_INFINITY) assertFiniteNumber(fn, arg, value, { min: 0 });
  return Math.min(value as number, MAX_INT);
}
