/**
 * `gr2/metrics` — ranking metrics for re-ranking evaluation (GR2 P1 single target, TR multi-positive):
 * per-query {@link recallAtK}, {@link ndcgAtK}, {@link hitRateAtK}, {@link mrr}, {@link precisionAtK},
 * {@link auc}, with every disputed convention as an explicit option; many-query {@link evaluate} (plus the
 * batched {@link evaluateSlates} and {@link evaluateRanks}), bootstrap intervals, paired tests and lift.
 *
 * @packageDocumentation
 */
export { recallAtK } from './recall.js';
export { precisionAtK } from './precision.js';
export { hitRateAtK } from './hit_rate.js';
export { mrr, type MrrOptions } from './mrr.js';
export { ndcgAtK } from './ndcg.js';
export { auc } from './auc.js';
export {
  evaluate,
  evaluateSlates,
  evaluateRanks,
  compareEvaluations,
  parseMetric,
  type EvaluateOptions,
  type EvaluateRanksOptions,
  type EvaluationResult,
  type MetricName,
  type MetricSpec,
  type Comparison,
  type Keyed,
} from './evaluate.js';
export {
  bootstrapCi,
  pairedTest,
  relativeLift,
  type BootstrapOptions,
  type PairedTestOptions,
  type PairedTestResult,
} from './bootstrap.js';
export type {
  AucOptions,
  DuplicatePolicy,
  Gain,
  ItemId,
  KBeyondList,
  MetricOptions,
  NdcgOptions,
  NoRelevantPolicy,
  Ranking,
  RecallOptions,
  Relevance,
  ScoredList,
  TieBreaking,
} from './types.js';
