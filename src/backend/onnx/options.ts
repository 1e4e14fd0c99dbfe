/**
 * Options of the `'onnx'` backend (type-only; importing it does not load ONNX Runtime).
 *
 * @packageDocumentation
 */
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
  /** Threads per session on CPU (`intraOpNumThreads`). @defaultValue ONNX Runtime's default */
  readonly intraOpNumThreads?: number;
}
