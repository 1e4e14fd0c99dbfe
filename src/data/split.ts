/**
 * Leave-one-out split (TIGER / S3-Rec / GR2 protocol).
 *
 * @packageDocumentation
 */
import { assertPositiveInteger, checkOptions, rangeError } from '../errors.js';
import { checkSequences } from '../validate.js';
import type { HeldOutExample, UserSequence } from './types.js';

/** Result of {@link leaveOneOut}. */
export interface LeaveOneOutSplit {
  /** Training sequences: each user's items without the last two (`items[0 .. n−3]`). */
  readonly train: readonly UserSequence[];
  /** Validation examples: history `items[0 .. n−3]`, target `items[n−2]`. */
  readonly validation: readonly HeldOutExample[];
  /** Test examples: history `items[0 .. n−2]` (includes the validation item), target `items[n−1]`. */
  readonly test: readonly HeldOutExample[];
  /** Users dropped for having fewer than `minLength` items. */
  readonly dropped: number;
}

/** Options of {@link leaveOneOut}. */
export interface LeaveOneOutOptions {
  /** Minimum sequence length to keep a user (at least 3: one training item, one validation, one test). @defaultValue `3` */
  readonly minLength?: number;
}

/**
 * Leave-one-out split of chronological sequences: for a user with items `(v_1 … v_n)`, the test target is
 * `v_n` with history `(v_1 … v_{n−1})`, the validation target is `v_{n−1}` with history `(v_1 … v_{n−2})`,
 * and the training sequence is `(v_1 … v_{n−2})`.
 *
 * @param sequences - user sequences (e.g. `dataset.sequences`).
 * @param options - see {@link LeaveOneOutOptions}.
 * @returns train sequences and validation / test examples, in input order.
 * @throws TypeError when `sequences` is not an array; RangeError for `minLength` < 3.
 * @example
 * ```ts
 * const { train, validation, test } = leaveOneOut([{ user: 1, items: [4, 5, 6, 7] }]);
 * // train[0].items = [4, 5]; validation[0] = {user: 1, history: [4, 5], target: 6};
 * // test[0] = {user: 1, history: [4, 5, 6], target: 7}
 * ```
 */
export function leaveOneOut(sequences: readonly UserSequence[], options: LeaveOneOutOptions = {}): LeaveOneOutSplit {
  const fn = 'leaveOneOut';
  checkSequences(fn, 'sequences', sequences, false);
  checkOptions(fn, options, ['minLength']);
  const minLength = options.minLength ?? 3;
  assertPositiveInteger(fn, 'options.minLength', minLength);
  if (minLength < 3) throw rangeError(fn, 'options.minLength', 'at least 3', minLength);
  const train: UserSequence[] = [];
  const validation: HeldOutExample[] = [];
  const test: HeldOutExample[] = [];
  let dropped = 0;
  for (const s of sequences) {
    const items = s.items;
    const n = items.length;
    if (n < minLength) {
      dropped++;
      continue;
    }
    const trainItems = items.slice(0, n - 2);
    train.push({ user: s.user, items: trainItems });
    validation.push({ user: s.user, history: trainItems, target: items[n - 2]! });
    test.push({ user: s.user, history: items.slice(0, n - 1), target: items[n - 1]! });
  }
  return { train, validation, test, dropped };
}
