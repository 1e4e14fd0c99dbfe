/**
 * Options of the `'onnx'` backend (type-only; importing it does not load ONNX Runtime).
 *
 * @packageDocumentation
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { Device } from '../types.js';

/** Options of the `'onnx'` backend, passed to `setBackend('onnx', options)`. */
export interface OnnxBackendOptions {
  /**
   * `'cpu'`, `'cuda'` (throws `BackendInitError` with install instructions when the CUDA execution provider
   * is absent) or `'auto'` (CUDA when present, else CPU with the reason logged and reported by `info()`).
   * @defaultValue `'auto'`
   */
  readonly device?: Device;
  /** CUDA device ordinal. @defaultValue `0` */
  readonly deviceId?: number;
  /**
   * Allow TF32 tensor-core math in float32 matrix products on CUDA (faster, ~1e-3 relative error).
   * The Node.js binding of ONNX Runtime only forwards `deviceId` to the CUDA execution provider, so
   * `false` is applied by setting NVIDIA's `NVIDIA_TF32_OVERRIDE=0` in the process environment before the
   * first CUDA session (unless the variable is already set). Ignored on CPU.
   * @defaultValue `false`
   */
  readonly useTf32?: boolean;
  /** Threads per session on CPU (`intraOpNumThreads`). @defaultValue ONNX Runtime's default (one per physical core) */
  readonly intraOpNumThreads?: number;
  /**
   * Extra ONNX Runtime session options merged into every kernel session (`executionProviders` is always
   * set from `device`). Honoured by the Node.js binding of ONNX Runtime.
   * Fields given here replace the defaults one by one (shallow merge).
   * @defaultValue `{ graphOptimizationLevel: 'all', logSeverityLevel: 3, extra: { session: { intra_op: { allow_spinning: '0' } } } }`
   *   (no spin-waiting: on a 2-core machine shared with other work, `nearest` 100k×64×256 took 91 ms median
   *   without spinning vs 145 ms with it)
   */
  readonly sessionOptions?: InferenceSession.SessionOptions;
}
