/**
 * `gr2/sampling` — seeded randomness and the rejection sampler for teacher traces (crash-safe checkpoint, shards).
 *
 * @packageDocumentation
 */
export { Random, toRandom } from './random.js';
export {
  rejectionSample,
  topPickIsTarget,
  type AcceptContext,
  type AcceptPredicate,
  type DroppedExample,
  type RejectionSampleOptions,
  type RejectionSampleReport,
  type SamplerEvent,
  type SamplerExample,
  type SamplerProgress,
  type SamplerStats,
} from './rejection.js';
export {
  readCheckpoint,
  type AcceptedRecord,
  type CheckpointContents,
  type CheckpointRecord,
  type DropReason,
  type DroppedRecord,
} from './checkpoint.js';
export { attemptSeed, shardOf } from './shard.js';
