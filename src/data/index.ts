/**
 * `gr2/data` — sequence datasets (S3-Rec / TIGER format), the leave-one-out split, the pre-ranker and GR2
 * re-ranking slates, and item vectors from interactions. Ships Amazon Beauty (`loadBeauty`).
 *
 * @packageDocumentation
 */
export type { HeldOutExample, SequenceDataset, Slate, UserSequence } from './types.js';
export {
  parseSequences,
  loadSequences,
  loadBeauty,
  BEAUTY_URL,
  type SequenceSource,
  type LoadSequencesOptions,
  type LoadBeautyOptions,
} from './load.js';
export { leaveOneOut, type LeaveOneOutOptions, type LeaveOneOutSplit } from './split.js';
export { TransitionPreRanker, type PreRankerOptions, type RankOptions, type RankResult } from './pre_ranker.js';
export {
  buildSlates,
  type BuildSlatesOptions,
  type MultiPositiveOptions,
  type SlateSet,
  type SlateStats,
} from './slates.js';
export {
  ItemVectors,
  itemVectorsFromSequences,
  itemVectorsFromMatrix,
  type ItemVectorsOptions,
} from './item_vectors.js';
export { randomizedSvd, type SparseMatrix, type SvdResult, type RandomizedSvdOptions } from './svd.js';
