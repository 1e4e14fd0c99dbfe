/**
 * The `policyLoss` and `fullKl` kernel contracts (members of the backend's {@link KernelSignatures}, as tfjs's
 * `kernel_names`): the inputs, attributes and outputs every backend implements, and the `gr2/rl` losses call
 * through `ops.ts`.
 *
 * The kernel is the fused per-token work of every clipped policy-gradient loss in `gr2/rl`: one call computes
 * the aggregated loss value, the closed-form gradient with respect to the new log-probs, and the token
 * statistics used for the metrics. Aggregation is expressed as per-sequence weights (see
 * {@link PolicyLossKernelInputs.seqWeights}), so the kernel is the same for every aggregation mode and for
 * micro-batches of a larger batch.
 *
 * `fullKl` is the per-(token, vocabulary entry) work of the OPD loss with `klEstimator: 'full'`: the exact reverse
 * KL `KL(π_θ ‖ π_T)` of each row, its gradient with respect to the student's full log-prob rows, and the row
 * entropies.
 *
 * @packageDocumentation
 */

/** Float arrays accepted by the `policyLoss` kernel (all inputs of one call share one array type). */
export type FloatArray = Float64Array | Float32Array;

/** Estimators of a per-token KL penalty `KL(π_θ ‖ π_ref)` from sampled-token log-probs. */
export type KlEstimator = 'k1' | 'k2' | 'k3';

/** Inputs of the `policyLoss` kernel (validated by the `gr2/rl` front doors). Shapes are row-major. */
export interface PolicyLossKernelInputs {
  /** `[batch·seqLen]` new log-probs log π_θ of the sampled tokens. */
  readonly logProbs: FloatArray;
  /** `[batch·seqLen]` log-probs under the rollout policy π_old. */
  readonly oldLogProbs: FloatArray;
  /** `[batch]` (one per sequence) or `[batch·seqLen]` (per token), see `perTokenAdvantages`. */
  readonly advantages: FloatArray;
  /** `[batch·seqLen]` 0/1 loss mask; masked-out positions contribute nothing and get gradient 0. */
  readonly mask: FloatArray;
  /** `[batch]` aggregation weight `c_b` of each sequence: the loss is `Σ_{b,t} c_b·mask·ℓ_{b,t}`. */
  readonly seqWeights: FloatArray;
  /** `[batch·seqLen]` reference / teacher log-probs for the KL penalty (required when `klCoef ≠ 0`). */
  readonly refLogProbs?: FloatArray;
  /**
   * `[batch·seqLen]` array (the type of `logProbs`, no overlap with any input) that receives the gradient: the
   * kernel writes every element (0 where masked out) and returns it as `grad` instead of allocating one.
   */
  readonly gradOut?: FloatArray;
}

/** Attributes of the `policyLoss` kernel. */
export interface PolicyLossKernelAttrs {
  readonly batch: number;
  readonly seqLen: number;
  /** Whether `advantages` is `[batch·seqLen]` (true) or `[batch]` (false). */
  readonly perTokenAdvantages: boolean;
  /** Lower clip `ε_low`: the ratio is clipped to `[1 − ε_low, 1 + ε_high]`. */
  readonly epsilonLow: number;
  /** Upper clip `ε_high`. */
  readonly epsilonHigh: number;
  /** Dual-clip constant `c > 1` for negative advantages, or 0 for no dual clip. */
  readonly dualClip: number;
  /** KL coefficient β (0 = no KL term; `refLogProbs` is then ignored). */
  readonly klCoef: number;
  /** KL estimator used when `klCoef ≠ 0`. */
  readonly klEstimator: KlEstimator;
  /** Bound `C` of the log-ratio clamp `[−C, C]` applied before `exp` (verl uses 20). */
  readonly logRatioClamp: number;
}

/** Unweighted sums over the masked-in tokens, from which the metrics are formed (they add across micro-batches). */
export interface PolicyLossStats {
  /** Number of masked-in tokens `Σ mask`. */
  tokens: number;
  /** Tokens with `A < 0` and `ratio < 1 − ε_low` (lower clip active, zero gradient). */
  clipLow: number;
  /** Tokens with `A > 0` and `ratio > 1 + ε_high` (upper clip active, zero gradient). */
  clipHigh: number;
  /** Tokens with `A < 0` whose loss is the dual-clip bound `−A·c` (0 when dual clip is off). */
  dualClip: number;
  /** `Σ ratio`. */
  ratioSum: number;
  /** `max ratio` (−Infinity when there are no tokens). */
  ratioMax: number;
  /** `Σ (log π_old − log π_θ)` with the clamped log-ratio (k1 estimate of KL(π_old ‖ π_θ), verl's `ppo_kl`). */
  negLogRatioSum: number;
  /** `Σ (ratio − 1 − log ratio)` (k3 estimate of KL(π_old ‖ π_θ), always ≥ 0). */
  k3Sum: number;
  /** `Σ kl_t` of the KL penalty estimator (0 when `klCoef = 0`). */
  klSum: number;
}

/** Output of the `policyLoss` kernel. */
export interface PolicyLossKernelOutput {
  /** `Σ c_b·mask·(ℓ^pg + β·kl)`, the aggregated loss. */
  readonly loss: number;
  /** `Σ c_b·mask·ℓ^pg`, the policy-gradient part. */
  readonly pgLoss: number;
  /** `Σ c_b·mask·kl`, the KL part before multiplying by β. */
  readonly klLoss: number;
  /** `[batch·seqLen]` ∂loss/∂logProbs, same array type as `logProbs`. */
  readonly grad: FloatArray;
  /** Token statistics. */
  readonly stats: PolicyLossStats;
}

/**
 * Inputs of the `fullKl` kernel (validated by the `gr2/rl` front doors). Shapes are row-major; every input of one
 * call has the same array type (the loss's dtype).
 */
export interface FullKlKernelInputs {
  /** `[rows·vocab]` the student's full log-prob rows `ℓ_s = log p` (one row per token). */
  readonly studentLogProbs: FloatArray;
  /** `[rows·vocab]` the teacher's full log-prob rows `ℓ_t = log q`. */
  readonly teacherLogProbs: FloatArray;
  /** `[rows]` 0/1 row mask: masked-out rows are not read (they may hold NaN) and get KL, entropy and gradient 0. */
  readonly mask: FloatArray;
  /** `[rows]` the scale `g_r` of each gradient row (the loss passes `β·c_b·mask`). */
  readonly rowWeights: FloatArray;
}

/** Attributes of the `fullKl` kernel. */
export interface FullKlKernelAttrs {
  /** Number of rows (tokens). */
  readonly rows: number;
  /** Vocabulary size (≥ 1), the length of one row. */
  readonly vocab: number;
  /**
   * Rows per backend call for backends that work in chunks (`'onnx'`); ignored by `'js'`.
   * @defaultValue `max(1, ⌊2^20 / vocab⌋)` (about 2^20 elements per call)
   */
  readonly chunkRows?: number;
}

/**
 * Output of the `fullKl` kernel. With `p = exp(ℓ_s)`, every sum runs over the entries with `p > 0` (an entry with
 * `p = 0`, e.g. `ℓ_s = −∞`, contributes nothing, even where `ℓ_t = −∞`); arrays have the inputs' array type.
 */
export interface FullKlKernelOutput {
  /** `[rows]` `KL_r = Σ_v p_v (ℓ_s(v) − ℓ_t(v))` (0 for masked-out rows; +∞ where `ℓ_t = −∞` under `p > 0`). */
  readonly kl: FloatArray;
  /** `[rows]` `H_r = −Σ_v p_v ℓ_s(v)` (0 for masked-out rows). */
  readonly entropy: FloatArray;
  /** `[rows·vocab]` `g_r·p_v·(ℓ_s(v) − ℓ_t(v) + 1)`, the gradient of `Σ_r g_r·KL_r` with respect to `ℓ_s`. */
  readonly grad: FloatArray;
}
