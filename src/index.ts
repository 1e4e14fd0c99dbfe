/**
 * gr2 — building blocks of GR2, the Generative Reasoning Re-ranker (arXiv:2602.07774 and its Technical Report
 * arXiv:2606.31984): semantic-ID tokenizer, metrics, rewards, RL losses and data tools on a pluggable tensor
 * backend (ONNX Runtime by default, pure TypeScript reference).
 *
 * Every module is also available as a subpath (`gr2/backend`, `gr2/sid`, `gr2/metrics`, `gr2/rewards`,
 * `gr2/rl`, `gr2/prompt`, `gr2/sampling`, `gr2/data`, `gr2/generate`, `gr2/export`). The root holds the user API;
 * the tools for writing a backend or a kernel (graph builder, kernel registry, `runKernel`, kernel contracts) are
 * exported from `gr2/backend` only, as tfjs's `backend_util`.
 *
 * @packageDocumentation
 */
export {
  Gr2Error,
  BackendInitError,
  RegistryError,
  KernelNotImplementedError,
  NotTrainedError,
  RewardContractError,
  OutputParseError,
  DataFormatError,
  CheckpointInUseError,
  NumericError,
  GeneratorError,
  MissingDependencyError,
  type GeneratorErrorKind,
} from './errors.js';
export { env, type Gr2Env, type LogLevel, type LogSink } from './env.js';
// the user side of gr2/backend; backend-authoring tools (graph builder, kernel registry, runKernel, kernel
// contracts, device probing) are exported from 'gr2/backend' only
export {
  Tensor,
  type DType,
  type DataTypeMap,
  type Matrix,
  type MatrixLike,
  type BackendInfo,
  type BackendName,
  type BackendOption,
  type Device,
  type NearestResult,
  type AccumulateResult,
  type TensorBackend,
  type OnnxBackendOptions,
  listBackends,
  ready,
  setBackend,
  getBackend,
  nearest,
  accumulate,
  matMul,
  logSoftmaxGather,
  type NearestOptions,
  type AccumulateOptions,
  type MatMulOptions,
  type LogSoftmaxGatherOptions,
  type LogitsLike,
  CudaUnavailableError,
  CUDA_INSTALL_HINT,
} from './backend/index.js';
export * from './sampling/index.js';
export * from './data/index.js';
export * from './metrics/index.js';
export * from './sid/index.js';
export * from './prompt/index.js';
export * from './rewards/index.js';
export * from './rl/index.js';
export * from './generate/index.js';
export * from './export/index.js';
/** Item identifiers (`number | string`), as used by metrics and `SidIndex`. */
export type { ItemId } from './metrics/index.js';
