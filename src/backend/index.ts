/**
 * `gr2/backend` — the pluggable tensor backend: `Tensor`, the registry, and the fused kernels
 * (`nearest`, `accumulate`, `matMul`, `logSoftmaxGather`). Importing this module registers the built-in
 * backends `'js'` and `'onnx'`.
 *
 * It is also the backend-authoring entry (as tfjs's `backend_util`): the kernel contracts
 * (`KernelSignatures`, `PolicyLossKernelInputs`, ...), the kernel registry (`registerKernel`, `runKernel`), the
 * ONNX graph builder (`GraphBuilder`, `attr`, `encodeTensor`) and the built-in graphs. The root module `gr2`
 * re-exports only the user side.
 *
 * @packageDocumentation
 */
import './register_builtins.js';

export { Tensor, type DType, type DataTypeMap, type Matrix, type MatrixLike, type TensorLike } from './tensor.js';
export type {
  AccumulateResult,
  AnyKernelConfig,
  BackendFactory,
  BackendInfo,
  BackendName,
  BackendOption,
  Device,
  KernelConfig,
  KernelFunc,
  KernelName,
  KernelSignatures,
  NearestResult,
  TensorBackend,
} from './types.js';
export type {
  FloatArray,
  FullKlKernelAttrs,
  FullKlKernelInputs,
  FullKlKernelOutput,
  KlEstimator,
  PolicyLossKernelAttrs,
  PolicyLossKernelInputs,
  PolicyLossKernelOutput,
  PolicyLossStats,
} from './kernel_contracts.js';
export type { OnnxBackendOptions } from './onnx/options.js';
export { registerBackend, removeBackend, listBackends, ready, setBackend, getBackend, resolveBackend, initBackend } from './registry.js';
export { registerKernel, findKernel, getKernel, listKernels } from './kernel_registry.js';
export {
  nearest,
  accumulate,
  matMul,
  logSoftmaxGather,
  runKernel,
  type NearestOptions,
  type AccumulateOptions,
  type MatMulOptions,
  type LogSoftmaxGatherOptions,
  type LogitsLike,
} from './ops.js';
export { JsBackend } from './js/index.js';
export {
  GraphBuilder,
  attr,
  encodeTensor,
  ONNX_DTYPE_CODE,
  type AttributeValue,
  type Dim,
  type ModelOptions,
  type NodeOptions,
  type OnnxDType,
  type OnnxTensorInit,
  type TypedAttribute,
} from './onnx/graph.js';
export { OnnxBackend, createOnnxBackend, type DeviceResolution, type ModelSource, type OnnxFeed, type OrtModule } from './onnx/index.js';
export { CudaUnavailableError, CUDA_INSTALL_HINT } from './onnx/errors.js';
export { KERNEL_GRAPHS } from './onnx/kernels/graphs.js';
export { addNearest, buildNearestGraph } from './onnx/kernels/nearest.js';
export { buildPolicyLossGraph, type PolicyLossGraphSpec } from './onnx/kernels/policy_loss.js';
