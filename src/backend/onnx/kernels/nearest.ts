import type { KernelConfig } from '../../types.js';
import type { OnnxBackend } from '../backend.js';
import { GraphBuilder, ONNX_DTYPE_CODE, attr } from '../graph.js';

/**
 * @internal
 * The `nearest` graph. Inputs `x [n,d]`, `centroids [k,d]` (float32); outputs `index [n]` (int32) and
 * `distance [n]` (float32).
 *
 * 1. Rank centres by the fast formula on centred data (shift by `μ`, the centroid mean rounded to a
 *    power-of-two grid at the scale of the centroid spread, which leaves distances unchanged but shrinks
 *    the norms): `s_ij = ‖c_j−μ‖² − 2 (x_i−μ)·(c_j−μ)` via one `Gemm`.
 * 2. Take the best `min(k, 2)` per row (`TopK`, lower index first on equal scores), recompute
 *    `Σ_t (x_it − c_jt)²` for them with the squares summed in float64, and return the smaller, lowest index
 *    first on exact ties.
 *
 * So the `[n,k]` block stays inside ONNX Runtime and the returned distance is exact (to rounding of the
 * differences), even when `‖x‖² ≫ distance`, where `‖x‖² − 2x·c + ‖c‖²` alone loses every significant digit.
 */
export function buildNearestGraph(): Uint8Array {
  const g = new GraphBuilder('gr2_nearest', 'squared-L2 nearest centroid: Gemm ranking + exact re-rank of the best two');
  const x = g.input('x', 'float32', ['n', 'd']);
  const c = g.input('centroids', 'float32', ['k', 'd']);
  const { index, distance } = addNearest(g, x, c);
  g.output(g.node('Cast', [index], { to: ONNX_DTYPE_CODE.int32 }), 'int32', ['n'], 'index');
  g.output(g.node('Cast', [distance], { to: ONNX_DTYPE_CODE.float32 }), 'float32', ['n'], 'distance');
  return g.toModel();
}

/**
 * @internal
 * Adds the nodes of the `nearest` kernel (see {@link buildNearestGraph}) to a graph under construction, so that
 * other exported models (e.g. the SID encoder of `ResidualQuantizer.exportOnnx`) assign codes exactly as the
 * `'onnx'` backend does.
 *
 * @param g - the graph builder.
 * @param x - value name of the points `[n, d]` (float32).
 * @param c - value name of the centres `[k, d]` (float32; an initializer is constant-folded by ONNX Runtime).
 * @returns value names of `index` (int64 `[n]`) and `distance` (float64 `[n]`).
 * @example
 * ```ts
 * const g = new GraphBuilder('my_encoder');
 * const x = g.input('x', 'float32', ['n', 64]);
 * const c = g.initializer('codebook', { dtype: 'float32', data: book, dims: [256, 64] });
 * const { index } = addNearest(g, x, c); // int64 [n]
 * ```
 */
export function addNearest(g: GraphBuilder, x: string, c: string): { index: string; distance: string } {
  // μ = the centroid mean rounded to a power-of-two grid at the scale of the centroid spread σ:
  // q = 2^floor(log2 σ), μ' = round(mean / q)·q. Centring by μ' removes offsets; the coarse grid keeps
  // x − μ' exact for values on that grid (e.g. integer data), so exactly tied centres score bitwise-equal.
  const mean = g.node('ReduceMean', [c], { axes: [0], keepdims: 1 }); // [1,d]
  const dev = g.node('Sub', [c, mean]);
  const variance = g.node('ReduceMean', [g.node('Mul', [dev, dev])], { axes: [0, 1], keepdims: 0 }); // scalar
  const sigma = g.node('Sqrt', [g.node('Max', [variance, g.constFloat([1e-30], [])])]);
  const log2 = g.node('Div', [g.node('Log', [sigma]), g.constFloat([Math.LN2], [])]);
  const q = g.node('Pow', [g.constFloat([2], []), g.node('Floor', [log2])]);
  const mu = g.node('Mul', [g.node('Round', [g.node('Div', [mean, q])]), q]);
  const xs = g.node('Sub', [x, mu]);
  const cs = g.node('Sub', [c, mu]);
  const cc = g.node('ReduceSumSquare', [cs], { axes: [1], keepdims: 0 });
  const score = g.node('Gemm', [xs, cs, cc], { alpha: attr.float(-2), beta: attr.float(1), transB: 1 }); // [n,k]
  const two = g.node('Min', [g.node('Shape', [c], { start: 0, end: 1 }), g.constInt64([2])]); // min(k, 2)
  const [, cand] = g.nodeN('TopK', [score, two], { axis: 1, largest: 0, sorted: 1 }, { outputs: 2 }); // [n,≤2], lower index first on ties
  const gathered = g.node('Gather', [c, cand], { axis: 0 }); // [n,m,d]
  const diff = g.node('Sub', [g.node('Unsqueeze', [x, g.constInt64([1])]), gathered]); // float32, exact to rounding
  const dist = g.node('ReduceSumSquare', [g.node('Cast', [diff], { to: ONNX_DTYPE_CODE.float64 })], { axes: [2], keepdims: 0 }); // [n,m]
  const dmin = g.node('ReduceMin', [dist], { axes: [1], keepdims: 1 }); // [n,1]
  const big = g.initializer(undefined, { dtype: 'int64', data: new BigInt64Array([0x7fffffffffffffffn]), dims: [] });
  const tied = g.node('Where', [g.node('Equal', [dist, dmin]), cand, big]);
  const index = g.node('ReduceMin', [tied], { axes: [1], keepdims: 0 }); // lowest index among exact ties
  const distance = g.node('Squeeze', [dmin, g.constInt64([1])]);
  return { index, distance };
}

/** ONNX `nearest`: one cached session, rows fed in `chunkSize` slices of `x` (views, no copies). */
export const nearestConfig: KernelConfig<'nearest', OnnxBackend> = {
  kernelName: 'nearest',
  backendName: 'onnx',
  kernelFunc: async (backend, { x, centroids }, { chunkSize }) => {
    const [n, d] = x.dims as [number, number];
    const index = new Int32Array(n);
    const distance = new Float32Array(n);
    if (d === 0) return { index, distance }; // every centre is at distance 0; the lowest index wins
    const C = backend.tensor(centroids);
    for (let r0 = 0; r0 < n; r0 += chunkSize) {
      const r1 = Math.min(n, r0 + chunkSize);
      const X = backend.tensor('float32', x.data.subarray(r0 * d, r1 * d), [r1 - r0, d]);
      const out = await backend.run('nearest', buildNearestGraph, { x: X, centroids: C });
      index.set(out.index!.data as Int32Array, r0);
      distance.set(out.distance!.data as Float32Array, r0);
    }
    return { index, distance };
  },
};
