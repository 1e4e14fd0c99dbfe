/**
 * Deterministic sharding and per-(example, attempt) seeds for long sampling jobs.
 *
 * Both are pure functions of strings and integers (no state, no `Math.random`), so every process of a fleet
 * computes the same shard for an example and the same seed for each of its attempts, whatever the
 * concurrency, the machine or the number of interruptions.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { assertNonNegativeInteger, assertPositiveInteger, rangeError, typeError } from '../errors.js';

const MAX_INDEX = 2 ** 31 - 1;

/** SHA-256 of the UTF-8 text. @internal */
function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * The shard of an example: the first 6 bytes of SHA-256(UTF-8 id), read as a big-endian integer, mod `count`.
 * It depends only on the id, never on the position of the example in the input, so shards stay disjoint and
 * complete when the input is reordered, filtered or resumed; and any language can compute it (Python:
 * `int.from_bytes(hashlib.sha256(id.encode()).digest()[:6], 'big') % count`).
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
  return sha256(id).readUIntBE(0, 6) % count;
}

/**
 * The seed sent with attempt `attempt` of example `id` in a job seeded with `seed`:
 * the first 4 bytes of SHA-256(UTF-8 `"<seed>:<attempt>:<id>"`), big-endian, with the top bit cleared. It is a
 * pure function of its three
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
  return sha256(`${seed}:${attempt}:${id}`).readUInt32BE(0) & 0x7fffffff;
}
