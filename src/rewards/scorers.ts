/**
 * Pure per-sample reward scorers of GR2 (P1 §6.1–6.3, TR §6.4 / Eq. 5–7 and Eq. 10–11, DAPO Eq. 13): plain numbers
 * in, one number out. The batch {@link Reward}s in `factories.ts` are built on these; trainers can call them
 * directly on ranks or permutations (no text parsing).
 *
 * Naming: a scorer that computes a whole reward is `<name>Score` (`naiveScore`, `conditionalScore`,
 * `conditionalSlateScore`, `compressorScore`) and its batch reward is `create<Name>Reward`; a scorer named after a
 * paper quantity keeps that name (`rankPromotion`, `slateAuc`, `slateNdcg`, `overlongPenalty`).
 *
 * @packageDocumentation
 */
import { assertFiniteNumber, assertPositiveInteger, checkOptions, rangeError, raw, typeError } from '../errors.js';
import { checkArrayLike, checkOptionsObject } from '../validate.js';
import { auc } from '../metrics/auc.js';
import { ndcgAtK } from '../metrics/ndcg.js';
import { isIdentityOrder, isPermutation } from '../prompt/parse_output.js';

function assertRank(fn: string, arg: string, v: unknown, n: number): asserts v is number {
  if (typeof v !== 'number') throw typeError(fn, arg, 'a number', v);
  if (!Number.isInteger(v) || v < 1 || v > n) throw rangeError(fn, arg, `an integer in [1, ${n}]`, v);
}

/**
 * GR2's rank-promotion reward (P1 §6.1): R_rank = (r^D − r^o) / |D|, where r^D is the target's 1-based rank in the
 * pre-ranked input and r^o its rank in the output. Positive when the target was promoted; in [−(n−1)/n, (n−1)/n].
 *
 * @param preRank - 1-based rank of the target in the input.
 * @param outRank - 1-based rank of the target in the output.
 * @param n - Number of candidates |D|.
 * @returns R_rank.
 * @throws TypeError / RangeError if `n` is not a positive integer or a rank is not an integer in `[1, n]`.
 * @example
 * ```ts
 * rankPromotion(4, 1, 10); // 0.3
 * rankPromotion(4, 7, 10); // -0.3
 * ```
 */
export function rankPromotion(preRank: number, outRank: number, n: number): number {
  assertPositiveInteger('rankPromotion', 'n', n);
  assertRank('rankPromotion', 'preRank', preRank, n);
  assertRank('rankPromotion', 'outRank', outRank, n);
  return (preRank - outRank) / n;
}

/** Options of the P1 rewards ({@link conditionalScore}, {@link naiveScore}). */
export interface P1RewardOptions {
  /**
   * Weight α of the format reward Ω.
   * @defaultValue `0.2` (D-GR2; not recovered for P1)
   */
  readonly alpha?: number;
  /**
   * Reading of the rank-1 case of the conditional bonus: `'strict'` pays it when the target was first and stays
   * first (D-GR2), `'loose'` whenever it was first in the input (S1/S9). Ignored by {@link naiveScore}.
   * @defaultValue `'strict'`
   */
  readonly variant?: 'strict' | 'loose';
  /**
   * Reward of an invalid output (does not parse, or not a permutation of the candidates).
   * @defaultValue `-1` (D-GR2)
   */
  readonly invalidReward?: number;
}

interface ResolvedP1 {
  alpha: number;
  strict: boolean;
  invalidReward: number;
}

/** @internal `alpha` and `variant` of {@link P1RewardOptions}, validated (shared with the batch factories). */
export function resolveAlphaVariant(fn: string, options: P1RewardOptions): Pick<ResolvedP1, 'alpha' | 'strict'> {
  const alpha = options.alpha ?? 0.2;
  assertFiniteNumber(fn, 'options.alpha', alpha);
  const variant = options.variant ?? 'strict';
  if (variant !== 'strict' && variant !== 'loose') throw rangeError(fn, 'options.variant', "one of 'strict', 'loose'", variant);
  return { alpha, strict: variant === 'strict' };
}

function resolveP1(fn: string, options: P1RewardOptions): ResolvedP1 {
  if (options === null || typeof options !== 'object') throw typeError(fn, 'options', 'an object', options);
  const { alpha, strict } = resolveAlphaVariant(fn, options);
  const invalidReward = options.invalidReward ?? -1;
  assertFiniteNumber(fn, 'options.invalidReward', invalidReward);
  return { alpha, strict, invalidReward };
}

// Resolved options cached per options object, reused only while its fields are unchanged (an options object may be
// mutated between calls).
const p1Cache = new WeakMap<object, { alpha: unknown; variant: unknown; invalidReward: unknown; resolved: ResolvedP1 }>();
const NO_OPTIONS: P1RewardOptions = Object.freeze({});
function resolveP1Cached(fn: string, options: P1RewardOptions): ResolvedP1 {
  const hit = options !== null && typeof options === 'object' ? p1Cache.get(options) : undefined;
  if (hit && hit.alpha === options.alpha && hit.variant === options.variant && hit.invalidReward === options.invalidReward) return hit.resolved;
  const resolved = resolveP1(fn, options);
  p1Cache.set(options, { alpha: options.alpha, variant: options.variant, invalidReward: options.invalidReward, resolved });
  return resolved;
}

/**
 * GR2's **conditional verifiable reward** (P1 §6.3): the format bonus α·Ω is paid only when the target was
 * strictly promoted or was already first (strict variant: and kept first).
 *
 * R = R_rank + α  if R_rank > 0 or r^D = 1 [∧ r^o = 1 when strict];  R = R_rank otherwise;  R = invalidReward when
 * the output is invalid (`outRank === null`).
 *
 * @param preRank - 1-based rank of the target in the input.
 * @param outRank - 1-based rank of the target in the output, or `null` for an invalid output (Ω = 0).
 * @param n - Number of candidates.
 * @param options - See {@link P1RewardOptions}.
 * @returns The reward.
 * @throws TypeError / RangeError on invalid ranks, `n` or options.
 * @example
 * ```ts
 * conditionalScore(3, 3, 10); // 0   (copying the input: no bonus)
 * conditionalScore(3, 1, 10); // 0.4 (0.2 promotion + 0.2 bonus)
 * conditionalScore(3, null, 10); // -1 (invalid)
 * conditionalScore(3, outputRank([2, 0, 1, 3], 2, 4), 4); // 0.7 — from a permutation
 * ```
 */
export function conditionalScore(
  preRank: number,
  outRank: number | null,
  n: number,
  options: P1RewardOptions = NO_OPTIONS,
): number {
  const o = resolveP1Cached('conditionalScore', options);
  assertPositiveInteger('conditionalScore', 'n', n);
  assertRank('conditionalScore', 'preRank', preRank, n);
  if (outRank === null) return o.invalidReward;
  assertRank('conditionalScore', 'outRank', outRank, n);
  return conditionalCore(preRank, outRank, n, o);
}

/** @internal The conditional reward of a valid output (shared with `createConditionalReward`). */
export function conditionalCore(preRank: number, outRank: number, n: number, o: Pick<ResolvedP1, 'alpha' | 'strict'>): number {
  const r = (preRank - outRank) / n;
  const bonus = r > 0 || (preRank === 1 && (!o.strict || outRank === 1));
  return bonus ? r + o.alpha : r;
}

/**
 * The **naive** P1 combination R = R_rank + α·Ω (P1 §6.3), which the paper shows is hacked by copying the input
 * order (R_rank = 0 with certainty, +α). Provided for audits and ablations.
 *
 * @param preRank - 1-based rank of the target in the input.
 * @param outRank - 1-based rank in the output, or `null` for an invalid output.
 * @param n - Number of candidates.
 * @param options - `alpha` and `invalidReward` of {@link P1RewardOptions}.
 * @returns The reward.
 * @throws TypeError / RangeError on invalid ranks, `n` or options.
 * @example
 * ```ts
 * naiveScore(3, 3, 10); // 0.2 — copying the input is paid
 * ```
 */
export function naiveScore(preRank: number, outRank: number | null, n: number, options: P1RewardOptions = NO_OPTIONS): number {
  const o = resolveP1Cached('naiveScore', options);
  assertPositiveInteger('naiveScore', 'n', n);
  assertRank('naiveScore', 'preRank', preRank, n);
  if (outRank === null) return o.invalidReward;
  assertRank('naiveScore', 'outRank', outRank, n);
  return (preRank - outRank) / n + o.alpha;
}

/**
 * The target's 1-based rank r^o in an output permutation, the `outRank` of {@link conditionalScore},
 * {@link naiveScore} and {@link rankPromotion} for trainers that hold the output as candidate indices (no text
 * parsing): `order[i]` is the candidate index placed at rank i+1. `null` — an invalid output — when `order` is
 * `null` or not a permutation of `0..k−1`.
 *
 * @param order - Candidate indices, best first, or `null`.
 * @param targetIndex - 0-based input index of the target (its pre-rank is `targetIndex + 1`).
 * @param k - Number of candidates.
 * @returns The rank in `[1, k]`, or `null`.
 * @throws TypeError / RangeError if `k` or `targetIndex` is invalid (never for a bad `order`).
 * @example
 * ```ts
 * outputRank([2, 0, 1, 3], 2, 4); // 1
 * outputRank([2, 2, 1, 3], 2, 4); // null (not a permutation)
 * ```
 */
export function outputRank(order: ArrayLike<number> | null, targetIndex: number, k: number): number | null {
  assertPositiveInteger('outputRank', 'k', k);
  if (typeof targetIndex !== 'number' || !Number.isInteger(targetIndex) || targetIndex < 0 || targetIndex >= k) {
    throw rangeError('outputRank', 'targetIndex', `an integer in [0, ${k - 1}]`, targetIndex);
  }
  if (order === null || !isPermutation(order, k)) return null;
  let pos = 0;
  while (order[pos] !== targetIndex) pos++;
  return pos + 1;
}

/** @internal labels → Map of positive labels (validated). */
export function labelsToMap(fn: string, labels: ArrayLike<number>): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw rangeError(fn, `labels[${i}]`, 'a finite non-negative number', v);
    }
    if (v > 0) m.set(i, v);
  }
  return m;
}

function assertOrder(fn: string, order: ArrayLike<number>, k: number): void {
  if (!isPermutation(order, k)) {
    throw rangeError(fn, 'order', `a permutation of 0..${k - 1}`, raw(`[${Array.from(order).slice(0, 12).join(', ')}]`));
  }
}

/**
 * Per-impression AUC of an output permutation (TR Eq. 5):
 * R_AUC = (1/(|M||N|)) Σ_{i∈M} Σ_{j∈N} 1[rank(i) < rank(j)], M = positives (label > 0), N = negatives.
 * Computed with `auc` from `gr2/metrics`.
 *
 * @param order - Candidate indices best first (a permutation of `0..K−1`).
 * @param labels - Label of each candidate in input order (length K); > 0 = positive.
 * @returns R_AUC in [0, 1], or `null` when the slate has no positive or no negative (undefined; TR filters such slates).
 * @throws RangeError if `order` is not a permutation or a label is negative / non-finite.
 * @example
 * ```ts
 * slateAuc([0, 1, 2, 3, 4], [1, 0, 1, 0, 0]); // 0.8333 (5/6)
 * ```
 */
export function slateAuc(order: ArrayLike<number>, labels: ArrayLike<number>): number | null {
  checkArrayLike('slateAuc', 'order', order);
  checkArrayLike('slateAuc', 'labels', labels);
  const m = labelsToMap('slateAuc', labels);
  assertOrder('slateAuc', order, labels.length);
  return aucOrNull(order, m);
}

/** AUC of a valid permutation against the positive labels `m`, or null when undefined. */
function aucOrNull(order: ArrayLike<number>, m: Map<number, number>): number | null {
  const v = auc(Array.from(order), m, { noRelevant: 'skip' });
  return Number.isNaN(v) ? null : v;
}

/**
 * Graded NDCG of an output permutation (TR Eq. 6): (1/Z) Σ_{i=1}^{k} (2^{g_{π⁻¹(i)}} − 1) / log₂(i + 1), Z = ideal
 * DCG; 0 when Z = 0. Computed with `ndcgAtK(…, {gain: 'exponential'})` from `gr2/metrics`.
 *
 * @param order - Candidate indices best first (a permutation of `0..K−1`).
 * @param grades - Grade of each candidate in input order (e.g. 0/1/2).
 * @param k - Cut-off. @defaultValue K (the whole slate)
 * @returns NDCG in [0, 1].
 * @throws RangeError if `order` is not a permutation, a grade is negative or `k` is not a positive integer.
 * @example
 * ```ts
 * slateNdcg([0, 1, 2, 3, 4], [2, 0, 1, 0, 0]); // 0.9639
 * ```
 */
export function slateNdcg(order: ArrayLike<number>, grades: ArrayLike<number>, k?: number): number {
  checkArrayLike('slateNdcg', 'order', order);
  checkArrayLike('slateNdcg', 'grades', grades);
  const m = labelsToMap('slateNdcg', grades);
  assertOrder('slateNdcg', order, grades.length);
  const kk = k ?? Math.max(1, grades.length);
  assertPositiveInteger('slateNdcg', 'k', kk);
  return gradedNdcg(order, m, kk);
}

/** Exponential-gain NDCG@k of a valid permutation against the graded labels `m` (0 without relevant items). */
function gradedNdcg(order: ArrayLike<number>, m: Map<number, number>, k: number): number {
  return ndcgAtK(Array.from(order), m, k, { gain: 'exponential', noRelevant: 'zero' });
}

/** Options of {@link conditionalSlateScore}. */
export interface SlateRewardOptions {
  /**
   * Ranking term: per-impression AUC (TR Eq. 5) or graded NDCG (Eq. 6).
   * @defaultValue `'auc'`
   */
  readonly metric?: 'auc' | 'ndcg';
  /**
   * Format weight α.
   * @defaultValue `0.2` (D-GR2; not recovered for TR)
   */
  readonly alpha?: number;
  /**
   * TR's identity zeroing (Eq. 7): an output equal to the input order earns only α unless the input order was
   * already optimal, R_AUC(identity, y) = 1 — with binary relevance y = label > 0, in both metric modes (a graded
   * slate whose positives all precede its negatives is optimal for Eq. 7 even when the grades are not sorted).
   * When R_AUC is undefined (no positive or no negative) the identity is not zeroed.
   * @defaultValue `true`
   */
  readonly identityZeroing?: boolean;
  /**
   * Reward of an invalid output: TR's Ω-gate gives R_rank := 0 and α·Ω = 0. Where the metric is undefined (AUC on
   * a slate without a positive or without a negative) the reward is `null` whatever the output — valid or not —
   * in the scorer and the batch reward alike: the slate is not applicable (TR filters such slates upstream).
   * @defaultValue `0`
   */
  readonly invalidReward?: number;
  /**
   * NDCG cut-off.
   * @defaultValue K
   */
  readonly k?: number;
}

/**
 * The Technical Report's conditional verifiable reward for multi-positive slates (TR Eq. 7): the ranking term is
 * gated on Ω (invalid → `invalidReward`) and zeroed for an identity output when the input order was not optimal.
 *
 * R = null if the metric is undefined (AUC without a positive or a negative);  R = invalidReward if Ω = 0;
 * R = α if π = identity ∧ R_AUC(identity, y) < 1;  R = metric(π) + α otherwise.
 *
 * @param order - Candidate indices best first, or `null` / a non-permutation for an invalid output.
 * @param labels - Labels (binary for AUC, graded for NDCG) in input order.
 * @param options - See {@link SlateRewardOptions}.
 * @returns The reward, or `null` when the metric is undefined (AUC on a slate without positives or negatives).
 * @throws RangeError on invalid labels or options (never for a bad `order`).
 * @example
 * ```ts
 * conditionalSlateScore([0, 1, 2, 3], [0, 1, 0, 0]); // 0.2 (identity, input not optimal: α only)
 * conditionalSlateScore([1, 0, 2, 3], [0, 1, 0, 0]); // 1.2 (AUC 1 + α)
 * conditionalSlateScore([0, 1, 2], [1, 2, 0], { metric: 'ndcg' }); // 0.9967 (NDCG 0.7967 + α: R_AUC(identity) = 1, not zeroed)
 * conditionalSlateScore(null, [1, 1, 1]); // null (AUC undefined: not applicable, valid or not)
 * ```
 */
export function conditionalSlateScore(
  order: ArrayLike<number> | null,
  labels: ArrayLike<number>,
  options: SlateRewardOptions = {},
): number | null {
  const fn = 'conditionalSlateScore';
  if (order !== null) checkArrayLike(fn, 'order', order);
  checkArrayLike(fn, 'labels', labels);
  checkOptions(fn, options, ['metric', 'alpha', 'identityZeroing', 'invalidReward', 'k']);
  const o = resolveSlate(fn, options);
  const K = labels.length;
  const m = labelsToMap(fn, labels);
  return slateScoreOf(order, m, K, o);
}

interface ResolvedSlate {
  metric: 'auc' | 'ndcg';
  alpha: number;
  identityZeroing: boolean;
  invalidReward: number;
  k: number | undefined;
}

/** @internal */
export function resolveSlate(fn: string, options: SlateRewardOptions): ResolvedSlate {
  if (options === null || typeof options !== 'object') throw typeError(fn, 'options', 'an object', options);
  const metric = options.metric ?? 'auc';
  if (metric !== 'auc' && metric !== 'ndcg') throw rangeError(fn, 'options.metric', "one of 'auc', 'ndcg'", metric);
  const alpha = options.alpha ?? 0.2;
  assertFiniteNumber(fn, 'options.alpha', alpha);
  const invalidReward = options.invalidReward ?? 0;
  assertFiniteNumber(fn, 'options.invalidReward', invalidReward);
  if (options.k !== undefined) assertPositiveInteger(fn, 'options.k', options.k);
  return { metric, alpha, identityZeroing: options.identityZeroing ?? true, invalidReward, k: options.k };
}

/** The ranking term of a valid permutation, or null when undefined. */
function slateMetric(order: ArrayLike<number>, m: Map<number, number>, K: number, o: ResolvedSlate): number | null {
  return o.metric === 'auc' ? aucOrNull(order, m) : gradedNdcg(order, m, o.k ?? Math.max(1, K));
}

/** Whether R_AUC(identity, y) < 1 with y = label > 0: some negative precedes a positive (false when AUC is undefined). */
function identityBelowOptimal(m: Map<number, number>, K: number): boolean {
  let seenNegative = false;
  for (let i = 0; i < K; i++) {
    if (m.has(i)) {
      if (seenNegative) return true;
    } else seenNegative = true;
  }
  return false;
}

/**
 * @internal The slate reward of one output (shared by the scorer and the batch rewards): `null` where AUC is
 * undefined, valid or not; `invalidReward` for an invalid output; else TR Eq. 7.
 */
export function slateScoreOf(order: ArrayLike<number> | null, m: Map<number, number>, K: number, o: ResolvedSlate): number | null {
  if (o.metric === 'auc' && (m.size === 0 || m.size === K)) return null;
  if (order === null || !isPermutation(order, K)) return o.invalidReward;
  const v = slateMetric(order, m, K, o);
  if (v === null) return null;
  if (o.identityZeroing && isIdentityOrder(order) && identityBelowOptimal(m, K)) return o.alpha;
  return v + o.alpha;
}

/**
 * DAPO's soft overlong punishment (DAPO Eq. 13): 0 if L ≤ L_max − L_cache; ((L_max − L_cache) − L) / L_cache if
 * L_max − L_cache < L ≤ L_max; −1 beyond L_max; multiplied by `factor`.
 *
 * @param length - Response length L (tokens), a non-negative number.
 * @param maxLength - L_max.
 * @param cacheLength - L_cache, with 0 < L_cache ≤ L_max.
 * @param factor - Scale of the penalty. @defaultValue `1`
 * @returns The penalty in [−factor, 0].
 * @throws RangeError on negative / non-finite lengths or `cacheLength` outside (0, maxLength].
 * @example
 * ```ts
 * overlongPenalty(18000, 20480, 4096); // -0.39453125
 * ```
 */
export function overlongPenalty(length: number, maxLength: number, cacheLength: number, factor = 1): number {
  const fn = 'overlongPenalty';
  assertFiniteNumber(fn, 'length', length, { min: 0 });
  assertFiniteNumber(fn, 'maxLength', maxLength, { min: 0, minExclusive: true });
  assertFiniteNumber(fn, 'cacheLength', cacheLength, { min: 0, minExclusive: true, max: maxLength });
  assertFiniteNumber(fn, 'factor', factor, { min: 0 });
  const free = maxLength - cacheLength;
  if (length <= free) return 0;
  if (length <= maxLength) return (factor * (free - length)) / cacheLength;
  return -factor;
}

/** Inputs of {@link compressorScore}: the judge's verdict and the two lengths (tokens). */
export interface CompressorJudgement {
  /** s: can the ranking task still be solved from the compressed input? */
  readonly solvable: boolean;
  /** p: information preservation, 1..scoreScale. */
  readonly preservation: number;
  /** q: ranking quality, 1..scoreScale. */
  readonly quality: number;
  /** |original| in tokens (> 0). */
  readonly originalLength: number;
  /** |compressed| in tokens (≥ 0). */
  readonly compressedLength: number;
  /** λ_ellipsis ∈ [0, 1] for this sample (truncation shortcuts such as "…"). @defaultValue `options.ellipsisPenalty` */
  readonly ellipsisPenalty?: number;
}

/** Options of {@link compressorScore}. */
export interface CompressorRewardOptions {
  /**
   * Weight α of the compression term.
   * @defaultValue `0.5` (not recovered; S7's value)
   */
  readonly alpha?: number;
  /**
   * λ_ellipsis when the judgement does not carry one.
   * @defaultValue `1`
   */
  readonly ellipsisPenalty?: number;
  /**
   * Judge score scale: p̄ = p/scale (`'divide'`) or (p − 1)/(scale − 1) (`'minmax'`).
   * @defaultValue `10`
   */
  readonly scoreScale?: number;
  /**
   * Score normalisation.
   * @defaultValue `'divide'`
   */
  readonly normalisation?: 'divide' | 'minmax';
}

/**
 * The Technical Report's context-compressor reward (TR Eq. 10–11):
 * r_judge = 0.2·p̄ + 0.8·q̄ if solvable else 0.8·p̄ + 0.2·q̄;  r_comp = max(0, 1 − |compressed|/|original|);
 * r = (α·r_comp + (1 − α)·r_judge)·λ_ellipsis.
 *
 * @param judgement - See {@link CompressorJudgement}.
 * @param options - See {@link CompressorRewardOptions}.
 * @returns r in [0, 1].
 * @throws TypeError / RangeError on out-of-range scores, lengths or options.
 * @example
 * ```ts
 * compressorScore({ solvable: true, preservation: 6, quality: 9, originalLength: 1000, compressedLength: 180 });
 * // 0.83
 * ```
 */
export function compressorScore(judgement: CompressorJudgement, options: CompressorRewardOptions = {}): number {
  const fn = 'compressorScore';
  if (judgement === null || typeof judgement !== 'object') throw typeError(fn, 'judgement', 'an object', judgement);
  checkOptions(fn, options, ['alpha', 'ellipsisPenalty', 'scoreScale', 'normalisation']);
  const alpha = options.alpha ?? 0.5;
  const scale = options.scoreScale ?? 10;
  const norm = options.normalisation ?? 'divide';
  assertFiniteNumber(fn, 'options.alpha', alpha, { min: 0, max: 1 });
  assertFiniteNumber(fn, 'options.scoreScale', scale, { min: 1, minExclusive: true });
  if (norm !== 'divide' && norm !== 'minmax') throw rangeError(fn, 'options.normalisation', "one of 'divide', 'minmax'", norm);
  const lambda = judgement.ellipsisPenalty ?? options.ellipsisPenalty ?? 1;
  assertFiniteNumber(fn, 'judgement.ellipsisPenalty', lambda, { min: 0, max: 1 });
  if (typeof judgement.solvable !== 'boolean') throw typeError(fn, 'judgement.solvable', 'a boolean', judgement.solvable);
  assertFiniteNumber(fn, 'judgement.preservation', judgement.preservation, { min: 1, max: scale });
  assertFiniteNumber(fn, 'judgement.quality', judgement.quality, { min: 1, max: scale });
  assertFiniteNumber(fn, 'judgement.originalLength', judgement.originalLength, { min: 0, minExclusive: true });
  assertFiniteNumber(fn, 'judgement.compressedLength', judgement.compressedLength, { min: 0 });
  const nz = (x: number): number => (norm === 'divide' ? x / scale : (x - 1) / (scale - 1));
  const p = nz(judgement.preservation);
  const q = nz(judgement.quality);
  const rJudge = judgement.solvable ? 0.2 * p + 0.8 * q : 0.8 * p + 0.2 * q;
  const rComp = Math.max(0, 1 - judgement.compressedLength / judgement.originalLength);
  return (alpha * rComp + (1 - alpha) * rJudge) * lambda;
}
