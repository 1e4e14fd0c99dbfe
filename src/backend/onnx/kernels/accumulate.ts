import type { KernelConfig } from '../../types.js';
import type { OnnxBackend } from '../backend.js';
import { GraphBuilder, ONNX_DTYPE_CODE, attr } from '../graph.js';

/**
 * The `accumulate` graph: running per-cluster sums (float64) and counts (int32) over the rows of `x`, taken
 * `c` rows at a time by a `Scan` (the float64 copy of only `c` rows is alive at once, and one call covers `m·c`
 * rows with one pair of outputs).
 * Inputs `x [m·c, d]` float32, `index [m·c]` int32, `xgrid = [m, c, d]` and `igrid = [m, c]` (int64),
 * `sums_in [k,d]` float64, `counts_in [k]` int32; outputs `sums = sums_in + Σ_{i: index_i=j} x_i`
 * (ScatterND, reduction add, in float64, rows in order) and `counts = counts_in + |{i: index_i=j}|`
 * (ScatterElements, reduction add).
 */
export function buildAccumulateGraph(): Uint8Array {
  const body = new GraphBuilder('gr2_accumulate_step', 'adds c rows to the running sums and counts');
  const sIn = body.input('s_in', 'float64', ['k', 'd']);
  const cIn = body.input('c_in', 'int32', ['k']);
  const xc = body.input('x_c', 'float32', ['c', 'd']);
  const ic = body.input('i_c', 'int32', ['c']);
  const idx = body.node('Unsqueeze', [body.node('Cast', [ic], { to: ONNX_DTYPE_CODE.int64 }), body.constInt64([1])]); // [c,1]
  const xd = body.node('Cast', [xc], { to: ONNX_DTYPE_CODE.float64 });
  body.output(body.node('ScatterND', [sIn, idx, xd], { reduction: 'add' }), 'float64', ['k', 'd'], 's_out');
  const ones = body.node('ConstantOfShape', [body.node('Shape', [ic])], {
    value: attr.tensor({ dtype: 'int32', data: [1], dims: [1] }),
  });
  body.output(body.node('ScatterElements', [cIn, ic, ones], { axis: 0, reduction: 'add' }), 'int32', ['k'], 'c_out');

  const g = new GraphBuilder('gr2_accumulate', 'segment sums (float64) and counts of rows by cluster index');
  const x = g.input('x', 'float32', ['n', 'd']);
  const index = g.input('index', 'int32', ['n']);
  const xgrid = g.input('xgrid', 'int64', [3]);
  const igrid = g.input('igrid', 'int64', [2]);
  const sumsIn = g.input('sums_in', 'float64', ['k', 'd']);
  const countsIn = g.input('counts_in', 'int32', ['k']);
  const [sums, counts] = g.nodeN('Scan', [sumsIn, countsIn, g.node('Reshape', [x, xgrid]), g.node('Reshape', [index, igrid])], { body, num_scan_inputs: 2 }, { outputs: 2 });
  g.output(sums!, 'float64', ['k', 'd'], 'sums');
  g.output(counts!, 'int32', ['k'], 'counts');
  return g.toModel();
}

const SEQUENTIAL = { intraOpNumThreads: 1, interOpNumThreads: 1 } as const;

/**
 * ONNX `accumulate`: the whole `chunkSize`-row chunks in one call of the `Scan` graph, then the remaining rows as one
 * chunk of a second call (views of `x`, no copies); sums carried in float64. One pair of outputs per call, where a
 * call per chunk left its `k·d` float64 sums to the garbage collector (49 chunks × 129 KiB = 6.2 MiB per pass over
 * 400k × 64 rows into 256 clusters).
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
    // whole chunks in one call, then the remaining rows as one chunk
    const whole = n - (n % rows);
    for (const [r0, r1, c] of [[0, whole, rows], [whole, n, n - whole]] as const) {
      if (r1 === r0) continue;
      const m = (r1 - r0) / c;
      const out = await backend.run('accumulate', buildAccumulateGraph, {
        x: backend.tensor('float32', x.data.subarray(r0 * d, r1 * d), [r1 - r0, d]),
        index: backend.tensor('int32', index.subarray(r0, r1), [r1 - r0]),
        xgrid: backend.tensor('int64', BigInt64Array.of(BigInt(m), BigInt(c), BigInt(d)), [3]),
        igrid: backend.tensor('int64', BigInt64Array.of(BigInt(m), BigInt(c)), [2]),
        sums_in: backend.tensor('float64', sums, [k, d]),
        counts_in: backend.tensor('int32', counts, [k]),
      }, SEQUENTIAL);
      sums = out.sums!.data as Float64Array;
      counts = out.counts!.data as Int32Array;
    }
    return { sums: Float32Array.from(sums), counts: Int32Array.from(counts) };
  },
};
