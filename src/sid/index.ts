/**
 * `gr2/sid` — the semantic-ID tokenizer of GR2: seeded k-means, the RQ-KMeans {@link ResidualQuantizer}
 * (train / encode / decode, beam search, streaming encode, save / load, ONNX export), GR2's uniqueness
 * techniques (random last level, collision-aware last level with a certificate), SID statistics, the
 * SID string format, the {@link SidIndex} and the tokenizer vocabulary extension.
 *
 * @packageDocumentation
 */
export {
  sidLevelPrefix,
  createSidSpec,
  DEFAULT_SID_SPEC,
  sidToken,
  renderSid,
  parseSids,
  parseSid,
  tryParseSid,
  sidKey,
  sidVocabulary,
  validateSidSpec,
  type SemanticId,
  type SidSpec,
  type SidSpecOptions,
  type SidMatch,
  type ParseSidsOptions,
} from './sid_string.js';
export {
  kmeans,
  type KMeansOptions,
  type KMeansResult,
  type KMeansInit,
  type KMeansMode,
  type KMeansIterationInfo,
  type EmptyClusterPolicy,
} from './kmeans.js';
export {
  ResidualQuantizer,
  type ResidualQuantizerConfig,
  type ResidualQuantizerTrainOptions,
  type LevelTrainingReport,
  type EncodeOptions,
  type AssignSidsOptions,
  type AssignSidsResult,
  type LastLevelMethod,
  type ReconstructionError,
} from './residual_quantizer.js';
export { toSidCodes, codeRow, codeRows, type SidCodes, type SidCodesLike } from './codes.js';
export { sidUniqueness, sidCollisionGroups, sidStatistics, type SidStatistics, type LevelUsage } from './sid_stats.js';
export {
  randomLastLevel,
  collisionAwareLastLevel,
  SidCollisionError,
  type RandomLastLevelMode,
  type RandomLastLevelOptions,
  type CollisionCertificate,
  type CollisionAwareOptions,
} from './uniqueness.js';
export { SidIndex, type ItemId, type WidenItemId, type SidIndexOptions, type SidItemMatch, type SidIndexJson } from './sid_index.js';
export {
  extendTokenizer,
  writeExtendedTokenizer,
  loadTokenizer,
  type TextTokenizer,
  type ExtendTokenizerOptions,
  type ExtendedTokenizer,
  type AddedSidToken,
  type WrittenTokenizer,
} from './vocabulary.js';
export type { OnnxExportOptions } from './onnx_export.js';
