/**
 * Sparse matrices and a seeded randomized truncated SVD whose dense products run on the tensor backend.
 *
 * @packageDocumentation
 */
import '../backend/register_builtins.js';
import { matMul } from '../backend/ops.js';
import { Tensor } from '../backend/tensor.js';
import type { BackendOption } from '../backend/types.js';
import { NumericError, assertNonNegativeInteger, assertPositiveInteger, rangeError, raw, typeError } from '../errors.js';
import { Random } from '../sampling/random.js';

/** A sparse matrix in CSR form: row r holds `indices[indptr[r] .. indptr[r+1])` with `values` alongside. */
export interface SparseMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float64Array;
}

/** @internal Y[rows, l] = A · X, X [cols, l] row-major (float64 accumulate). */
export function spmm(a: SparseMatrix, x: Float64Array, l: number): Float64Array {
  const out = new Float64Array(a.rows * l);
  const { indptr, indices, values } = a;
  for (let r = 0; r < a.rows; r++) {
    const o = r * l;
    for (let p = indptr[r]!; p < indptr[r + 1]!; p++) {
      const v = values[p]!;
      const xo = indices[p]! * l;
      for (let j = 0; j < l; j++) out[o + j]! += v * x[xo + j]!;
    }
  }
  return out;
}

/** @internal Y[cols, l] = Aᵀ · X, X [rows, l]. */
export function spmmT(a: SparseMatrix, x: Float64Array, l: number): Float64Array {
  const out = new Float64Array(a.cols * l);
  const { indptr, indices, values } = a;
  for (let r = 0; r < a.rows; r++) {
    const xo = r * l;
    for (let p = indptr[r]!; p < indptr[r + 1]!; p++) {
      const v = values[p]!;
      const o = indices[p]! * l;
      for (let j = 0; j < l; j++) out[o + j]! += v * x[xo + j]!;
    }
  }
  return out;
}

async function gram(y: Float64Array, n: number, l: number, backend: BackendOption['backend']): Promise<Float64Array> {
  const t = new Tensor('float32', Float32Array.from(y), [n, l]);
  const g = await matMul(t, t, { transposeA: true, backend });
  return Float64Array.from(g.data);
}

/** @internal Orthonormal basis of the columns of y [n, l] (CholeskyQR2: Gram on the backend, R⁻¹ in float64). */
export async function orthonormalize(y: Float64Array, n: number, l: number, backend: BackendOption['backend']): Promise<Float64Array> {
  let q = y;
  for (let pass = 0; pass < 2; pass++) {
    const g = await gram(q, n, l, backend);
    // Cholesky G = Rᵀ R. A column whose residual is below 1e-6 of its own squared norm (angle < 1e-3 to the
    // span of the previous ones, below float32 Gram accuracy) is dropped: its Q column becomes 0.
    const R = new Float64Array(l * l);
    for (let i = 0; i < l; i++) {
      let s = g[i * l + i]!;
      for (let t = 0; t < i; t++) s -= R[t * l + i]! * R[t * l + i]!;
      if (!(s > 1e-6 * g[i * l + i]!) || !(s > 0)) {
        R[i * l + i] = Number.POSITIVE_INFINITY;
        continue; // R[i, j > i] stay 0
      }
      const d = Math.sqrt(s);
      R[i * l + i] = d;
      for (let j = i + 1; j < l; j++) {
        let v = g[i * l + j]!;
        for (let t = 0; t < i; t++) v -= R[t * l + i]! * R[t * l + j]!;
        R[i * l + j] = v / d;
      }
    }
    // Q = Y R⁻¹, row by row (forward substitution with the upper-triangular R)
    const out = new Float64Array(n * l);
    for (let r = 0; r < n; r++) {
      const o = r * l;
      for (let j = 0; j < l; j++) {
        let s = q[o + j]!;
        for (let t = 0; t < j; t++) s -= out[o + t]! * R[t * l + j]!;
        out[o + j] = s / R[j * l + j]!;
      }
    }
    q = out;
  }
  return q;
}

/** @internal Symmetric eigen-decomposition (cyclic Jacobi): returns eigenvalues (descending) and vectors as columns. */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += m[i * n + i]! * m[i * n + i]!;
      for (let j = i + 1; j < n; j++) off += m[i * n + j]! * m[i * n + j]!;
    }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const app = m[p * n + p]!;
        const aqq = m[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p]!;
          const mkq = m[k * n + q]!;
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k]!;
          const mqk = m[q * n + k]!;
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => m[y * n + y]! - m[x * n + x]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = m[src * n + src]!;
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src]!;
  });
  return { values, vectors };
}

/** Options of {@link randomizedSvd}. */
export interface RandomizedSvdOptions extends BackendOption {
  /** Extra random directions beyond `rank`. @defaultValue `10` */
  readonly oversample?: number;
  /** Power (subspace) iterations, each one `A·(Aᵀ·Q)` with re-orthonormalisation. @defaultValue `3` */
  readonly powerIterations?: number;
  /** Seed of the Gaussian test matrix. @defaultValue `1234` */
  readonly seed?: number;
}

/** Result of {@link randomizedSvd}: `A ≈ U · diag(s) · Vᵀ`. */
export interface SvdResult {
  /** Left singular vectors `[rows, rank]`, row-major. */
  readonly u: Float32Array;
  /** Singular values, descending. */
  readonly s: Float64Array;
  /** Right singular vectors `[cols, rank]`, row-major. */
  readonly v: Float32Array;
}

/**
 * Randomized truncated SVD (Halko, Martinsson & Tropp 2011, Alg. 4.4 + 5.1): with a seeded Gaussian
 * `Ω [cols, rank + oversample]`, `Q = orth((A Aᵀ)^q A Ω)`, then the small SVD of `B = Qᵀ A` via the
 * eigen-decomposition of `B Bᵀ = U_B Σ² U_Bᵀ`; `U = Q U_B`, `V = Aᵀ Q U_B Σ⁻¹`. The sparse products are a
 * CSR loop; the dense products (`YᵀY` for orthonormalisation, `BBᵀ`, `Q U_B`, `W U_B`) run on the backend's
 * `matMul`. Deterministic for a seed and backend.
 *
 * @param a - the matrix, CSR.
 * @param rank - number of singular triplets, `1 ≤ rank ≤ min(rows, cols)`.
 * @param options - see {@link RandomizedSvdOptions}.
 * @returns the truncated factors.
 * @throws TypeError for a malformed matrix; RangeError for a bad rank or options.
 * @example
 * ```ts
 * const a = { rows: 2, cols: 2, indptr: Int32Array.of(0, 1, 2), indices: Int32Array.of(0, 1), values: Float64Array.of(3, 1) };
 * (await randomizedSvd(a, 1)).s;   // Float64Array [3]
 * ```
 */
export async function randomizedSvd(a: SparseMatrix, rank: number, options: RandomizedSvdOptions = {}): Promise<SvdResult> {
  const fn = 'randomizedSvd';
  if (!a || !(a.indptr instanceof Int32Array) || !(a.indices instanceof Int32Array) || !(a.values instanceof Float64Array)) {
    throw typeError(fn, 'a', 'a CSR SparseMatrix {rows, cols, indptr: Int32Array, indices: Int32Array, values: Float64Array}', a);
  }
  if (a.indptr.length !== a.rows + 1 || a.indices.length !== a.values.length) {
    throw rangeError(fn, 'a', 'consistent CSR arrays', raw(`indptr ${a.indptr.length} for ${a.rows} rows, ${a.indices.length} indices, ${a.values.length} values`));
  }
  assertPositiveInteger(fn, 'rank', rank);
  if (rank > Math.min(a.rows, a.cols)) throw rangeError(fn, 'rank', `at most min(rows, cols) = ${Math.min(a.rows, a.cols)}`, rank);
  const oversample = options.oversample ?? 10;
  const q = options.powerIterations ?? 3;
  const seed = options.seed ?? 1234;
  assertNonNegativeInteger(fn, 'options.oversample', oversample);
  assertNonNegativeInteger(fn, 'options.powerIterations', q);
  const backend = options.backend;
  const l = Math.min(rank + oversample, Math.min(a.rows, a.cols));
  const rng = new Random(seed);
  const omega = new Float64Array(a.cols * l);
  for (let i = 0; i < omega.length; i++) omega[i] = rng.gauss();
  let Q = await orthonormalize(spmm(a, omega, l), a.rows, l, backend);
  for (let it = 0; it < q; it++) {
    const Z = await orthonormalize(spmmT(a, Q, l), a.cols, l, backend);
    Q = await orthonormalize(spmm(a, Z, l), a.rows, l, backend);
  }
  const W = spmmT(a, Q, l); // Bᵀ = Aᵀ Q  [cols, l]
  const BBt = await gram(W, a.cols, l, backend); // B Bᵀ = Wᵀ W  [l, l]
  const { values, vectors } = symmetricEigen(BBt, l);
  const ub = new Float32Array(l * rank);
  const s = new Float64Array(rank);
  for (let j = 0; j < rank; j++) {
    s[j] = Math.sqrt(Math.max(values[j]!, 0));
    for (let i = 0; i < l; i++) ub[i * rank + j] = vectors[i * l + j]!;
  }
  const UB = new Tensor('float32', ub, [l, rank]);
  const U = await matMul(new Tensor('float32', Float32Array.from(Q), [a.rows, l]), UB, { backend });
  const WU = await matMul(new Tensor('float32', Float32Array.from(W), [a.cols, l]), UB, { backend });
  const v = WU.data;
  for (let r = 0; r < a.cols; r++) for (let j = 0; j < rank; j++) v[r * rank + j] = s[j]! > 0 ? v[r * rank + j]! / s[j]! : 0;
  for (let i = 0; i < U.data.length; i++) {
    if (!Number.isFinite(U.data[i]!)) throw new NumericError(`${fn}: the factorisation produced a non-finite value; check 'a' for NaN/Inf.`);
  }
  return { u: U.data, s, v };
}
