import type { KernelConfig } from '../../types.js';
import type { OnnxBackend } from '../backend.js';
import { GraphBuilder, ONNX_DTYPE_CODE, attr } from '../graph.js';

/**
 * The `accumulate` graph: running per-cluster sums (float64) and counts (int32).
 * Inputs `x [n,d]` float32, `index [n]` int32, `sums_in [k,d]` float64, `counts_in [k]` int32;
 * outputs `sums = sums_in + Σ_{i: index_i=j} x_i` (ScatterND, reduction add, in float64) and
 * `counts = counts_in + |{i: index_i=j}|` (ScatterElements, reduction add).
 */
export function buildAccumulateGraph(): Uint8Array {
  const g = new GraphBuilder('gr2_accumulate', 'segment sums (float64) and counts of rows by cluster index');
  const x = g.input('x', 'float32', ['n', 'd']);
  const index = g.input('index', 'int32', ['n']);
  const sumsIn = g.input('sums_in', 'float64', ['k', 'd']);
  const countsIn = g.input('counts_in', 'int32', ['k']);
  const idx = g.node('Unsqueeze', [g.node('Cast', [index], { to: ONNX_DTYPE_CODE.int64 }), g.constInt64([1])]); // [n,1]
  const xd = g.node('Cast', [x], { to: ONNX_DTYPE_CODE.float64 });
  g.output(g.node('ScatterND', [sumsIn, idx, xd], { reduction: 'add' }), 'float64', ['k', 'd'], 'sums');
  const ones = g.node('ConstantOfShape', [g.node('Shape', [index])], {
    value: attr.tensor({ dtype: 'int32', data: [1], dims: [1] }),
  });
  g.output(g.node('ScatterElements', [countsIn, index, ones], { axis: 0, reduction: 'add' }), 'int32', ['k'], 'counts');
  return g.toModel();
}

const SEQUENTIAL = { intraOpNumThreads: 1, interOpNumThreads: 1 } as const;

/**
 * ONNX `accumulate`: `chunkSize` rows per call (views of `x`); sums carried across calls in float64.
 * The session runs single-threaded so that the scatter adds rows in index order: the float64 sums are then the
 * same, bit for bit, on every run and equal to the `js` reference (seeded k-means stays reproducible).
 */
export const accumulateConfig: KernelConfig<'accumulate', OnnxBackend> = {
  kernelName: 'accumulate',
  backendName: 'onnx',
  kernelFunc: async (backend, { x, index }, { k, chunkSize: rows }) => {
    const [n, d] = x.dims as [number, number];
    let sums: Float64Array = new Float64Array(k * d);
    let counts: Int32Array = new Int32Array(k);
    for (let r0 = 0; r0 < n; r0 += rows) {
      const r1 = Math.min(n, r0 + rows);
      const out = await backend.run('accumulate', buildAccumulateGraph, {
        x: backend.tensor('float32', x.data.subarray(r0 * d, r1 * d), [r1 - r0, d]),
        index: backend.tensor('int32', index.subarray(r0, r1), [r1 - r0]),
        sums_in: backend.tensor('float64', sums, [k, d]),
        counts_in: backend.tensor('int32', counts, [k]),
      }, SEQUENTIAL);
      sums = out.sums!.data as Float64Array;
      counts = out.counts!.data as Int32Array;
    }
    return { sums: Float32Array.from(sums), counts: Int32Array.from(counts) };
  },
};
