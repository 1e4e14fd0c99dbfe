/**
 * Item vectors from interactions (catalogs without text): PPMI of windowed co-occurrence + randomized SVD.
 *
 * @packageDocumentation
 */
import { toMatrix, type MatrixLike } from '../backend/tensor.js';
import type { BackendOption } from '../backend/types.js';
import { assertFiniteNumber, assertPositiveInteger, checkOptions, rangeError, raw, typeError } from '../errors.js';
import { checkIntArray, checkSequences, MAX_INT32 } from '../validate.js';
import { resolveNumItems } from './pre_ranker.js';
import { randomizedSvd, type SparseMatrix } from './svd.js';
import type { SequenceDataset, UserSequence } from './types.js';

/**
 * Item vectors with an explicit id ↔ row mapping. `data` is row-major `[shape[0], shape[1]]`, so the object
 * itself is a `{data, shape}` matrix accepted wherever gr2 takes a matrix.
 *
 * @example
 * ```ts
 * const v = new ItemVectors(Float32Array.of(1, 0, 0, 1), 2, [7, 9]);
 * v.rowOf(9);        // 1
 * v.vector(7);       // Float32Array [1, 0]
 * v.cosine(7, 9);    // 0
 * ```
 */
export class ItemVectors {
  /** Row → item id. */
  readonly ids: Int32Array;
  private readonly rowById: Map<number, number>;

  /**
   * @param data - `[ids.length, dim]` row-major.
   * @param dim - vector dimension.
   * @param ids - item id of each row (distinct).
   * @throws RangeError when sizes disagree or ids repeat.
   */
  constructor(
    readonly data: Float32Array,
    readonly dim: number,
    ids: ArrayLike<number>,
  ) {
    const fn = 'ItemVectors';
    if (!(data instanceof Float32Array)) throw typeError(fn, 'data', 'a Float32Array', data);
    assertPositiveInteger(fn, 'dim', dim);
    checkIntArray(fn, 'ids', ids, -MAX_INT32);
    if (data.length !== ids.length * dim) {
      throw rangeError(fn, 'data', `of length ids.length × dim = ${ids.length * dim}`, raw(`length ${data.length}`));
    }
    this.ids = Int32Array.from(ids);
    this.rowById = new Map();
    for (let r = 0; r < this.ids.length; r++) {
      if (this.rowById.has(this.ids[r]!)) throw rangeError(fn, 'ids', 'distinct', raw(`id ${this.ids[r]} repeated at row ${r}`));
      this.rowById.set(this.ids[r]!, r);
    }
  }

  /** `[rows, dim]`. */
  get shape(): readonly [number, number] {
    return [this.ids.length, this.dim];
  }

  /** The row of an item id, or −1 when the id has no vector. */
  rowOf(id: number): number {
    return this.rowById.get(id) ?? -1;
  }

  /** A view of the vector of item `id`. @throws RangeError for an unknown id. */
  vector(id: number): Float32Array {
    const r = this.rowOf(id);
    if (r < 0) throw rangeError('ItemVectors.vector', 'id', 'an item id with a vector', id);
    return this.data.subarray(r * this.dim, (r + 1) * this.dim);
  }

  /** Cosine similarity of two items (0 when either vector is zero). */
  cosine(a: number, b: number): number {
    const x = this.vector(a);
    const y = this.vector(b);
    let dot = 0;
    let nx = 0;
    let ny = 0;
    for (let i = 0; i < this.dim; i++) {
      dot += x[i]! * y[i]!;
      nx += x[i]! * x[i]!;
      ny += y[i]! * y[i]!;
    }
    return nx > 0 && ny > 0 ? dot / Math.sqrt(nx * ny) : 0;
  }
}

/** Options of {@link itemVectorsFromSequences}. */
export interface ItemVectorsOptions extends BackendOption {
  /** Vector dimension d. @defaultValue `64` */
  readonly dim?: number;
  /** Two items co-occur when at most `window` positions apart in a sequence. @defaultValue `3` */
  readonly window?: number;
  /** Seed of the randomized SVD. @defaultValue `1234` */
  readonly seed?: number;
  /** Context-distribution smoothing exponent c in PMI (Levy, Goldberg & Dagan 2015). @defaultValue `0.75` */
  readonly smoothing?: number;
  /** Singular-value weighting p: vectors are `U_d Σ_d^p`. @defaultValue `0.5` */
  readonly eigenWeight?: number;
  /** Scale every non-zero vector to unit L2 norm. @defaultValue `true` */
  readonly normalize?: boolean;
  /** Power iterations of the SVD. @defaultValue `3` */
  readonly powerIterations?: number;
  /** Item ids are `1..numItems`. @defaultValue the largest id in the sequences */
  readonly numItems?: number;
}

/** @internal Symmetric windowed co-occurrence counts → PPMI in CSR over rows `id − 1`. */
export function ppmiMatrix(sequences: readonly UserSequence[], numItems: number, window: number, smoothing: number): SparseMatrix {
  const rows: Map<number, number>[] = new Array(numItems);
  for (const { items } of sequences) {
    const n = items.length;
    for (let i = 0; i < n; i++) {
      const a = items[i]! - 1;
      for (let j = i + 1; j < n && j - i <= window; j++) {
        const b = items[j]! - 1;
        if (a === b) continue;
        (rows[a] ??= new Map()).set(b, (rows[a]!.get(b) ?? 0) + 1);
        (rows[b] ??= new Map()).set(a, (rows[b]!.get(a) ?? 0) + 1);
      }
    }
  }
  const rowSum = new Float64Array(numItems);
  let total = 0;
  let nnz = 0;
  for (let a = 0; a < numItems; a++) {
    const row = rows[a];
    if (!row) continue;
    nnz += row.size;
    for (const c of row.values()) rowSum[a]! += c;
    total += rowSum[a]!;
  }
  // smoothed context distribution P_c(b) = sum(b)^c / Σ sum^c
  let ctxTotal = 0;
  const ctx = new Float64Array(numItems);
  for (let b = 0; b < numItems; b++) {
    ctx[b] = rowSum[b]! ** smoothing;
    ctxTotal += ctx[b]!;
  }
  const indptr = new Int32Array(numItems + 1);
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let p = 0;
  for (let a = 0; a < numItems; a++) {
    indptr[a] = p;
    const row = rows[a];
    if (row) {
      const entries = [...row.entries()].sort((x, y) => x[0] - y[0]);
      for (const [b, c] of entries) {
        const pmi = Math.log((c / total) / ((rowSum[a]! / total) * (ctx[b]! / ctxTotal)));
        if (pmi > 0) {
          indices[p] = b;
          values[p] = pmi;
          p++;
        }
      }
    }
  }
  indptr[numItems] = p;
  return { rows: numItems, cols: numItems, indptr, indices: indices.slice(0, p), values: values.slice(0, p) };
}

/**
 * Item vectors learned from interaction sequences, for catalogs without text (e.g. Amazon Beauty):
 *
 * 1. windowed co-occurrence `C[a][b] = #{(i, j) : v_i = a, v_j = b, 0 < |i − j| ≤ window}` over all sequences;
 * 2. `PPMI[a][b] = max(0, log( P(a, b) / (P(a) · P_c(b)) ))` with `P(a, b) = C[a][b] / ΣC`,
 *    `P(a) = Σ_b C[a][b] / ΣC` and the smoothed context `P_c(b) ∝ (Σ_a C[a][b])^smoothing`;
 * 3. a seeded randomized truncated SVD `PPMI ≈ U Σ Vᵀ` ({@link randomizedSvd}, dense products on the
 *    backend's `matMul`);
 * 4. vectors `U_d · Σ_d^eigenWeight`, then (by default) unit L2 rows.
 *
 * Row mapping: row `r` holds item id `r + 1` (`ids[r] = r + 1`, `rowOf(id) = id − 1`); the result has
 * `numItems` rows, and an item without co-occurrences gets the zero vector. Train it on training
 * interactions only (e.g. `leaveOneOut(...).train`) when vectors feed an evaluation.
 *
 * @param data - sequences (or a {@link SequenceDataset}).
 * @param options - see {@link ItemVectorsOptions}.
 * @returns the vectors `[numItems, dim]`.
 * @throws TypeError for a non-array input; RangeError for bad options, an item id outside `1..numItems`,
 * or `dim` > `numItems`.
 * @example
 * ```ts
 * const vecs = await itemVectorsFromSequences((await loadBeauty()).sequences, { dim: 64, seed: 1 });
 * vecs.shape;            // [12101, 64]
 * vecs.cosine(1, 2);     // similarity of items 1 and 2
 * ```
 */
export async function itemVectorsFromSequences(
  data: readonly UserSequence[] | SequenceDataset,
  options: ItemVectorsOptions = {},
): Promise<ItemVectors> {
  const fn = 'itemVectorsFromSequences';
  const sequences = checkSequences<UserSequence>(fn, 'data', data);
  checkOptions(fn, options, ['dim', 'window', 'seed', 'smoothing', 'eigenWeight', 'normalize', 'powerIterations', 'numItems', 'backend']);
  const dim = options.dim ?? 64;
  const window = options.window ?? 3;
  const seed = options.seed ?? 1234;
  const smoothing = options.smoothing ?? 0.75;
  const eigenWeight = options.eigenWeight ?? 0.5;
  const normalize = options.normalize ?? true;
  const powerIterations = options.powerIterations ?? 3;
  assertPositiveInteger(fn, 'options.dim', dim);
  assertPositiveInteger(fn, 'options.window', window);
  assertFiniteNumber(fn, 'options.smoothing', smoothing, { min: 0, max: 1 });
  assertFiniteNumber(fn, 'options.eigenWeight', eigenWeight, { min: 0, max: 1 });
  const numItems = resolveNumItems(fn, 'data', sequences, options.numItems);
  if (dim > numItems) throw rangeError(fn, 'options.dim', `at most numItems = ${numItems}`, dim);
  const ppmi = ppmiMatrix(sequences, numItems, window, smoothing);
  const { u, s } = await randomizedSvd(ppmi, dim, { seed, powerIterations, backend: options.backend });
  const scale = Array.from(s, (x) => x ** eigenWeight);
  const out = new Float32Array(numItems * dim);
  for (let r = 0; r < numItems; r++) {
    const empty = ppmi.indptr[r + 1] === ppmi.indptr[r];
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      const v = empty ? 0 : u[r * dim + j]! * scale[j]!;
      out[r * dim + j] = v;
      norm += v * v;
    }
    if (normalize && norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let j = 0; j < dim; j++) out[r * dim + j]! *= inv;
    }
  }
  return new ItemVectors(out, dim, Int32Array.from({ length: numItems }, (_, r) => r + 1));
}

/**
 * Wraps external vectors (e.g. text embeddings of titles) as {@link ItemVectors}.
 *
 * @param vectors - any gr2 matrix `[rows, dim]` (Float32Array + shape, `number[][]`, ndarray, Tensor).
 * @param ids - item id of each row. @defaultValue row r ↔ id r + 1
 * @returns the wrapped vectors (the data is copied only when not already a contiguous Float32Array).
 * @throws TypeError / RangeError for a malformed matrix, a wrong number of ids, or repeated ids.
 * @example
 * ```ts
 * const v = itemVectorsFromMatrix([[1, 0], [0, 1]], [10, 20]);
 * v.rowOf(20);   // 1
 * ```
 */
export function itemVectorsFromMatrix(vectors: MatrixLike, ids?: ArrayLike<number>): ItemVectors {
  const fn = 'itemVectorsFromMatrix';
  const m = toMatrix(vectors, 'vectors', fn, { checkFinite: true });
  const [rows, dim] = m.dims as [number, number];
  const idList = ids ?? Int32Array.from({ length: rows }, (_, r) => r + 1);
  if (idList.length !== rows) throw rangeError(fn, 'ids', `of length ${rows} (rows of vectors)`, raw(`length ${idList.length}`));
  return new ItemVectors(m.data, dim, idList);
}
