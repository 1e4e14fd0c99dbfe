/**
 * Group-relative advantages (GRPO z-score, Dr.GRPO mean-only) with explicit conventions.
 *
 * @packageDocumentation
 */
import { assertFiniteNumber, assertOneOf, assertPositiveInteger, NumericError, rangeError, typeError } from '../errors.js';

/** How a group's rewards are turned into advantages. */
export type AdvantageNormalization = 'zscore' | 'mean';
/** Standard-deviation convention: population (÷G) or unbiased (÷(G−1), torch/verl/TRL default). */
export type StdConvention = 'population' | 'unbiased';

/** Options of {@link groupAdvantages}. */
export interface GroupAdvantagesOptions {
  /**
   * `'zscore'` (GRPO/DAPO): `A_i = (r_i − mean)/(std + ε)`; `'mean'` (Dr.GRPO): `A_i = r_i − mean`.
   * @defaultValue `'zscore'`
   */
  readonly normalize?: AdvantageNormalization;
  /** Std convention (`'unbiased'` = torch `std()`, used by verl and TRL). @defaultValue `'unbiased'` */
  readonly std?: StdConvention;
  /** ε added to the std (verl 1e-6; TRL 1e-4). @defaultValue `1e-6` */
  readonly epsilon?: number;
  /**
   * A group is *zero-variance* when its population std is `≤ zeroVarianceTolerance` (continuous rewards rarely tie
   * exactly: 0.1 + 0.2 ≠ 0.3). Its advantages are all 0.
   * @defaultValue `1e-9`
   */
  readonly zeroVarianceTolerance?: number;
}

/** Result of {@link groupAdvantages}. */
export interface GroupAdvantagesResult {
  /** `[batch]` one advantage per sample (0 for `null` rewards and zero-variance groups). */
  readonly advantages: Float64Array;
  /** `[groups]` mean of the non-null rewards of each group (NaN when a group has none). */
  readonly groupMean: Float64Array;
  /** `[groups]` std of each group under the chosen convention (NaN with fewer than 1 resp. 2 rewards). */
  readonly groupStd: Float64Array;
  /** `[groups]` whether the group is zero-variance (all advantages 0; dynamic sampling drops these). */
  readonly zeroVariance: readonly boolean[];
  /** `[groups]` number of non-null rewards. */
  readonly validCount: Int32Array;
}

/** Population std of the non-null values of `rewards[start, start+g)`, with count and mean. */
function groupStats(rewards: readonly (number | null)[], start: number, g: number): { n: number; mean: number; ss: number } {
  let n = 0;
  let sum = 0;
  for (let i = start; i < start + g; i++) {
    const r = rewards[i];
    if (r === null || r === undefined) continue;
    n++;
    sum += r;
  }
  const mean = n > 0 ? sum / n : NaN;
  let ss = 0;
  for (let i = start; i < start + g; i++) {
    const r = rewards[i];
    if (r === null || r === undefined) continue;
    ss += (r - mean) * (r - mean);
  }
  return { n, mean, ss };
}

function checkRewards(fn: string, rewards: unknown): readonly (number | null)[] {
  if (!Array.isArray(rewards) && !(rewards instanceof Float64Array) && !(rewards instanceof Float32Array)) {
    throw typeError(fn, 'rewards', 'an array of numbers or nulls', rewards);
  }
  const arr = Array.isArray(rewards) ? (rewards as readonly unknown[]) : Array.from(rewards as ArrayLike<number>);
  for (let i = 0; i < arr.length; i++) {
    const r = arr[i];
    if (r === null) continue;
    if (typeof r !== 'number') throw typeError(fn, `rewards[${i}]`, 'a number or null', r);
    if (!Number.isFinite(r)) {
      throw new NumericError(`${fn}: 'rewards' must be finite or null; got ${r} at [${i}]. Use null for "not applicable".`);
    }
  }
  return arr as readonly (number | null)[];
}

/**
 * Group-relative advantages: `rewards` holds `batch = groups × groupSize` rewards, group `j` being
 * `rewards[j·G … j·G+G−1]` (the G rollouts of one prompt, consecutive).
 *
 * - `'zscore'` (GRPO, DAPO): `A_i = (r_i − μ_j)/(σ_j + ε)`;
 * - `'mean'` (Dr.GRPO): `A_i = r_i − μ_j`;
 * where μ_j, σ_j are over the group's non-null rewards. A `null` reward (TRL: "not applicable") is excluded from
 * μ and σ and gets `A = 0`. A group whose population std is ≤ `zeroVarianceTolerance` gets `A = 0` throughout
 * and is flagged in `zeroVariance`. A group with one valid reward gets `A = 0` (as verl's singleton groups).
 *
 * @param rewards - `[batch]` finite numbers or `null`.
 * @param groupSize - G ≥ 1, which must divide `batch`.
 * @param options - see {@link GroupAdvantagesOptions}.
 * @returns advantages and per-group statistics.
 * @throws TypeError for a non-array or non-number reward; RangeError when `groupSize` does not divide the batch
 * or an option is out of range; {@link NumericError} on NaN/Inf rewards.
 * @example
 * ```ts
 * groupAdvantages([1, 0, 0.5, 0.5], 2, { std: 'population', epsilon: 0 }).advantages;
 * // Float64Array [1, -1, 0, 0]   (second group: zero variance)
 * ```
 */
export function groupAdvantages(
  rewards: readonly (number | null)[] | Float64Array | Float32Array,
  groupSize: number,
  options: GroupAdvantagesOptions = {},
): GroupAdvantagesResult {
  const fn = 'groupAdvantages';
  const r = checkRewards(fn, rewards);
  assertPositiveInteger(fn, 'groupSize', groupSize);
  if (r.length % groupSize !== 0) {
    throw rangeError(fn, 'groupSize', `a divisor of the batch size ${r.length}`, groupSize, 'Each prompt needs exactly groupSize rollouts, stored consecutively.');
  }
  const normalize = options.normalize ?? 'zscore';
  assertOneOf(fn, 'normalize', normalize, ['zscore', 'mean'] as const);
  const std = options.std ?? 'unbiased';
  assertOneOf(fn, 'std', std, ['population', 'unbiased'] as const);
  const epsilon = options.epsilon ?? 1e-6;
  assertFiniteNumber(fn, 'epsilon', epsilon, { min: 0 });
  const tol = options.zeroVarianceTolerance ?? 1e-9;
  assertFiniteNumber(fn, 'zeroVarianceTolerance', tol, { min: 0 });
  const groups = r.length / groupSize;
  const advantages = new Float64Array(r.length);
  const groupMean = new Float64Array(groups);
  const groupStd = new Float64Array(groups);
  const validCount = new Int32Array(groups);
  const zeroVariance: boolean[] = [];
  for (let j = 0; j < groups; j++) {
    const start = j * groupSize;
    const { n, mean, ss } = groupStats(r, start, groupSize);
    const popStd = n > 0 ? Math.sqrt(ss / n) : NaN;
    const sd = std === 'population' ? popStd : n > 1 ? Math.sqrt(ss / (n - 1)) : NaN;
    groupMean[j] = mean;
    groupStd[j] = sd;
    validCount[j] = n;
    const zv = n <= 1 || popStd <= tol;
    zeroVariance.push(zv);
    if (zv) continue;
    for (let i = start; i < start + groupSize; i++) {
      const x = r[i];
      if (x === null || x === undefined) continue;
      advantages[i] = normalize === 'zscore' ? (x - mean) / (sd + epsilon) : x - mean;
    }
  }
  return { advantages, groupMean, groupStd, zeroVariance, validCount };
}

/**
 * Whether one group's rewards are zero-variance (population std ≤ `tolerance`, ignoring `null`s; a group with fewer
 * than two non-null rewards counts as zero-variance, since it carries no learning signal).
 *
 * @param rewards - the rewards of one group.
 * @param tolerance - @defaultValue `1e-9`
 * @returns true when the group would get all-zero advantages.
 * @throws as {@link groupAdvantages}.
 * @example
 * ```ts
 * isZeroVarianceGroup([0.1 + 0.2, 0.3]); // true (they differ by 5.5e-17)
 * isZeroVarianceGroup([0, 1]);           // false
 * ```
 */
export function isZeroVarianceGroup(rewards: readonly (number | null)[], tolerance = 1e-9): boolean {
  const r = checkRewards('isZeroVarianceGroup', rewards);
  assertFiniteNumber('isZeroVarianceGroup', 'tolerance', tolerance, { min: 0 });
  const { n, ss } = groupStats(r, 0, r.length);
  return n <= 1 || Math.sqrt(ss / n) <= tolerance;
}
