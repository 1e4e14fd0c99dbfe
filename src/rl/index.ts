/**
 * `gr2/rl` — the RL math of GR2: group-relative advantages, DAPO's dynamic sampling, clipped policy losses
 * (DAPO, GRPO, Dr.GRPO, on-policy distillation) with closed-form gradients on the `policyLoss` backend kernel,
 * the weighted SFT loss, and a Plackett–Luce listwise policy.
 *
 * @packageDocumentation
 */
export type { FloatArray, KlEstimator, PolicyLossStats } from './policy_loss.js';
export { type RlDType, type TokenMatrixLike } from './tokens.js';
export {
  groupAdvantages,
  isZeroVarianceGroup,
  type AdvantageNormalization,
  type GroupAdvantagesOptions,
  type GroupAdvantagesResult,
  type StdConvention,
} from './advantages.js';
export {
  BatchFillError,
  BatchFiller,
  filterZeroVarianceGroups,
  type BatchFillResult,
  type BatchFillStats,
  type BatchFillerOptions,
  type DynamicSamplingFilterResult,
  type GroupGenerator,
  type RolloutGroup,
} from './dynamic_sampling.js';
export {
  AGGREGATIONS,
  dapoLoss,
  drGrpoLoss,
  getPolicyLoss,
  grpoLoss,
  listPolicyLosses,
  logProbGradToLogitGrad,
  opdLoss,
  registerPolicyLoss,
  unregisterPolicyLoss,
  type Aggregation,
  type FullLogProbs,
  type PolicyLossFn,
  type PolicyLossInputs,
  type PolicyLossMetrics,
  type PolicyLossOptions,
  type PolicyLossResult,
} from './policy_loss.js';
export { sftLoss, type SftLossInputs, type SftLossOptions, type SftLossResult } from './sft_loss.js';
export { exportPolicyLossOnnx, type ExportPolicyLossOptions } from './export_onnx.js';
export {
  LinearPlackettLuce,
  plackettLuceGreedy,
  plackettLuceLogProbs,
  plackettLuceScoreGrad,
  samplePlackettLuce,
  type LinearPlackettLuceOptions,
  type PlackettLuceOptions,
  type PlackettLuceSample,
} from './plackett_luce.js';
