/**
 * GR2's weighted SFT loss (paper Eq. 3 / TR Eq. 3): reasoning tokens weighted by λ_r, ranking tokens by λ_o > λ_r.
 *
 * @packageDocumentation
 */
import { NumericError, assertFiniteNumber, assertOneOf, checkOptions, rangeError, raw, typeError } from '../errors.js';
import { allocFloat, assertBinaryMask, assertFiniteTokens, assertSameShape, resolveGlobalCount, toTokenMatrix, type RlDType, type TokenMatrixLike } from './tokens.js';
import type { FloatArray } from '../backend/kernel_contracts.js';

/** Inputs of {@link sftLoss}. */
export interface SftLossInputs {
  /** `[batch, seqLen]` log-probs of the target tokens. */
  readonly logProbs: TokenMatrixLike;
  /** `[batch, seqLen]` 0/1 mask of the reasoning (explanation) tokens. */
  readonly reasoningMask: TokenMatrixLike;
  /** `[batch, seqLen]` 0/1 mask of the ranking (recommendation list) tokens; disjoint from `reasoningMask`. */
  readonly rankingMask: TokenMatrixLike;
}

/** Options of {@link sftLoss}. */
export interface SftLossOptions {
  /** λ_r, the weight of reasoning tokens. Not given by the papers; 0.5 follows a public reproduction. @defaultValue `0.5` */
  readonly reasoningWeight?: number;
  /** λ_o, the weight of ranking tokens. @defaultValue `1` */
  readonly rankingWeight?: number;
  /** Require `λ_r < λ_o` as the papers state. @defaultValue `true` */
  readonly requireRankingHeavier?: boolean;
  /**
   * `'token-mean'`: divide by the number of supervised tokens `N` (both masks) — invariant to micro-batching
   * with `globalTokenCount`; `'sum'`: the plain weighted sum of the paper's equation.
   * @defaultValue `'token-mean'`
   */
  readonly normalization?: 'token-mean' | 'sum';
  /** Supervised tokens of the whole batch, for micro-batches. @defaultValue the local count */
  readonly globalTokenCount?: number;
  /** Compute dtype. @defaultValue `'float64'` */
  readonly dtype?: RlDType;
}

/** Result of {@link sftLoss}. */
export interface SftLossResult {
  /** `−Σ (λ_r m_r + λ_o m_o)·logp / N`. */
  readonly loss: number;
  /** `[batch·seqLen]` ∂loss/∂logProbs `= −(λ_r m_r + λ_o m_o)/N`. */
  readonly grad: FloatArray;
  readonly dims: readonly [number, number];
  readonly metrics: {
    /** Mean NLL of the reasoning tokens (0 if none). */
    readonly reasoningNll: number;
    /** Mean NLL of the ranking tokens (0 if none). */
    readonly rankingNll: number;
    readonly reasoningTokens: number;
    readonly rankingTokens: number;
  };
}

/**
 * Weighted SFT loss over the assistant message:
 * `L = −(1/N) [λ_r Σ_t m^r_t log p_t + λ_o Σ_t m^o_t log p_t]`, `N = Σ (m^r + m^o)` (or `N = 1` with
 * `normalization: 'sum'`), and `∂L/∂log p_t = −(λ_r m^r_t + λ_o m^o_t)/N`.
 *
 * @param inputs - `logProbs`, `reasoningMask`, `rankingMask`, all `[batch, seqLen]`.
 * @param options - see {@link SftLossOptions}.
 * @returns `{loss, grad, dims, metrics}`.
 * @throws RangeError on shape mismatch, non-0/1 or overlapping masks, or `λ_r ≥ λ_o` (unless allowed);
 * {@link NumericError} on NaN/Inf log-probs under a mask.
 * @example
 * ```ts
 * const r = sftLoss({ logProbs: [[-1, -2, -3]], reasoningMask: [[1, 1, 0]], rankingMask: [[0, 0, 1]] });
 * // r.loss = (0.5·1 + 0.5·2 + 1·3)/3 = 1.5, r.grad = [-1/6, -1/6, -1/3]
 * ```
 */
export function sftLoss(inputs: SftLossInputs, options: SftLossOptions = {}): SftLossResult {
  const fn = 'sftLoss';
  if (typeof inputs !== 'object' || inputs === null) throw typeError(fn, 'inputs', 'an object', inputs);
  checkOptions(fn, options, ['reasoningWeight', 'rankingWeight', 'requireRankingHeavier', 'normalization', 'globalTokenCount', 'dtype']);
  const dtype = options.dtype ?? 'float64';
  assertOneOf(fn, 'dtype', dtype, ['float64', 'float32'] as const);
  const lr = options.reasoningWeight ?? 0.5;
  const lo = options.rankingWeight ?? 1;
  assertFiniteNumber(fn, 'reasoningWeight', lr, { min: 0 });
  assertFiniteNumber(fn, 'rankingWeight', lo, { min: 0 });
  if ((options.requireRankingHeavier ?? true) && !(lr < lo)) {
    throw rangeError(fn, 'reasoningWeight', `below rankingWeight ${lo} (the papers' λ_r < λ_o)`, lr, 'Pass {requireRankingHeavier: false} to allow it.');
  }
  const normalization = options.normalization ?? 'token-mean';
  assertOneOf(fn, 'normalization', normalization, ['token-mean', 'sum'] as const);
  const lp = toTokenMatrix(inputs.logProbs, 'logProbs', fn, dtype);
  const { rows: B, cols: T } = lp;
  const mr = toTokenMatrix(inputs.reasoningMask, 'reasoningMask', fn, dtype);
  const mo = toTokenMatrix(inputs.rankingMask, 'rankingMask', fn, dtype);
  assertSameShape(fn, 'reasoningMask', mr, B, T, 'logProbs');
  assertSameShape(fn, 'rankingMask', mo, B, T, 'logProbs');
  assertBinaryMask(fn, 'reasoningMask', mr);
  assertBinaryMask(fn, 'rankingMask', mo);
  const n = B * T;
  const union = allocFloat(dtype, n);
  let nr = 0;
  let no = 0;
  for (let i = 0; i < n; i++) {
    const a = mr.data[i]!;
    const b = mo.data[i]!;
    if (a === 1 && b === 1) throw rangeError(fn, 'rankingMask', 'disjoint from reasoningMask', raw(`both 1 at [${Math.floor(i / T)}, ${i % T}]`));
    union[i] = a + b;
    nr += a;
    no += b;
  }
  assertFiniteTokens(fn, 'logProbs', lp, union);
  const local = nr + no;
  const N = normalization === 'token-mean' ? resolveGlobalCount(fn, 'globalTokenCount', options.globalTokenCount, local, 'token') : 1;
  const grad = allocFloat(dtype, n);
  let loss = 0;
  let sr = 0;
  let so = 0;
  if (N > 0) {
    for (let i = 0; i < n; i++) {
      const w = lr * mr.data[i]! + lo * mo.data[i]!;
      if (union[i] === 0) continue;
      const v = lp.data[i]!;
      loss -= (w * v) / N;
      grad[i] = -w / N;
      if (mr.data[i] === 1) sr -= v;
      else so -= v;
    }
  }
  if (!Number.isFinite(loss)) throw new NumericError(`${fn}: the loss is not finite (${loss}).`);
  return {
    loss,
    grad,
    dims: [B, T],
    metrics: { reasoningNll: nr > 0 ? sr / nr : 0, rankingNll: no > 0 ? so / no : 0, reasoningTokens: nr, rankingTokens: no },
  };
}
