/**
 * Side-effect module: registers the built-in backends, `'js'` (priority 1) and `'onnx'` (priority 2).
 * The ONNX Runtime binding is loaded lazily, inside the `'onnx'` factory.
 *
 * @packageDocumentation
 */
import { JsBackend } from './js/index.js';
import { registerBackend } from './registry.js';
import type { OnnxBackendOptions } from './onnx/options.js';

const jsFactory = () => new JsBackend();
const onnxFactory = async (options?: OnnxBackendOptions) => {
  const { createOnnxBackend } = await import('./onnx/index.js');
  return createOnnxBackend(options);
};

registerBackend('js', jsFactory, { priority: 1 });
registerBackend('onnx', onnxFactory, { priority: 2 });
