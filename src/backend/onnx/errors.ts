/**
 * Errors of the `'onnx'` backend (no ONNX Runtime import, so they can be `instanceof`-tested without
 * loading the native binding).
 *
 * @packageDocumentation
 */
import { BackendInitError, describeValue } from '../../errors.js';

/**
 * How to get the CUDA execution provider for onnxruntime-node (appended to {@link CudaUnavailableError}).
 *
 * @example
 * ```ts
 * console.log(CUDA_INSTALL_HINT); // 'The CUDA execution provider of onnxruntime-node exists for linux x64 only …'
 * ```
 */
export const CUDA_INSTALL_HINT =
  'The CUDA execution provider of onnxruntime-node exists for linux x64 only and needs the CUDA 12 runtime ' +
  '(with cuDNN 9) on the machine. Its libraries are downloaded by onnxruntime-node\'s own install script: run ' +
  "'ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js' (the variable wins over " +
  "the 'onnxruntime-node-install=skip' line of .npmrc), then check that libonnxruntime_providers_cuda.so appears in " +
  'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/. Use {device: "cpu"} or {device: "auto"} to run without it.';

/**
 * The CUDA execution provider was requested explicitly (`device: 'cuda'`) but cannot be used.
 * `reason` says why (not linux x64, not installed, the CUDA runtime failed to load, no GPU…), and the
 * message ends with install instructions ({@link CUDA_INSTALL_HINT}).
 *
 * @example
 * ```ts
 * try { await setBackend('onnx', { device: 'cuda' }); }
 * catch (e) { if (e instanceof CudaUnavailableError) console.log(e.reason); }
 * ```
 */
export class CudaUnavailableError extends BackendInitError {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`onnx backend: CUDA execution provider not available: ${typeof reason === 'string' ? reason : describeValue(reason)}. ${CUDA_INSTALL_HINT}`, options);
    Object.defineProperty(this, 'name', { value: 'CudaUnavailableError', enumerable: false, configurable: true, writable: false });
  }
}
