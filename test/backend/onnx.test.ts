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

import { describe, expect, it } from 'vitest';
import { accumulate } from '../../src/backend/ops.js';
import { Random } from '../../src/sampling/random.js';

describe.skipIf(gpu)('onnx accumulate reproducibility', () => {
  it('sums rows in index order: bitwise equal across runs and to the js reference (seeded k-means depends on it)', async () => {
    const n = 5000;
    const d = 16;
    const k = 64;
    const rng = new Random(21);
    const x = new Float32Array(n * d).map(() => rng.gauss() * 10 + 300); // far from 0: order-sensitive float sums
    const index = new Int32Array(n).map(() => rng.int(k));
    const ref = await accumulate({ data: x, shape: [n, d] }, index, k, { backend: 'js' });
    // whole chunks and a remainder, whole chunks only, the remainder only, the default chunk
    for (const chunkSize of [1024, 1024, 1000, 7000, undefined]) {
      const got = await accumulate({ data: x, shape: [n, d] }, index, k, { backend: 'onnx', ...(chunkSize ? { chunkSize } : {}) });
      expect(Array.from(got.counts)).toEqual(Array.from(ref.counts));
      expect(Buffer.from(got.sums.buffer).equals(Buffer.from(ref.sums.buffer))).toBe(true);
    }
  });
});
