import type { KernelConfig } from '../../types.js';
import type { OnnxBackend } from '../backend.js';
import { GraphBuilder, ONNX_DTYPE_CODE, attr } from '../graph.js';
import { U32, U64, columnMeans, exactNearestRow, exactSquaredDistance, squaredDistanceBelow } from '../../nearest_exact.js';
import { typeError } from '../../../errors.js';

/**
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
 * Adds the nodes of the self-contained `nearest` graph (see {@link buildNearestGraph}) to a graph under
 * construction, so that exported models (e.g. the SID encoder of `ResidualQuantizer.exportOnnx`) assign codes
 * as the `'onnx'` backend does without JavaScript: the same codes except for rows whose best centres are tied to
 * within float32 rounding, which the backend's CPU kernel re-checks exactly over all centres.
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
  if (!(g instanceof GraphBuilder)) throw typeError('addNearest', 'g', 'a GraphBuilder', g);
  if (typeof x !== 'string' || !x) throw typeError('addNearest', 'x', 'a value name (non-empty string)', x);
  if (typeof c !== 'string' || !c) throw typeError('addNearest', 'c', 'a value name (non-empty string)', c);
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

/**
 * A screening graph of the `'onnx'` CPU `nearest` kernel. Inputs `x [n,d]`, `cs [R·W, d]` (`c − μ`, padded
 * with zero rows to a multiple of `W`), `cc [R·W]` (`‖c − μ‖²`, `+Inf` on the padding), `grid = [0, R, W]`
 * (int64) and `mu [d]` (zero when the centres are not shifted: `x − 0` is `x` exactly), all float32 but `grid`.
 * One graph serves shifted and unshifted centres, so a run keeps one session (and one arena) for `nearest`.
 *
 * The float32 scores `s_ij = cc_j − 2 (x_i−μ)·cs_j` of one `Gemm` are viewed as an `R × W` grid per row
 * (centre `j = r·W + w`) and reduced twice, to `rowMin [n,R]` (min over `w`) and `colMin [n,W]` (min over `r`);
 * the rest works on those small tensors. Output `screen [n,6]` (float32) per row: the minimum score `m`; the
 * second-smallest score over the other centres, `min(rowMin without the rows holding m, colMin without the
 * columns holding m)` — exact, because any other centre lies in another grid row or another grid column; then
 * the number of rows holding `m` and the sum of their indices, and the same for columns. When both counts are 1,
 * the winner is `j = rowIndex·W + colIndex`; otherwise `m` is tied in float32 and the kernel re-checks the row.
 * This replaces a `TopK`/`ArgMin` over the `[n,k]` block, whose per-row cost dominated.
 */
export function buildNearestScreenGraph(): Uint8Array {
  const g = new GraphBuilder('gr2_nearest_screen', 'squared-L2 nearest centroid: Gemm scores, winner and runner-up from the row and column minima of the score grid');
  const x = g.input('x', 'float32', ['n', 'd']);
  const mu = g.input('mu', 'float32', ['d']);
  const cs = g.input('cs', 'float32', ['k', 'd']);
  const cc = g.input('cc', 'float32', ['k']);
  const grid = g.input('grid', 'int64', [3]);
  const xs = g.node('Sub', [x, mu]);
  const score = g.node('Gemm', [xs, cs, cc], { alpha: attr.float(-2), beta: attr.float(1), transB: 1 }); // [n,k]
  const s3 = g.node('Reshape', [score, grid]); // [n,R,W]
  const rowMin = g.node('ReduceMin', [s3], { axes: [2], keepdims: 0 }); // [n,R]
  const colMin = g.node('ReduceMin', [s3], { axes: [1], keepdims: 0 }); // [n,W]
  const m = g.node('ReduceMin', [colMin], { axes: [1], keepdims: 1 }); // [n,1]
  const inf = g.constFloat([Number.POSITIVE_INFINITY], []);
  const one = g.constInt64([1]);
  const counts: string[] = [];
  const seconds: string[] = [];
  for (const v of [rowMin, colMin]) {
    const eq = g.node('Equal', [v, m]);
    const f = g.node('Cast', [eq], { to: ONNX_DTYPE_CODE.float32 });
    const len = g.node('Cast', [g.node('Squeeze', [g.node('Shape', [v], { start: 1, end: 2 }), g.constInt64([0])])], { to: ONNX_DTYPE_CODE.float32 });
    const pos = g.node('Range', [g.constFloat([0], []), len, g.constFloat([1], [])]); // [len]: 0, 1, …
    counts.push(g.node('ReduceSum', [f, one], { keepdims: 1 }), g.node('MatMul', [f, g.node('Unsqueeze', [pos, one])]));
    seconds.push(g.node('ReduceMin', [g.node('Where', [eq, inf, v])], { axes: [1], keepdims: 1 }));
  }
  const screen = g.node('Concat', [m, g.node('Min', seconds), ...counts], { axis: 1 });
  g.output(screen, 'float32', ['n', 6], 'screen');
  return g.toModel();
}

/** `a` extended to `length` elements with `fill` (`a` itself when it already has them). */
function padTo(a: Float32Array, length: number, fill: number): Float32Array {
  if (a.length === length) return a;
  const p = new Float32Array(length).fill(fill);
  p.set(a);
  return p;
}

/** The grid width of the screening graph for `k` centres: `max(2, 2^round(log2 √k))` (16 for k = 256). @internal */
export function screenWidth(k: number): number {
  return Math.max(2, 2 ** Math.round(Math.log2(Math.sqrt(k))));
}

/** Centres of the screening graph, computed once per call (once per centroid set). */
interface Centred {
  /** Whether `μ ≠ 0` is subtracted (`mu` fed); else `cs = c`. */
  readonly centred: boolean;
  readonly mu: Float32Array;
  readonly cs: Float32Array;
  readonly cc: Float32Array;
  /** `‖c_j − μ‖` per centre (float64 of the float32 `cs`). */
  readonly norms: Float64Array;
  /** `max_j ‖c_j − μ‖`. */
  readonly b: number;
}

/**
 * `μ` = the centroid mean rounded to a power-of-two grid at the scale of the centroid spread (as
 * {@link addNearest}) when it lies farther from the origin than the spread radius, else `0`;
 * `cs = fl32(c − μ)`, `cc = fl32(‖cs‖²)`.
 * @internal
 */
export function centreCentroids(C: Float32Array, k: number, d: number): Centred {
  const mean = columnMeans(C, k, d);
  let v = 0;
  let r2 = 0;
  for (let j = 0; j < k; j++) {
    let s = 0;
    for (let t = 0; t < d; t++) {
      const e = C[j * d + t]! - mean[t]!;
      s += e * e;
    }
    v += s;
    if (s > r2) r2 = s;
  }
  let m2 = 0;
  for (let t = 0; t < d; t++) m2 += mean[t]! * mean[t]!;
  const centred = m2 > r2;
  const mu = new Float32Array(d);
  if (centred) {
    const sigma = Math.sqrt(Math.max(v / (k * d), 1e-30));
    const q = 2 ** Math.floor(Math.log2(sigma));
    for (let t = 0; t < d; t++) mu[t] = Math.round(mean[t]! / q) * q;
  }
  const cs = centred ? new Float32Array(k * d) : C;
  const cc = new Float32Array(k);
  const norms = new Float64Array(k);
  let b = 0;
  for (let j = 0; j < k; j++) {
    let s = 0;
    for (let t = 0; t < d; t++) {
      const e = centred ? Math.fround(C[j * d + t]! - mu[t]!) : C[j * d + t]!;
      if (centred) cs[j * d + t] = e;
      s += e * e;
    }
    cc[j] = s;
    norms[j] = Math.sqrt(s);
    if (norms[j]! > b) b = norms[j]!;
  }
  return { centred, mu, cs, cc, norms, b };
}


/**
 * The margin below which a row's screened winner must be re-checked exactly.
 *
 * With `a = x − μ`, `b_j = c_j − μ`, `A ≥ ‖a‖`, `B = max_j ‖fl(b_j)‖`, every float32 score satisfies
 * `|ŝ_j − (‖b_j‖² − 2a·b_j)| ≤ e = (d + 5)·u·(B² + 2AB)` (u = 2⁻²⁴): rounding of `a` and `b_j` contributes
 * `≤ 2u‖b‖² + 4u‖a‖‖b‖`, `cc_j` `≤ 1.01u B²`, the Gemm dot product (any order, with or without FMA)
 * `≤ 2γ_d AB` and the final addition `≤ u(B² + 2AB)`. (Without centring, `μ = 0` and `a = x`.) The reference
 * sums `‖x − c_j‖² ≤ (A + B)²` in float64 with error `≤ e₆₄ = (d + 2)·2⁻⁵³·(A + B)²`. So when the
 * computed gap `ŝ₂ − ŝ₁` exceeds `2e + 2e₆₄`, the screened winner is the strict true winner and the
 * reference's winner too; the factor 2.1 (not 2) absorbs the `(1 + u)` factors of the norms.
 * @internal
 */
export function nearestMargin(d: number, a: number, b: number): number {
  return 2.1 * ((d + 5) * U32 * (b * b + 2 * a * b) + (d + 2) * U64 * (a + b) * (a + b));
}

/**
 * The JavaScript half of the CPU kernel for rows `r0..r1` of one screened chunk: winner and top-two gap from the
 * grid minima, exact winner distance, exact re-scan inside the error bound (a plain function, so it is optimised
 * apart from the async driver).
 */
function screenChunk(
  screen: Float32Array,
  W: number,
  r0: number,
  r1: number,
  X: Float32Array,
  Cd: Float32Array,
  k: number,
  d: number,
  norms: Float64Array,
  b: number,
  index: Int32Array,
  distance: Float32Array,
): void {
  const j1 = new Int32Array(1);
  const s1 = new Float64Array(1);
  for (let i = r0; i < r1; i++) {
    const o = 6 * (i - r0);
    // one grid row and one grid column hold the minimum: a unique float32 winner (else a tie: re-check)
    if (screen[o + 2] === 1 && screen[o + 4] === 1) {
      const j = screen[o + 3]! * W + screen[o + 5]!;
      if (j < k) {
        const dist = squaredDistanceBelow(X, i * d, Cd, j * d, d, Number.POSITIVE_INFINITY);
        // ‖x − μ‖ ≤ ‖x − c_j‖ + ‖c_j − μ‖ (triangle inequality); NaN/Inf scores fail the test
        if (screen[o + 1]! - screen[o]! > nearestMargin(d, Math.sqrt(dist) + norms[j]!, b)) {
          index[i] = j;
          distance[i] = dist;
          continue;
        }
      }
    }
    exactNearestRow(X, i * d, Cd, k, d, j1, s1); // a near tie: the reference's exact scan
    index[i] = j1[0]!;
    distance[i] = s1[0]!;
  }
}

/**
 * ONNX `nearest`. On the CPU: a screening session (one `Gemm` and two `ReduceMin` over the score grid,
 * {@link buildNearestScreenGraph}, on data centred by `μ` when the centres lie far from the origin) over
 * `chunkSize`-row slices of `x` (views, no copies); then in JavaScript each row's float32 winner and top-two gap
 * from the grid minima, the exact float64 distance `D` of the winner, and a full exact scan only for rows whose
 * gap is inside the proven float32 error bound ({@link nearestMargin} with `A = √D + ‖c_winner − μ‖ ≥ ‖x − μ‖`);
 * indices and distances are bitwise those of the `'js'` reference. Other devices run the self-contained graph
 * of {@link buildNearestGraph} (float64 re-rank of the best two inside the graph).
 */
export const nearestConfig: KernelConfig<'nearest', OnnxBackend> = {
  kernelName: 'nearest',
  backendName: 'onnx',
  kernelFunc: async (backend, { x, centroids }, { chunkSize, out }) => {
    const [n, d] = x.dims as [number, number];
    const k = centroids.dims[0]!;
    const index = out?.index ?? new Int32Array(n);
    const distance = out?.distance ?? new Float32Array(n);
    if (d === 0) {
      // every centre is at distance 0; the lowest index wins (`out` may hold an earlier result)
      index.fill(0);
      distance.fill(0);
      return { index, distance };
    }
    const X = x.data;
    const Cd = centroids.data;
    if (backend.info().device !== 'cpu') {
      const C = backend.tensor(centroids);
      for (let r0 = 0; r0 < n; r0 += chunkSize) {
        const r1 = Math.min(n, r0 + chunkSize);
        const Xc = backend.tensor('float32', X.subarray(r0 * d, r1 * d), [r1 - r0, d]);
        const out = await backend.run('nearest', buildNearestGraph, { x: Xc, centroids: C });
        index.set(out.index!.data as Int32Array, r0);
        distance.set(out.distance!.data as Float32Array, r0);
      }
      return { index, distance };
    }
    if (k === 1) {
      index.fill(0);
      for (let i = 0; i < n; i++) distance[i] = exactSquaredDistance(X, i * d, Cd, 0, d);
      return { index, distance };
    }
    const { mu, cs, cc, norms, b } = centreCentroids(Cd, k, d);
    const W = screenWidth(k);
    const R = Math.ceil(k / W);
    const kp = R * W;
    // the last grid row is padded with zero centres whose score is +Inf: never a winner or runner-up
    const feeds = {
      mu: backend.tensor('float32', mu, [d]), // zero when not centred
      cs: backend.tensor('float32', padTo(cs, kp * d, 0), [kp, d]),
      cc: backend.tensor('float32', padTo(cc, kp, Number.POSITIVE_INFINITY), [kp]),
      grid: backend.tensor('int64', BigInt64Array.of(0n, BigInt(R), BigInt(W)), [3]),
    };
    for (let r0 = 0; r0 < n; r0 += chunkSize) {
      const r1 = Math.min(n, r0 + chunkSize);
      const out = await backend.run('nearest_screen', buildNearestScreenGraph, { x: backend.tensor('float32', X.subarray(r0 * d, r1 * d), [r1 - r0, d]), ...feeds });
      screenChunk(out.screen!.data as Float32Array, W, r0, r1, X, Cd, k, d, norms, b, index, distance);
    }
    return { index, distance };
  },
};
