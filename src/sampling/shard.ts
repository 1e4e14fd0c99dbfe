/**
 * Deterministic sharding and per-(example, attempt) seeds for long sampling jobs.
 *
 * Both are pure functions of strings and integers (no state, no `Math.random`), so every process of a fleet
 * computes the same shard for an example and the same seed for each of its attempts, whatever the
 * concurrency, the machine or the number of interruptions.
 *
 * @packageDocumentation
 */
import { assertNonNegativeInteger, assertPositiveInteger, rangeError, typeError } from '../errors.js';

const MAX_INDEX = 2 ** 31 - 1;

/** 32-bit FNV-1a over the UTF-16 code units of `s`, seeded with `h`, then murmur3's finaliser. @internal */
export function hashString(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h = Math.imul(h ^ (c & 0xff), 0x01000193);
    h = Math.imul(h ^ (c >>> 8), 0x01000193);
  }
  return fmix32(h);
}

/** murmur3 fmix32: a bijective avalanche on 32 bits. @internal */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The shard of an example: `fmix32(FNV-1a(id)) mod count`. It depends only on the id, never on the position
 * of the example in the input, so shards stay disjoint and complete when the input is reordered, filtered or
 * resumed.
 *
 * @param id - The example's id.
 * @param count - Number of shards (positive integer ≤ 2^31 − 1).
 * @returns An integer in `[0, count)`.
 * @throws TypeError if `id` is not a string; RangeError if `count` is not a positive integer.
 * @example
 * ```ts
 * const s = shardOf('user-42', 8);      // same value in every process, e.g. 5
 * // process k of 8 runs rejectionSample(examples, gen, { shard: { index: k, count: 8 } })
 * ```
 */
export function shardOf(id: string, count: number): number {
  if (typeof id !== 'string') throw typeError('shardOf', 'id', 'a string', id);
  assertPositiveInteger('shardOf', 'count', count);
  if (count > MAX_INDEX) throw rangeError('shardOf', 'count', `at most ${MAX_INDEX}`, count);
  return hashString(id) % count;
}

/**
 * The seed sent with attempt `attempt` of example `id` in a job seeded with `seed`:
 * `fmix32(FNV-1a(id; seed) ⊕ fmix32(attempt · 0x9E3779B9)) mod 2^31`. It is a pure function of its three
 * arguments, so a seeded generator draws the same sample for the same (example, attempt) whatever the
 * concurrency, the order in which examples finish, retries of failed requests, or restarts from a checkpoint.
 * The value fits a signed 32-bit integer, as OpenAI-compatible servers expect.
 *
 * @param seed - The job's seed (non-negative integer < 2^32).
 * @param id - The example's id.
 * @param attempt - The attempt number (1-based positive integer).
 * @returns An integer in `[0, 2^31)`.
 * @throws TypeError / RangeError for a non-string id or out-of-range numbers.
 * @example
 * ```ts
 * attemptSeed(1234, 'user-42', 1) === attemptSeed(1234, 'user-42', 1); // true
 * attemptSeed(1234, 'user-42', 1) !== attemptSeed(1234, 'user-42', 2); // true (almost surely)
 * ```
 */
export function attemptSeed(seed: number, id: string, attempt: number): number {
  assertNonNegativeInteger('attemptSeed', 'seed', seed);
  if (seed >= 2 ** 32) throw rangeError('attemptSeed', 'seed', 'below 2^32', seed);
  if (typeof id !== 'string') throw typeError('attemptSeed', 'id', 'a string', id);
  assertPositiveInteger('attemptSeed', 'attempt', attempt);
  if (attempt > MAX_INDEX) throw rangeError('attemptSeed', 'attempt', `at most ${MAX_INDEX}`, attempt);
  return deriveSeed(seed, id, attempt);
}

/** {@link attemptSeed} without validation (hot path). @internal */
export function deriveSeed(seed: number, id: string, attempt: number): number {
  const h = hashString(id, (0x811c9dc5 ^ fmix32(seed >>> 0)) >>> 0);
  return fmix32(h ^ fmix32(Math.imul(attempt, 0x9e3779b9) >>> 0)) & 0x7fffffff;
}
