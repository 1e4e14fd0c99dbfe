/**
 * The conformance suite on the 'onnx' backend. Device from GR2_TEST_DEVICE ('cpu' by default; the GPU check
 * test/gpu/run_gpu_check.ts runs this file with GR2_TEST_DEVICE=cuda, tolerance 1e-3 and TF32 off).
 */
import { describeConformance } from './conformance.js';

const device = (process.env.GR2_TEST_DEVICE ?? 'cpu') as 'cpu' | 'cuda' | 'auto';
const gpu = device === 'cuda';
describeConformance('onnx', {
  backendOptions: { device, useTf32: false },
  rtol: gpu ? 1e-3 : 1e-5,
  atol: gpu ? 1e-3 : 1e-6,
  label: `device ${device}`,
});
