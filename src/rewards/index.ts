/**
 * `gr2/rewards` — GR2's verifiable rewards: the `Reward` protocol, format Ω, rank promotion, the conditional
 * verifiable reward (P1) and its Technical Report form for slates (AUC / graded NDCG, Ω-gate, identity zeroing),
 * DAPO's overlong penalty, the context-compressor reward, combinators, the reward contract check and a
 * reward-hacking audit with test helpers. The output parser of `gr2/prompt` and the sample builders
 * (`samplesFromSlates`, `renderRerankCompletion`) are re-exported here; the prompt builders live in `gr2/prompt`.
 *
 * Naming: `create<Name>Reward(options)` builds a batch {@link Reward} (what a trainer calls; stable logging name);
 * `<name>Score(...)` is the pure per-sample scorer behind it, on ranks or permutations (`conditionalScore`,
 * `naiveScore`, `conditionalSlateScore`, `compressorScore`); scorers named after a paper quantity keep its name
 * (`rankPromotion`, `slateAuc`, `slateNdcg`, `overlongPenalty`); combinators are verbs (`combineRewards`,
 * `rewardWhen`).
 *
 * @packageDocumentation
 */
export { defineReward, rewardName, type RerankSample, type Reward, type RewardContext, type RewardValue, type SyncReward } from './types.js';
export {
  rankPromotion,
  conditionalScore,
  naiveScore,
  outputRank,
  slateAuc,
  slateNdcg,
  conditionalSlateScore,
  overlongPenalty,
  compressorScore,
  type P1RewardOptions,
  type SlateRewardOptions,
  type CompressorJudgement,
  type CompressorRewardOptions,
} from './scorers.js';
export {
  createFormatReward,
  createRankPromotionReward,
  createNaiveReward,
  createConditionalReward,
  createSlateReward,
  createConditionalSlateReward,
  createOverlongPenalty,
  overlongFilterMask,
  createCompressorReward,
  parseSample,
  parseBatch,
  targetIndexOf,
  labelsOf,
  type ParsingRewardOptions,
  type OverlongPenaltyOptions,
} from './factories.js';
export { combineRewards, rewardWhen, assertRewardContract, type WeightedReward } from './combine.js';
export {
  samplesFromSlates,
  base256Sid,
  renderRerankCompletion,
  type SamplesFromSlatesOptions,
  type RenderCompletionOptions,
} from '../prompt/samples.js';
export {
  auditReward,
  formatAuditReport,
  expectNoOrderCopyingHack,
  expectMonotoneInTargetRank,
  expectInvalidBelowValid,
  RewardAssertionError,
  type AuditCheck,
  type AuditFinding,
  type AuditOptions,
  type AuditRow,
  type RewardAuditReport,
} from './audit.js';
export {
  parseRerankOutput,
  indexCandidates,
  isPermutation,
  isIdentityOrder,
  fallbackToPreRank,
  RERANK_ANSWER_KEYS,
  type CandidateIndex,
  type LenientRerankParseResult,
  type ParseRerankOptions,
  type RerankDiagnostics,
  type RerankFormat,
  type RerankParseResult,
} from '../prompt/parse_output.js';
