/**
 * The `'onnx'` backend (ONNX Runtime). Only this folder imports `onnxruntime-node`.
 *
 * @packageDocumentation
 */
import { BackendInitError } from '../../errors.js';
import type { TensorBackend } from '../types.js';
import type { OnnxBackendOptions } from './options.js';

/** Creates the ONNX Runtime backend. */
export async function createOnnxBackend(_options?: OnnxBackendOptions): Promise<TensorBackend> {
  throw new BackendInitError('onnx backend: under construction');
}
