/**
 * Clipped policy-gradient losses with closed-form gradients — DAPO, GRPO, Dr.GRPO and the Technical Report's
 * on-policy distillation (OPD) — and a registry of losses by name (verl `register_policy_loss`).
 *
 * Every loss returns `{loss, grad, metrics}` where `grad[b·seqLen + t] = ∂loss/∂logProbs[b][t]`, computed in
 * closed form by the fused `policyLoss` backend kernel (no autograd). The same kernel serves every loss; the
 * losses differ in their defaults (clip range, aggregation, KL term). OPD's full-vocabulary KL (`klEstimator:
 * 'full'`) runs in a second fused kernel, `fullKl` (KL, gradient with respect to the full rows, entropy).
 *
 * **Dtype convention.** Inputs given as `number[][]` or `Float64Array` are computed in float64 (`dtype:
 * 'float64'`, the default); pass `dtype: 'float32'` with `Float32Array` data to halve memory. The `'js'` kernel
 * always accumulates in float64; the `'onnx'` kernel computes in the dtype of the inputs.
 *
 * **Micro-batches.** Every aggregation is a per-token weight `mask·c_b`; pass the global token / sequence
 * counts of the full batch (`globalTokenCount`, `globalSequenceCount`) and the losses and gradients of the
 * micro-batches sum exactly to those of the full batch (a sequence must not be split across micro-batches).
 *
 * @packageDocumentation
 */
import '../backend/register_builtins.js';
import { assertFiniteNumber, assertOneOf, checkOptions, NumericError, rangeError, raw, typeError } from '../errors.js';
import { checkFiniteArray, checkFullLogProbs } from '../validate.js';
import { createRegistry } from '../registry.js';
import { fullKlKernel, policyLossKernel } from '../backend/ops.js';
import type { BackendOption } from '../backend/types.js';
import type { FloatArray, KlEstimator, PolicyLossKernelAttrs, PolicyLossStats } from '../backend/kernel_contracts.js';
import {
  allocFloat,
  assertBinaryMask,
  assertFiniteTokens,
  assertSameShape,
  resolveGlobalCount,
  toTokenMatrix,
  toVector,
  type RlDType,
  type TokenMatrix,
  type TokenMatrixLike,
} from './tokens.js';

export type { FloatArray, KlEstimator, PolicyLossStats } from '../backend/kernel_contracts.js';
export type { RlDType, TokenMatrixLike } from './tokens.js';

/**
 * How per-token losses `ℓ_{b,t}` are reduced to one number (verl `loss_agg_mode`), with `m` the mask,
 * `L_b = Σ_t m_{b,t}`, `N = Σ_b L_b` and `S` the number of non-empty sequences:
 * - `'token-mean'` (DAPO): `Σ m·ℓ / N`;
 * - `'seq-mean-token-mean'` (GRPO): `(1/S) Σ_b (Σ_t m·ℓ) / L_b`;
 * - `'seq-mean-token-sum'`: `(1/S) Σ_b Σ_t m·ℓ`;
 * - `'seq-mean-token-sum-norm'` (Dr.GRPO): `(1/S) Σ_b Σ_t m·ℓ / C` with a constant `C` (`normConstant`).
 */
export type Aggregation = 'token-mean' | 'seq-mean-token-mean' | 'seq-mean-token-sum' | 'seq-mean-token-sum-norm';

/** The aggregation modes, in documentation order. */
export const AGGREGATIONS: readonly Aggregation[] = Object.freeze([
  'token-mean',
  'seq-mean-token-mean',
  'seq-mean-token-sum',
  'seq-mean-token-sum-norm',
] as const);

/** Full log-prob rows `[batch, seqLen, vocab]` (row-major), e.g. `log_softmax(logits)`. */
export interface FullLogProbs {
  readonly data: Float64Array | Float32Array;
  readonly dims: readonly number[];
}

/** Inputs of a policy loss. Every `[batch, seqLen]` matrix has the shape of `logProbs`. */
export interface PolicyLossInputs {
  /** `[batch, seqLen]` log π_θ of the sampled tokens (the variable the gradient is taken with respect to). */
  readonly logProbs: TokenMatrixLike;
  /** `[batch, seqLen]` log π_old of the sampled tokens (the rollout policy). */
  readonly oldLogProbs: TokenMatrixLike;
  /** `[batch]` one advantage per sequence (broadcast over its tokens), or `[batch, seqLen]` per token. */
  readonly advantages: readonly number[] | Float64Array | Float32Array | TokenMatrixLike;
  /** `[batch, seqLen]` 0/1 loss mask (verl `response_mask`). @defaultValue all ones */
  readonly mask?: TokenMatrixLike;
  /** `[batch, seqLen]` log π_ref of the sampled tokens, for the KL penalty of `'grpo'`. */
  readonly refLogProbs?: TokenMatrixLike;
  /** `[batch, seqLen]` teacher log-probs of the sampled tokens, for `'opd'` with a sampled-token estimator. */
  readonly teacherLogProbs?: TokenMatrixLike;
  /** `[batch, seqLen, vocab]` the student's full log-prob rows, for `'opd'` with `klEstimator: 'full'`. */
  readonly fullLogProbs?: FullLogProbs;
  /** `[batch, seqLen, vocab]` the teacher's full log-prob rows (same vocabulary as `fullLogProbs`). */
  readonly teacherFullLogProbs?: FullLogProbs;
  /** `[batch, seqLen, vocab]` student logits, used only for the `entropy` metric. */
  readonly logits?: FullLogProbs;
}

/** Options of the policy losses. Defaults differ per loss where noted. */
export interface PolicyLossOptions extends BackendOption {
  /**
   * Lower clip ε_low (verl `clip_ratio_low`): ratios below `1 − ε_low` are clipped.
   * @defaultValue `0.2`
   */
  readonly epsilonLow?: number;
  /**
   * Upper clip ε_high (verl `clip_ratio_high`; DAPO's clip-higher).
   * @defaultValue `0.28` for `'dapo'` and `'opd'`; `epsilonLow` for `'grpo'` and `'dr-grpo'`
   */
  readonly epsilonHigh?: number;
  /**
   * Dual-clip constant `c > 1` (Ye et al. 2020; verl `clip_ratio_c`): for `A < 0` the per-token loss is capped
   * at `−A·c`. `0` turns it off.
   * @defaultValue `0` (off)
   */
  readonly dualClip?: number;
  /**
   * Reduction of the per-token losses.
   * @defaultValue `'token-mean'` for `'dapo'`/`'opd'`, `'seq-mean-token-mean'` for `'grpo'`,
   * `'seq-mean-token-sum-norm'` for `'dr-grpo'`
   */
  readonly aggregation?: Aggregation;
  /**
   * KL coefficient β. For `'grpo'` the reference is `refLogProbs`; for `'opd'` it is the teacher.
   * @defaultValue `0` for `'dapo'`, `'grpo'`, `'dr-grpo'`; `1` for `'opd'`
   */
  readonly klCoef?: number;
  /**
   * How the KL term `β·KL` is estimated and differentiated.
   * - `'k1'` = `−x`, `'k2'` = `x²/2`, `'k3'` = `eˣ − x − 1` (verl `low_var_kl`), with `x = log π_ref − log π_θ` of the
   *   sampled token (clamped to ±`logRatioClamp`): a **pathwise** penalty added to each token's loss and
   *   differentiated through `log π_θ`. On the policy's own samples, in expectation over the sampled token, the
   *   gradient of k1 is **zero** and that of k3 is the gradient of the **forward** KL(π_ref ‖ π_θ) (`p − q` on the
   *   logits); k2's is that of ½·E[x²]. GRPO's KL-to-reference uses k3 this way (its paper's choice).
   * - `'sampled'` (OPD only; TR Eq. 4 from sampled-token teacher log-probs): the **score-function** form of the
   *   reverse KL(π_θ ‖ π_T): `−β·(log π_θ − log π_T)` is added to each token's advantage as a constant
   *   (stop-gradient), so the token's gradient is `−w·ρ·(A − β·(log π_θ − log π_T))` through the clipped surrogate.
   *   On-policy (ρ = 1) its expectation over the sampled token is exactly `β·∇KL(π_θ ‖ π_T)`.
   * - `'full'` (OPD only): the exact reverse KL of the full rows, `KL_t = Σ_v p_v (log p_v − log q_v)`.
   * @defaultValue `'k3'`; for `'opd'`, `'full'` when both full-row inputs are given (or one of them without
   * `teacherLogProbs`), else `'sampled'`
   */
  readonly klEstimator?: KlEstimator | 'full' | 'sampled';
  /** Bound of the log-ratio clamp applied before `exp` (verl). @defaultValue `20` */
  readonly logRatioClamp?: number;
  /** Masked-in tokens of the whole batch, for `'token-mean'` over micro-batches. @defaultValue the local count */
  readonly globalTokenCount?: number;
  /** Non-empty sequences of the whole batch, for the `'seq-mean-*'` modes. @defaultValue the local count */
  readonly globalSequenceCount?: number;
  /**
   * The constant `C` of `'seq-mean-token-sum-norm'` (Dr.GRPO): the fixed generation budget, i.e. the max new tokens
   * of the rollouts. Required with that aggregation — a default such as the padded length of the batch would move
   * the loss scale with padding, which Dr.GRPO's constant exists to avoid. Ignored by the other aggregations.
   */
  readonly normConstant?: number;
  /** Compute dtype. @defaultValue `'float64'` */
  readonly dtype?: RlDType;
  /** Throw {@link NumericError} on NaN/±Inf in masked-in log-probs or advantages. @defaultValue `true` */
  readonly checkFinite?: boolean;
  /**
   * (gr2's addition) An array of `batch·seqLen` elements that receives the gradient `∂L/∂logProbs` and is returned
   * as `grad`, so a training loop can reuse one buffer instead of allocating (and page-faulting) a fresh
   * `batch·seqLen` array every step. Its type must match `dtype` (`Float32Array` for `'float32'`, `Float64Array`
   * for `'float64'`) and it must not overlap any input array. Every element is written (0 where masked out).
   * @defaultValue a new array per call
   * @example
   * ```ts
   * const grad = new Float32Array(batch * seqLen); // once
   * for (const step of steps) await dapoLoss(step.inputs, { dtype: 'float32', gradOut: grad });
   * ```
   */
  readonly gradOut?: Float32Array | Float64Array;
}

/** @internal The keys of {@link PolicyLossOptions} (unknown keys are refused with a "did you mean" hint). */
const POLICY_LOSS_OPTION_KEYS: readonly string[] = [
  'gradOut',
  'epsilonLow',
  'epsilonHigh',
  'dualClip',
  'aggregation',
  'klCoef',
  'klEstimator',
  'logRatioClamp',
  'globalTokenCount',
  'globalSequenceCount',
  'normConstant',
  'dtype',
  'checkFinite',
  'backend',
];

/** Metrics of a policy loss (means over the masked-in tokens of this call; 0 when there are none). */
export interface PolicyLossMetrics {
  /** Fraction of tokens whose clipped branch is active (`clipFractionLow + clipFractionHigh`; verl `pg_clipfrac`). */
  readonly clipFraction: number;
  /** Fraction with `A < 0` and `ratio < 1 − ε_low`. */
  readonly clipFractionLow: number;
  /** Fraction with `A > 0` and `ratio > 1 + ε_high`. */
  readonly clipFractionHigh: number;
  /** Fraction with `A < 0` capped by the dual clip (verl `pg_clipfrac_lower`). */
  readonly dualClipFraction: number;
  /** `mean(log π_old − log π_θ)`, the k1 estimate of KL(π_old ‖ π_θ) (verl `ppo_kl`). */
  readonly approxKl: number;
  /** `mean(ρ − 1 − log ρ)`, the non-negative k3 estimate of KL(π_old ‖ π_θ). */
  readonly approxKlK3: number;
  /** Mean importance ratio ρ. */
  readonly ratioMean: number;
  /** Largest importance ratio ρ. */
  readonly ratioMax: number;
  /** The aggregated policy-gradient part of the loss. */
  readonly pgLoss: number;
  /**
   * The aggregated KL part before β (0 without a KL term). With `'sampled'` the KL sits in the advantages, so it is
   * already inside `loss` and `pgLoss`; `klLoss` then reports its aggregated k1 estimate, for logging only.
   */
  readonly klLoss: number;
  /**
   * Mean per-token KL estimate (0 without a KL term): the estimator's value for k1/k2/k3, the exact row KL for
   * `'full'`, and the k1 estimate `log π_θ − log π_T` (unbiased for the reverse KL) for `'sampled'`.
   */
  readonly kl: number;
  /** Mean token entropy `−Σ_v p_v log p_v`, when `logits` or `fullLogProbs` are given. */
  readonly entropy?: number;
  /** Number of masked-in tokens. */
  readonly tokens: number;
}

/** Result of a policy loss. */
export interface PolicyLossResult {
  /** The aggregated loss (to minimise). */
  readonly loss: number;
  /** `[batch·seqLen]` row-major ∂loss/∂logProbs (0 where `mask = 0`); Float64Array unless `dtype: 'float32'`. */
  readonly grad: FloatArray;
  /** `[batch, seqLen]`. */
  readonly dims: readonly [number, number];
  /** Metrics. */
  readonly metrics: PolicyLossMetrics;
  /** Raw token sums behind the metrics (they add across micro-batches). */
  readonly stats: PolicyLossStats;
  /**
   * `[batch·seqLen·vocab]` ∂loss/∂fullLogProbs for `klEstimator: 'full'`, treating each entry of the student's
   * full log-prob rows as an independent variable with `p = exp(fullLogProbs)`:
   * `β·w_{b,t}·p_v·(log p_v − log q_v + 1)` with `w_{b,t} = mask·c_b` the aggregation weight. To get the
   * gradient with respect to the logits of `log_softmax`, use {@link logProbGradToLogitGrad}. The sampled-token
   * part of the loss is in `grad`; the full gradient of a row is `gradFullLogProbs + grad` scattered at the
   * sampled id. Computed by the `fullKl` backend kernel; a `Float64Array` unless `dtype: 'float32'` (as `grad`).
   */
  readonly gradFullLogProbs?: FloatArray;
}

/** A policy loss: inputs and options in, `{loss, grad, metrics}` out. */
export type PolicyLossFn = (inputs: PolicyLossInputs, options?: PolicyLossOptions) => Promise<PolicyLossResult>;

interface LossDefaults {
  readonly epsilonHigh: 'dapo' | 'symmetric';
  readonly aggregation: Aggregation;
  readonly klCoef: number;
  readonly teacher: boolean;
}

const KL_ESTIMATORS = ['k1', 'k2', 'k3', 'full', 'sampled'] as const;

function isMatrixLike(x: unknown): boolean {
  if (Array.isArray(x)) return x.length > 0 && typeof x[0] === 'object' && x[0] !== null;
  if (typeof x !== 'object' || x === null || ArrayBuffer.isView(x)) return false;
  if ('dims' in x) return Array.isArray((x as { dims: unknown }).dims) && (x as { dims: unknown[] }).dims.length === 2;
  return 'shape' in x;
}

function checkFull(fn: string, name: string, x: FullLogProbs, b: number, t: number): number {
  if (typeof x !== 'object' || x === null || !(x.data instanceof Float64Array || x.data instanceof Float32Array) || !Array.isArray(x.dims)) {
    throw typeError(fn, name, 'a {data: Float64Array | Float32Array, dims: [batch, seqLen, vocab]}', x);
  }
  const dims = x.dims;
  if (dims.length !== 3 || dims[0] !== b || dims[1] !== t || !(dims[2]! >= 1)) {
    throw rangeError(fn, `${name}.dims`, `[${b}, ${t}, vocab ≥ 1] (as logProbs)`, raw(`[${dims.join(', ')}]`));
  }
  if (x.data.length !== b * t * dims[2]!) {
    throw rangeError(fn, `${name}.data`, `of length ${b * t * dims[2]!}`, raw(`length ${x.data.length}`));
  }
  return dims[2]!;
}

/** `x` as the array type of `dtype` (the same array when it already is; a converted copy otherwise). */
function asDType(x: FloatArray, dtype: RlDType): FloatArray {
  if (dtype === 'float32') return x instanceof Float32Array ? x : Float32Array.from(x);
  return x instanceof Float64Array ? x : Float64Array.from(x);
}

/** Mean entropy of the masked-in rows of `[batch·seqLen, vocab]` logits (or log-probs: `isLogProbs`). */
function meanEntropy(x: FullLogProbs, mask: FloatArray, v: number, isLogProbs: boolean): number {
  const d = x.data;
  let total = 0;
  let count = 0;
  for (let r = 0; r < mask.length; r++) {
    if (mask[r] === 0) continue;
    const o = r * v;
    let lse = 0;
    if (!isLogProbs) {
      let max = -Infinity;
      for (let j = 0; j < v; j++) if (d[o + j]! > max) max = d[o + j]!;
      let s = 0;
      for (let j = 0; j < v; j++) s += Math.exp(d[o + j]! - max);
      lse = max + Math.log(s);
    }
    let h = 0;
    for (let j = 0; j < v; j++) {
      const l = d[o + j]! - lse;
      const p = Math.exp(l);
      if (p > 0) h -= p * l;
    }
    total += h;
    count++;
  }
  return count === 0 ? 0 : total / count;
}

/**
 * Converts ∂loss/∂(log-prob row) into ∂loss/∂(logits) through `log_softmax`:
 * `g_z[v] = g_ℓ[v] − p_v · Σ_u g_ℓ[u]` with `p = exp(ℓ)`, row by row.
 *
 * @param fullLogProbs - `[rows, vocab]` (any leading dims) the log-prob rows `ℓ = log_softmax(z)`.
 * @param gradFullLogProbs - same length, ∂loss/∂ℓ.
 * @returns ∂loss/∂z, same length.
 * @throws RangeError when the lengths differ.
 * @example
 * ```ts
 * logProbGradToLogitGrad({ data: new Float64Array([Math.log(0.5), Math.log(0.5)]), dims: [1, 1, 2] }, new Float64Array([1, 0]));
 * // Float64Array [0.5, -0.5]
 * ```
 */
export function logProbGradToLogitGrad(fullLogProbs: FullLogProbs, gradFullLogProbs: ArrayLike<number>): Float64Array {
  const fn = 'logProbGradToLogitGrad';
  checkFullLogProbs(fn, 'fullLogProbs', fullLogProbs);
  checkFiniteArray(fn, 'gradFullLogProbs', gradFullLogProbs);
  const d = fullLogProbs.data;
  if (gradFullLogProbs.length !== d.length) {
    throw rangeError(fn, 'gradFullLogProbs', `of length ${d.length} (as fullLogProbs)`, raw(`length ${gradFullLogProbs.length}`));
  }
  const v = fullLogProbs.dims[fullLogProbs.dims.length - 1] ?? 1;
  const out = new Float64Array(d.length);
  for (let o = 0; o < d.length; o += v) {
    let s = 0;
    for (let j = 0; j < v; j++) s += gradFullLogProbs[o + j]!;
    for (let j = 0; j < v; j++) out[o + j] = gradFullLogProbs[o + j]! - Math.exp(d[o + j]!) * s;
  }
  return out;
}

/**
 * @internal
 * Per-sequence aggregation weights `c_b` such that a loss reduces as `Σ_{b,t} c_b·m_{b,t}·ℓ_{b,t}` (the
 * `seq_weights` input of the `policyLoss` kernel and of the graph written by `exportPolicyLossOnnx`):
 * `'token-mean'` `1/N`; `'seq-mean-token-mean'` `1/(L_b·S)`; `'seq-mean-token-sum'` `1/S`;
 * `'seq-mean-token-sum-norm'` `1/(S·C)` — with `L_b = Σ_t m_{b,t}`, `N` = `globalTokenCount` (default `Σ L_b`),
 * `S` = `globalSequenceCount` (default the number of sequences with `L_b > 0`), `C` = `normConstant` (required for
 * that mode: the fixed generation budget, max new tokens). Empty sequences get 0.
 *
 * @param fn - function name for error messages.
 * @param mask - `[batch·seqLen]` 0/1 mask.
 * @param batch - number of sequences.
 * @param seqLen - padded length.
 * @param aggregation - the mode.
 * @param options - global counts and the normalising constant.
 * @param dtype - array type of the result.
 * @param precomputedLengths - `[batch]` `L_b` when already known (filled in place otherwise).
 * @returns the weights and the local token / sequence counts.
 * @throws RangeError when a global count is below the local one or `normConstant ≤ 0`; TypeError when the mode is
 *   `'seq-mean-token-sum-norm'` and `normConstant` is missing.
 * @example
 * ```ts
 * aggregationWeights('f', Float64Array.from([1, 1, 1, 0]), 2, 2, 'seq-mean-token-mean', {}, 'float64').weights;
 * // Float64Array [0.25, 0.5]   (L = [2, 1], S = 2)
 * ```
 */
export function aggregationWeights(
  fn: string,
  mask: FloatArray,
  batch: number,
  seqLen: number,
  aggregation: Aggregation,
  options: { globalTokenCount?: number; globalSequenceCount?: number; normConstant?: number },
  dtype: RlDType,
  precomputedLengths?: Float64Array,
): { weights: FloatArray; tokens: number; sequences: number } {
  const lengths = precomputedLengths ?? new Float64Array(batch);
  let tokens = 0;
  let sequences = 0;
  for (let b = 0; b < batch; b++) {
    let l = 0;
    if (precomputedLengths) l = lengths[b]!;
    else for (let t = b * seqLen; t < (b + 1) * seqLen; t++) l += mask[t]!;
    lengths[b] = l;
    tokens += l;
    if (l > 0) sequences++;
  }
  const N = resolveGlobalCount(fn, 'globalTokenCount', options.globalTokenCount, tokens, 'token');
  const S = resolveGlobalCount(fn, 'globalSequenceCount', options.globalSequenceCount, sequences, 'sequence');
  const C = options.normConstant ?? NaN;
  if (aggregation === 'seq-mean-token-sum-norm') {
    if (options.normConstant === undefined) {
      throw typeError(fn, 'normConstant', "given with aggregation 'seq-mean-token-sum-norm'", undefined, 'Pass the fixed generation budget (max new tokens) of the rollouts: Dr.GRPO divides by a constant, not by the padded length of the batch.');
    }
    assertFiniteNumber(fn, 'normConstant', C, { min: 0, minExclusive: true });
  }
  const weights = allocFloat(dtype, batch);
  for (let b = 0; b < batch; b++) {
    const L = lengths[b]!;
    if (L === 0) continue;
    switch (aggregation) {
      case 'token-mean':
        weights[b] = 1 / N;
        break;
      case 'seq-mean-token-mean':
        weights[b] = 1 / (L * S);
        break;
      case 'seq-mean-token-sum':
        weights[b] = 1 / S;
        break;
      case 'seq-mean-token-sum-norm':
        weights[b] = 1 / (S * C);
        break;
    }
  }
  return { weights, tokens, sequences };
}

/**
 * The clip options shared by the losses and `exportPolicyLossOnnx`, defaulted and checked: `epsilonLow` (0.2) in
 * `[0, 1)`, `epsilonHigh` (`epsilonLow` when `symmetric`, else 0.28) ≥ 0, `dualClip` (0) either 0 or > 1.
 *
 * @throws RangeError on a value out of range; TypeError on a non-number.
 * @internal
 */
export function resolveClipOptions(
  fn: string,
  options: Pick<PolicyLossOptions, 'epsilonLow' | 'epsilonHigh' | 'dualClip'>,
  symmetric: boolean,
): { epsilonLow: number; epsilonHigh: number; dualClip: number } {
  const epsilonLow = options.epsilonLow ?? 0.2;
  assertFiniteNumber(fn, 'epsilonLow', epsilonLow, { min: 0, max: 1, maxExclusive: true });
  const epsilonHigh = options.epsilonHigh ?? (symmetric ? epsilonLow : 0.28);
  assertFiniteNumber(fn, 'epsilonHigh', epsilonHigh, { min: 0 });
  const dualClip = options.dualClip ?? 0;
  assertFiniteNumber(fn, 'dualClip', dualClip, { min: 0 });
  if (dualClip !== 0 && !(dualClip > 1)) throw rangeError(fn, 'dualClip', '0 (off) or a number > 1', dualClip);
  return { epsilonLow, epsilonHigh, dualClip };
}

/** The scalar options of a loss, defaulted and checked. */
interface Hyper {
  readonly dtype: RlDType;
  readonly epsilonLow: number;
  readonly epsilonHigh: number;
  readonly dualClip: number;
  readonly aggregation: Aggregation;
  readonly klCoef: number;
  readonly logRatioClamp: number;
  readonly checkFinite: boolean;
}

function resolveHyper(fn: string, defaults: LossDefaults, options: PolicyLossOptions): Hyper {
  if (typeof options !== 'object' || options === null) throw typeError(fn, 'options', 'an object', options);
  const dtype = options.dtype ?? 'float64';
  assertOneOf(fn, 'dtype', dtype, ['float64', 'float32'] as const);
  const { epsilonLow, epsilonHigh, dualClip } = resolveClipOptions(fn, options, defaults.epsilonHigh === 'symmetric');
  const aggregation = options.aggregation ?? defaults.aggregation;
  assertOneOf(fn, 'aggregation', aggregation, AGGREGATIONS);
  const klCoef = options.klCoef ?? defaults.klCoef;
  assertFiniteNumber(fn, 'klCoef', klCoef, { min: 0 });
  const logRatioClamp = options.logRatioClamp ?? 20;
  assertFiniteNumber(fn, 'logRatioClamp', logRatioClamp, { min: 0, minExclusive: true });
  return { dtype, epsilonLow, epsilonHigh, dualClip, aggregation, klCoef, logRatioClamp, checkFinite: options.checkFinite ?? true };
}

/** The `[batch, seqLen]` token inputs, converted to the dtype and checked (shapes, 0/1 mask, finiteness). */
interface Tokens {
  readonly B: number;
  readonly T: number;
  readonly logProbs: TokenMatrix;
  readonly oldLogProbs: TokenMatrix;
  readonly mask: TokenMatrix;
  readonly advantages: FloatArray;
  readonly perTokenAdvantages: boolean;
  /** `[batch]` masked-in tokens per sequence. */
  readonly lengths: Float64Array;
}

function resolveMask(fn: string, inputs: PolicyLossInputs, dtype: RlDType, B: number, T: number): TokenMatrix {
  if (inputs.mask === undefined) {
    const ones = allocFloat(dtype, B * T);
    ones.fill(1);
    return { data: ones, rows: B, cols: T };
  }
  const mask = toTokenMatrix(inputs.mask, 'mask', fn, dtype);
  assertSameShape(fn, 'mask', mask, B, T, 'logProbs');
  return mask;
}

function resolveAdvantages(fn: string, inputs: PolicyLossInputs, dtype: RlDType, B: number, T: number): { advantages: FloatArray; perToken: boolean } {
  if (isMatrixLike(inputs.advantages)) {
    const a = toTokenMatrix(inputs.advantages, 'advantages', fn, dtype);
    assertSameShape(fn, 'advantages', a, B, T, 'logProbs');
    return { advantages: a.data, perToken: true };
  }
  const advantages = toVector(inputs.advantages, 'advantages', fn, dtype);
  if (advantages.length !== B) {
    throw rangeError(fn, 'advantages', `of length batch = ${B} or of shape [${B}, ${T}]`, raw(`length ${advantages.length}`));
  }
  return { advantages, perToken: false };
}

/** One fused pass: the mask is 0/1, log-probs are finite where mask = 1, and the sequence lengths. */
function scanTokens(fn: string, logProbs: TokenMatrix, oldLogProbs: TokenMatrix, mask: TokenMatrix, checkFinite: boolean): Float64Array {
  const { rows: B, cols: T } = logProbs;
  const lengths = new Float64Array(B);
  const md = mask.data;
  const lp = logProbs.data;
  const od = oldLogProbs.data;
  for (let b = 0; b < B; b++) {
    let L = 0;
    for (let i = b * T; i < (b + 1) * T; i++) {
      const m = md[i]!;
      if (m === 0) continue;
      if (m !== 1) assertBinaryMask(fn, 'mask', mask); // throws with the position
      L++;
      if (checkFinite) {
        const x = lp[i]! - od[i]!; // NaN or ±Inf when either is not finite
        if (x - x !== 0) {
          assertFiniteTokens(fn, 'logProbs', logProbs, md);
          assertFiniteTokens(fn, 'oldLogProbs', oldLogProbs, md);
        }
      }
    }
    lengths[b] = L;
  }
  return lengths;
}

function resolveTokens(fn: string, inputs: PolicyLossInputs, dtype: RlDType, checkFinite: boolean): Tokens {
  if (typeof inputs !== 'object' || inputs === null) throw typeError(fn, 'inputs', 'an object', inputs);
  const logProbs = toTokenMatrix(inputs.logProbs, 'logProbs', fn, dtype);
  const { rows: B, cols: T } = logProbs;
  const oldLogProbs = toTokenMatrix(inputs.oldLogProbs, 'oldLogProbs', fn, dtype);
  assertSameShape(fn, 'oldLogProbs', oldLogProbs, B, T, 'logProbs');
  const mask = resolveMask(fn, inputs, dtype, B, T);
  const { advantages, perToken } = resolveAdvantages(fn, inputs, dtype, B, T);
  const lengths = scanTokens(fn, logProbs, oldLogProbs, mask, checkFinite);
  if (checkFinite) {
    if (perToken) assertFiniteTokens(fn, 'advantages', { data: advantages, rows: B, cols: T }, mask.data);
    else {
      for (let b = 0; b < B; b++) {
        const v = advantages[b]!;
        if (v - v !== 0) throw new NumericError(`${fn}: 'advantages' must be finite; got ${v} at [${b}].`);
      }
    }
  }
  return { B, T, logProbs, oldLogProbs, mask, advantages, perTokenAdvantages: perToken, lengths };
}

/** The KL term: the estimator, and its reference rows (sampled-token) or full rows (`'full'`). */
interface KlTerm {
  readonly estimator: KlEstimator | 'full' | 'sampled';
  /** Sampled-token reference / teacher log-probs (k1/k2/k3/sampled, when β > 0). */
  readonly ref?: FloatArray;
  /** Full rows (`'full'`, when β > 0). */
  readonly full?: { student: FullLogProbs; teacher: FullLogProbs; vocab: number };
}

function resolveKl(fn: string, defaults: LossDefaults, inputs: PolicyLossInputs, options: PolicyLossOptions, h: Hyper, t: Tokens): KlTerm {
  // OPD: 'full' by default when both full-row inputs are given, or when one is given without sampled-token teacher
  // log-probs (then the error names the missing full-row input); otherwise the score-function estimator 'sampled'.
  // `fullLogProbs` alone next to `teacherLogProbs` (e.g. for the entropy metric) keeps 'sampled'.
  const bothFull = inputs.fullLogProbs !== undefined && inputs.teacherFullLogProbs !== undefined;
  const someFull = inputs.fullLogProbs !== undefined || inputs.teacherFullLogProbs !== undefined;
  const defaultFull = bothFull || (someFull && inputs.teacherLogProbs === undefined);
  const estimator = options.klEstimator ?? (defaults.teacher ? (defaultFull ? 'full' : 'sampled') : 'k3');
  assertOneOf(fn, 'klEstimator', estimator, KL_ESTIMATORS);
  if ((estimator === 'full' || estimator === 'sampled') && !defaults.teacher) {
    throw rangeError(fn, 'klEstimator', `'k1', 'k2' or 'k3' ('${estimator}' is for the 'opd' loss)`, estimator);
  }
  if (h.klCoef === 0) return { estimator };
  if (estimator === 'full') {
    if (inputs.fullLogProbs === undefined) throw typeError(fn, 'fullLogProbs', "given with klEstimator 'full'", undefined);
    if (inputs.teacherFullLogProbs === undefined) throw typeError(fn, 'teacherFullLogProbs', "given with klEstimator 'full'", undefined);
    const v = checkFull(fn, 'fullLogProbs', inputs.fullLogProbs, t.B, t.T);
    const vt = checkFull(fn, 'teacherFullLogProbs', inputs.teacherFullLogProbs, t.B, t.T);
    if (vt !== v) throw rangeError(fn, 'teacherFullLogProbs', `of vocabulary ${v} (as fullLogProbs)`, vt);
    return { estimator, full: { student: inputs.fullLogProbs, teacher: inputs.teacherFullLogProbs, vocab: v } };
  }
  const refInput = defaults.teacher ? inputs.teacherLogProbs : inputs.refLogProbs;
  const refName = defaults.teacher ? 'teacherLogProbs' : 'refLogProbs';
  if (refInput === undefined) {
    throw typeError(fn, refName, `given when klCoef > 0 (klCoef = ${h.klCoef})`, undefined, 'Pass it, or set klCoef: 0.');
  }
  const r = toTokenMatrix(refInput, refName, fn, h.dtype);
  assertSameShape(fn, refName, r, t.B, t.T, 'logProbs');
  if (h.checkFinite) assertFiniteTokens(fn, refName, r, t.mask.data);
  return { estimator, ref: r.data };
}

/**
 * The score-function form of the reverse KL on sampled tokens (`'sampled'`): per-token advantages
 * `A_{b,t} − β·(log π_θ − log π_T)` with the KL part a constant (stop-gradient), plus the k1 sums for the metrics.
 */
function sampledKlAdvantages(t: Tokens, teacher: FloatArray, beta: number, weights: FloatArray, dtype: RlDType) {
  const { B, T } = t;
  const lp = t.logProbs.data;
  const md = t.mask.data;
  const adv = allocFloat(dtype, B * T);
  let klSum = 0;
  let klWeighted = 0;
  for (let b = 0; b < B; b++) {
    for (let i = b * T; i < (b + 1) * T; i++) {
      const a = t.perTokenAdvantages ? t.advantages[i]! : t.advantages[b]!;
      if (md[i] === 0) {
        adv[i] = a;
        continue;
      }
      const d = lp[i]! - teacher[i]!; // log π_θ − log π_T, a constant of the gradient
      adv[i] = a - beta * d;
      klSum += d;
      klWeighted += weights[b]! * d;
    }
  }
  return { advantages: adv, klSum, klWeighted };
}

function resolveLoss(fn: string, defaults: LossDefaults, inputs: PolicyLossInputs, options: PolicyLossOptions) {
  const h = resolveHyper(fn, defaults, options);
  const t = resolveTokens(fn, inputs, h.dtype, h.checkFinite);
  const kl = resolveKl(fn, defaults, inputs, options, h, t);
  const { weights, tokens } = aggregationWeights(fn, t.mask.data, t.B, t.T, h.aggregation, options, h.dtype, t.lengths);
  const sampled = kl.estimator === 'sampled' && kl.ref !== undefined ? sampledKlAdvantages(t, kl.ref, h.klCoef, weights, h.dtype) : undefined;
  // the kernel's own KL term: the pathwise estimators only ('full' runs in fullKl, 'sampled' is in the advantages)
  const kernelRef = kl.estimator === 'k1' || kl.estimator === 'k2' || kl.estimator === 'k3' ? kl.ref : undefined;
  const attrs: PolicyLossKernelAttrs = {
    batch: t.B,
    seqLen: t.T,
    perTokenAdvantages: sampled !== undefined || t.perTokenAdvantages,
    epsilonLow: h.epsilonLow,
    epsilonHigh: h.epsilonHigh,
    dualClip: h.dualClip,
    klCoef: kernelRef !== undefined ? h.klCoef : 0,
    klEstimator: kernelRef !== undefined ? (kl.estimator as KlEstimator) : 'k3',
    logRatioClamp: h.logRatioClamp,
  };
  return {
    B: t.B,
    T: t.T,
    dtype: h.dtype,
    logProbs: t.logProbs,
    oldLogProbs: t.oldLogProbs,
    mask: t.mask,
    advantages: sampled?.advantages ?? t.advantages,
    ref: kernelRef,
    full: kl.full,
    sampled,
    weights,
    tokens,
    attrs,
    klCoef: h.klCoef,
    checkFinite: h.checkFinite,
  };
}

type ResolvedLoss = ReturnType<typeof resolveLoss>;

/** The `fullKl` pass of OPD's `'full'` estimator: KL sums, its gradient w.r.t. the student's rows, row entropies. */
async function fullKlTerm(fn: string, r: ResolvedLoss, pin: BackendOption) {
  const { student, teacher, vocab: V } = r.full!;
  const rows = r.B * r.T;
  const beta = r.klCoef;
  const md = r.mask.data;
  // per row: w = c_b·mask (aggregation weight) and the gradient scale β·w, applied inside the kernel
  const rowWeights = allocFloat(r.dtype, rows);
  for (let b = 0; b < r.B; b++) {
    const c = r.weights[b]!;
    for (let i = b * r.T; i < (b + 1) * r.T; i++) rowWeights[i] = beta * (c * md[i]!);
  }
  const fk = await fullKlKernel(
    { studentLogProbs: asDType(student.data, r.dtype), teacherLogProbs: asDType(teacher.data, r.dtype), mask: md, rowWeights },
    { rows, vocab: V },
    pin,
  );
  let klSum = 0;
  let klWeighted = 0;
  let entropySum = 0;
  let count = 0;
  for (let b = 0; b < r.B; b++) {
    const c = r.weights[b]!;
    for (let i = b * r.T; i < (b + 1) * r.T; i++) {
      if (md[i] === 0) continue;
      const kl = fk.kl[i]!;
      klSum += kl;
      klWeighted += c * md[i]! * kl;
      entropySum += fk.entropy[i]!;
      count++;
    }
  }
  if (r.checkFinite && !Number.isFinite(klSum)) {
    throw new NumericError(`${fn}: the full KL is not finite (${klSum}); check 'fullLogProbs' and 'teacherFullLogProbs' (an -Inf teacher log-prob where the student has mass makes KL infinite).`);
  }
  return { klSum, klWeighted, grad: fk.grad, entropy: count === 0 ? 0 : entropySum / count };
}

function buildMetrics(stats: PolicyLossStats, pgLoss: number, klLoss: number, entropy: number | undefined): PolicyLossMetrics {
  const n = stats.tokens;
  const mean = (x: number) => (n > 0 ? x / n : 0);
  return {
    clipFraction: mean(stats.clipLow + stats.clipHigh),
    clipFractionLow: mean(stats.clipLow),
    clipFractionHigh: mean(stats.clipHigh),
    dualClipFraction: mean(stats.dualClip),
    approxKl: mean(stats.negLogRatioSum),
    approxKlK3: mean(stats.k3Sum),
    ratioMean: mean(stats.ratioSum),
    ratioMax: n > 0 ? stats.ratioMax : 0,
    pgLoss,
    klLoss,
    kl: mean(stats.klSum),
    ...(entropy !== undefined ? { entropy } : {}),
    tokens: n,
  };
}

async function clippedPolicyLoss(fn: string, defaults: LossDefaults, inputs: PolicyLossInputs, options: PolicyLossOptions): Promise<PolicyLossResult> {
  const r = resolveLoss(fn, defaults, inputs, options);
  // the active backend, or 'js' when it lacks the kernel (a backend pinned with {backend} must have it)
  const pin: BackendOption = options.backend !== undefined ? { backend: options.backend } : {};
  const gradOut = resolveGradOut(fn, options.gradOut, r);
  const out = await policyLossKernel(
    {
      logProbs: r.logProbs.data,
      oldLogProbs: r.oldLogProbs.data,
      advantages: r.advantages,
      mask: r.mask.data,
      seqWeights: r.weights,
      ...(r.ref !== undefined ? { refLogProbs: r.ref } : {}),
      ...(gradOut !== undefined ? { gradOut } : {}),
    },
    r.attrs,
    pin,
  );
  // a backend that does not know `gradOut` returns its own array: copy it in
  if (gradOut !== undefined && out.grad !== gradOut) gradOut.set(out.grad);
  let loss = out.loss;
  let klLoss = out.klLoss;
  const stats: PolicyLossStats = { ...out.stats };
  let gradFullLogProbs: FloatArray | undefined;
  let entropy: number | undefined;
  if (r.full !== undefined) {
    const f = await fullKlTerm(fn, r, pin);
    gradFullLogProbs = f.grad;
    stats.klSum = f.klSum;
    klLoss = f.klWeighted;
    loss += r.klCoef * f.klWeighted;
    // the entropy metric from the student's rows comes with the kernel (logits, when given, take precedence)
    if (inputs.logits === undefined) entropy = f.entropy;
  } else if (r.sampled !== undefined) {
    // the KL is inside the advantages (and so inside `loss` and `pgLoss`); its k1 estimate is logged
    stats.klSum = r.sampled.klSum;
    klLoss = r.sampled.klWeighted;
  }
  if (inputs.logits !== undefined) {
    const v = checkFull(fn, 'logits', inputs.logits, r.B, r.T);
    entropy = meanEntropy(inputs.logits, r.mask.data, v, false);
  } else if (entropy === undefined && inputs.fullLogProbs !== undefined) {
    const v = checkFull(fn, 'fullLogProbs', inputs.fullLogProbs, r.B, r.T);
    entropy = meanEntropy(inputs.fullLogProbs, r.mask.data, v, true);
  }
  const metrics = buildMetrics(stats, out.pgLoss, klLoss, entropy);
  return { loss, grad: gradOut ?? out.grad, dims: [r.B, r.T], metrics, stats, ...(gradFullLogProbs ? { gradFullLogProbs } : {}) };
}

/** Checks `options.gradOut` (type of the compute dtype, `batch·seqLen` elements, no overlap with an input). */
function resolveGradOut(fn: string, gradOut: unknown, r: ResolvedLoss): FloatArray | undefined {
  if (gradOut === undefined) return undefined;
  const want = r.dtype === 'float32' ? Float32Array : Float64Array;
  if (!(gradOut instanceof want)) throw typeError(fn, 'options.gradOut', `a ${want.name} (dtype '${r.dtype}')`, gradOut);
  const n = r.B * r.T;
  if (gradOut.length !== n) throw rangeError(fn, 'options.gradOut', `of length batch·seqLen = ${n}`, raw(`length ${gradOut.length}`));
  const inputs: [string, ArrayBufferView | undefined][] = [
    ['logProbs', r.logProbs.data],
    ['oldLogProbs', r.oldLogProbs.data],
    ['mask', r.mask.data],
    ['advantages', r.advantages],
    ['refLogProbs', r.ref],
  ];
  for (const [name, a] of inputs) {
    if (a === undefined || a.buffer !== gradOut.buffer) continue;
    if (a.byteOffset < gradOut.byteOffset + gradOut.byteLength && gradOut.byteOffset < a.byteOffset + a.byteLength) {
      throw rangeError(fn, 'options.gradOut', `an array that does not overlap '${name}'`, raw('shares its memory'));
    }
  }
  return gradOut;
}

/**
 * DAPO's token-level clipped surrogate (Yu et al. 2025, arXiv:2503.14476, Eq. 8), no KL term:
 *
 * `L = (1/Σ_b L_b) Σ_{b,t} m·max(−A·ρ, −A·clip(ρ, 1−ε_low, 1+ε_high))`, `ρ = exp(clamp(logp − logp_old, ±20))`,
 * with optional dual clip `min(·, −A·c)` for `A < 0`.
 *
 * Closed-form gradient per token (ignoring ties): `∂L/∂logp = −w·A·ρ` where the unclipped branch is active and
 * `0` where the clip (or the dual clip, or the ±20 clamp) is active; `w = m/N` for `'token-mean'`.
 *
 * @param inputs - `logProbs`, `oldLogProbs` `[batch, seqLen]`, `advantages` `[batch]` or `[batch, seqLen]`, `mask`.
 * @param options - see {@link PolicyLossOptions} (`epsilonLow` 0.2, `epsilonHigh` 0.28, `'token-mean'`).
 * @returns `{loss, grad, dims, metrics, stats}`.
 * @throws RangeError on mismatched shapes, a mask that is not 0/1 or bad options; TypeError on wrong kinds;
 * {@link NumericError} on NaN/Inf log-probs or advantages.
 * @example
 * ```ts
 * const { loss, grad } = await dapoLoss({ logProbs: [[-1, -2]], oldLogProbs: [[-1, -2]], advantages: [1] });
 * // loss = -1 (ρ = 1, mean of −A·ρ), grad = Float64Array [-0.5, -0.5]
 * ```
 */
export async function dapoLoss(inputs: PolicyLossInputs, options: PolicyLossOptions = {}): Promise<PolicyLossResult> {
  checkOptions('dapoLoss', options, POLICY_LOSS_OPTION_KEYS);
  return clippedPolicyLoss('dapoLoss', { epsilonHigh: 'dapo', aggregation: 'token-mean', klCoef: 0, teacher: false }, inputs, options);
}

/**
 * GRPO's loss (Shao et al. 2024, DeepSeekMath): the clipped surrogate averaged per sequence, then over
 * sequences (`'seq-mean-token-mean'`), symmetric clip `ε` (0.2), plus an optional KL penalty to a reference
 * policy `β·KL(π_θ ‖ π_ref)` with the k1/k2/k3 estimators (`klCoef`, `refLogProbs`; k3 is GRPO's).
 *
 * `L = (1/S) Σ_b (1/L_b) Σ_t m·[max(−A·ρ, −A·clip(ρ, 1−ε, 1+ε)) + β·k(x)]`, `x = log π_ref − log π_θ`.
 * Gradient of the KL part: k1 → `+β`, k2 → `−β·x`, k3 → `β·(1 − eˣ)`, times the aggregation weight.
 *
 * @param inputs - as {@link dapoLoss}, plus `refLogProbs` when `klCoef > 0`.
 * @param options - see {@link PolicyLossOptions}.
 * @returns `{loss, grad, dims, metrics, stats}`.
 * @throws as {@link dapoLoss}; TypeError when `klCoef > 0` and `refLogProbs` is missing.
 * @example
 * ```ts
 * const r = await grpoLoss({ logProbs: [[-1, -1], [-1, 0]], oldLogProbs: [[-1, -1], [-1, 0]], advantages: [1, -1],
 *   mask: [[1, 1], [1, 0]] });
 * // r.loss = 0 ((−1 + 1)/2), r.grad = [-0.25, -0.25, 0.5, 0]
 * ```
 */
export async function grpoLoss(inputs: PolicyLossInputs, options: PolicyLossOptions = {}): Promise<PolicyLossResult> {
  checkOptions('grpoLoss', options, POLICY_LOSS_OPTION_KEYS);
  return clippedPolicyLoss('grpoLoss', { epsilonHigh: 'symmetric', aggregation: 'seq-mean-token-mean', klCoef: 0, teacher: false }, inputs, options);
}

/**
 * Dr.GRPO's loss (Liu et al. 2025, "Understanding R1-Zero-Like Training"): the clipped surrogate summed over each
 * sequence and divided by a constant `C` instead of the sequence length, then averaged over sequences
 * (`'seq-mean-token-sum-norm'`), removing GRPO's length bias. Pair it with mean-only advantages
 * (`groupAdvantages(r, G, {normalize: 'mean'})`).
 *
 * `L = (1/S) Σ_b Σ_t m·max(−A·ρ, −A·clip(ρ, 1−ε, 1+ε)) / C`, `C = normConstant`, required: the fixed generation
 * budget (max new tokens), the same for every batch.
 *
 * @param inputs - as {@link dapoLoss}.
 * @param options - see {@link PolicyLossOptions}.
 * @returns `{loss, grad, dims, metrics, stats}`.
 * @throws as {@link dapoLoss}; TypeError when `normConstant` is missing.
 * @example
 * ```ts
 * const r = await drGrpoLoss({ logProbs: [[-1, -1]], oldLogProbs: [[-1, -1]], advantages: [1] }, { normConstant: 4 });
 * // r.loss = -0.5 ((−1 − 1)/4), r.grad = [-0.25, -0.25]
 * ```
 */
export async function drGrpoLoss(inputs: PolicyLossInputs, options: PolicyLossOptions = {}): Promise<PolicyLossResult> {
  checkOptions('drGrpoLoss', options, POLICY_LOSS_OPTION_KEYS);
  return clippedPolicyLoss('drGrpoLoss', { epsilonHigh: 'symmetric', aggregation: 'seq-mean-token-sum-norm', klCoef: 0, teacher: false }, inputs, options);
}

/**
 * On-policy distillation of the GR2 Technical Report (Eq. 4): the clipped policy gradient on the student's own
 * rollouts plus `β·KL(π_θ ‖ π_T)`, the reverse KL to a frozen teacher on the student's states.
 *
 * `L = (1/N) Σ m·[max(−A·ρ, −A·clip(ρ, 1−ε_low, 1+ε_high)) + β·KL_t]` where
 * - `klEstimator: 'full'` (default when `fullLogProbs` and `teacherFullLogProbs` are given):
 *   `KL_t = Σ_v p_v (log p_v − log q_v)` over the vocabulary (entries with `p_v = 0` contribute nothing); its
 *   gradient `β·w_{b,t}·p_v·(log p_v − log q_v + 1)` is returned in `gradFullLogProbs` (see
 *   {@link PolicyLossResult.gradFullLogProbs}; `Float32Array` with `dtype: 'float32'`); `grad` holds only the
 *   policy-gradient part. The O(batch·seqLen·vocab) work — KL, that gradient and the `entropy` metric — is the
 *   fused `fullKl` backend kernel, run on the loss's `backend` (the active backend, or `'js'` when it has no
 *   `fullKl`): `'js'` accumulates in float64, `'onnx'` computes in the loss's dtype over chunks of about 2^20
 *   elements. Full rows whose array type differs from `dtype` are converted (a copy), and the result holds a
 *   `[batch·seqLen·vocab]` gradient, so for LLM vocabularies pass the rows in micro-batches (with the global counts);
 * - `klEstimator: 'sampled'` (default with `teacherLogProbs` only, the teacher's log-probs of the sampled tokens):
 *   the score-function estimator used by on-policy distillation in practice — each token's advantage becomes
 *   `A − β·(log π_θ − log π_T)`, a constant of the gradient, and goes through the clipped surrogate. On the
 *   student's own samples (ρ = 1) the expected gradient over the sampled token equals `β·∇KL(π_θ ‖ π_T)` exactly
 *   (tested by exhaustive expectation over a small vocabulary). `loss`/`pgLoss` include the KL advantage; `klLoss`
 *   and `kl` report its k1 estimate;
 * - `'k1'`/`'k3'` (and `'k2'`): pathwise penalties from `teacherLogProbs` with `x = log q − log p`, kept for
 *   comparison with verl's `kl_loss`: in expectation k1's gradient is zero and k3's is the gradient of the
 *   **forward** KL(π_T ‖ π_θ) — not TR Eq. 4's reverse KL. The gradient is in `grad`.
 *
 * @param inputs - as {@link dapoLoss}, plus `teacherLogProbs` or both full-row inputs.
 * @param options - see {@link PolicyLossOptions} (`klCoef` β default 1 — the report gives no value).
 * @returns `{loss, grad, dims, metrics, stats, gradFullLogProbs?}`.
 * @throws as {@link dapoLoss}; TypeError when the teacher inputs are missing; RangeError on vocabulary mismatch;
 * {@link NumericError} when the full KL is not finite (`checkFinite`); `KernelNotImplementedError` when a pinned
 * `backend` has no `fullKl` kernel.
 * @example
 * ```ts
 * const r = await opdLoss({ logProbs: [[-1]], oldLogProbs: [[-1]], advantages: [0], teacherLogProbs: [[-2]] });
 * // 'sampled': advantage −β·(−1 − (−2)) = −1 → r.loss = 1, r.grad = [1], r.metrics.kl = 1
 * const f = await opdLoss({ logProbs: [[-1]], oldLogProbs: [[-1]], advantages: [0],
 *   fullLogProbs: { data: Float64Array.of(Math.log(0.5), Math.log(0.5)), dims: [1, 1, 2] },
 *   teacherFullLogProbs: { data: Float64Array.of(Math.log(0.25), Math.log(0.75)), dims: [1, 1, 2] } });
 * // f.loss ≈ 0.14384 (½·ln(4/3)), f.gradFullLogProbs ≈ [0.84657, 0.29727], f.metrics.entropy ≈ 0.69315 (ln 2)
 * ```
 */
export async function opdLoss(inputs: PolicyLossInputs, options: PolicyLossOptions = {}): Promise<PolicyLossResult> {
  checkOptions('opdLoss', options, POLICY_LOSS_OPTION_KEYS);
  return clippedPolicyLoss('opdLoss', { epsilonHigh: 'dapo', aggregation: 'token-mean', klCoef: 1, teacher: true }, inputs, options);
}

const registry = createRegistry<PolicyLossFn>('policy loss');
registry.register('dapo', dapoLoss);
registry.register('grpo', grpoLoss);
registry.register('dr-grpo', drGrpoLoss);
registry.register('opd', opdLoss);

/**
 * Registers a policy loss under a name (verl `register_policy_loss`). Registering the same function again is a
 * no-op; a different function under a taken name throws unless `{override: true}`.
 *
 * @param name - lower-case name, e.g. `'gspo'`.
 * @param fn - the loss.
 * @param options - `override` to replace an existing registration.
 * @throws TypeError when `fn` is not a function; {@link RegistryError} on a conflicting name.
 * @example
 * ```ts
 * registerPolicyLoss('dapo-dual', (inputs, o) => dapoLoss(inputs, { dualClip: 3, ...o }));
 * getPolicyLoss('dapo-dual'); // the function
 * ```
 */
export function registerPolicyLoss(name: string, fn: PolicyLossFn, options: { readonly override?: boolean } = {}): void {
  checkOptions('registerPolicyLoss', options, ['override']);
  if (typeof name !== 'string' || name.length === 0) throw typeError('registerPolicyLoss', 'name', 'a non-empty string', name);
  if (typeof fn !== 'function') throw typeError('registerPolicyLoss', 'fn', 'a policy-loss function', fn);
  if (typeof fn !== 'function') throw typeError('registerPolicyLoss', 'fn', 'a function', fn);
  registry.register(name, fn, options);
}

/**
 * Returns the policy loss registered as `name` (built-ins: `'dapo'`, `'grpo'`, `'dr-grpo'`, `'opd'`).
 *
 * @throws {@link RegistryError} "Unknown policy loss 'x'. Registered: dapo, grpo, …".
 * @example
 * ```ts
 * const loss = getPolicyLoss('dapo');
 * const { loss: value } = await loss({ logProbs: [[-1]], oldLogProbs: [[-1]], advantages: [2] }); // -2
 * ```
 */
export function getPolicyLoss(name: string): PolicyLossFn {
  if (typeof name !== 'string') throw typeError('getPolicyLoss', 'name', 'a policy-loss name (string)', name);
  return registry.get(name);
}

/** Names of the registered policy losses. @example `listPolicyLosses(); // ['dapo', 'grpo', 'dr-grpo', 'opd']` */
export function listPolicyLosses(): string[] {
  return registry.names();
}

/** Removes a registered policy loss; returns whether it existed. @example `unregisterPolicyLoss('mine'); // true` */
export function unregisterPolicyLoss(name: string): boolean {
  return registry.remove(name);
}

