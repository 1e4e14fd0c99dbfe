/**
 * RQ-KMeans residual quantizer: the semantic-ID tokenizer of GR2 (paper-digest.md §2.1–2.2) trained
 * level by level with k-means on residuals, with greedy and beam encoding, decoding, statistics, the
 * uniqueness techniques, streaming encode, persistence and ONNX export.
 *
 * @packageDocumentation
 */
import { U32, U64, matMul, nearestBuffers, nearestHead, nearestInto } from '../backend/ops.js';
import { Tensor, toMatrix, type Matrix, type MatrixLike } from '../backend/tensor.js';
import type { BackendOption, NearestResult } from '../backend/types.js';
import {
  NotTrainedError,
  assertNonNegativeInteger,
  assertOneOf,
  assertPositiveInteger,
  rangeError,
  raw,
  typeError,
} from '../errors.js';
import { toSidCodes, type SidCodes, type SidCodesLike } from './codes.js';
import { kmeans, type KMeansIterationInfo, type KMeansOptions } from './kmeans.js';
import { sidStatistics, type SidStatistics } from './sid_stats.js';
import { collisionAwareLastLevel, randomLastLevel, type CollisionCertificate } from './uniqueness.js';
import { decodeQuantizer, encodeQuantizer, readFileAtomicSafe, writeFileAtomic } from './persistence.js';
import { buildEncoderModel, type OnnxExportOptions } from './onnx_export.js';

/** Shape of a residual quantizer. */
export interface ResidualQuantizerConfig {
  /** Number of levels L (SID length). @defaultValue `4` */
  readonly levels?: number;
  /** Codebook size per level, one number for all levels or one per level (each ≥ 2). @defaultValue `256` */
  readonly codebookSize?: number | readonly number[];
}

/** Options of {@link ResidualQuantizer.train}. */
export interface ResidualQuantizerTrainOptions extends ResidualQuantizerConfig, BackendOption {
  /**
   * k-means options used at every level (init, iterations, tolerance, mode, EMA decay, dead-code reset…).
   * @defaultValue `{}` (k-means++, 25 Lloyd iterations, tolerance 1e-4)
   */
  readonly kmeans?: Omit<KMeansOptions, 'backend' | 'seed' | 'checkFinite' | 'onIteration' | 'init'> & {
    readonly init?: 'kmeans++' | 'random';
  };
  /** Seed; level `l` (0-based) runs k-means with seed `seed + l`. @defaultValue `1234` */
  readonly seed?: number;
  /** Throw a `NumericError` on NaN/Inf in the training vectors. @defaultValue `true` */
  readonly checkFinite?: boolean;
  /** Progress: called per k-means iteration with the level. */
  readonly onIteration?: (info: KMeansIterationInfo & { readonly level: number }) => void;
}

/** Per-level training summary. */
export interface LevelTrainingReport {
  /** 0-based level. */
  readonly level: number;
  /** Codebook size. */
  readonly codebookSize: number;
  /** Final k-means inertia at this level (`Σ ‖r_l − e_{z_l}‖²`). */
  readonly inertia: number;
  /** k-means iterations. */
  readonly iterations: number;
  /** Whether k-means converged before its iteration limit. */
  readonly converged: boolean;
  /** Codes used by at least one training vector. */
  readonly usedCodes: number;
}

/** Options of {@link ResidualQuantizer.encode}. */
export interface EncodeOptions extends BackendOption {
  /**
   * Beam width B: `1` is greedy (`z_l = argmin_j ‖r_l − e_j‖²`); `B > 1` keeps the B partial codes of
   * lowest residual error per level and returns the one with the lowest final error (faiss RQ beam search).
   * @defaultValue `1`
   */
  readonly beamWidth?: number;
  /** Rows encoded per backend pass (bounds memory; beam search further caps it so the `[rows·B, C]` cost block stays near 2^22 floats). @defaultValue `65536` */
  readonly chunkSize?: number;
  /** Throw a `NumericError` on NaN/Inf rows. @defaultValue `true` */
  readonly checkFinite?: boolean;
}

/** Last-level technique of {@link ResidualQuantizer.assignSids}. */
export type LastLevelMethod = 'greedy' | 'random' | 'random-free' | 'collision-aware';

/** Options of {@link ResidualQuantizer.assignSids}. */
export interface AssignSidsOptions extends EncodeOptions {
  /**
   * - `'greedy'`: plain encode.
   * - `'random'`: GR2's random last level, uniform over the last codebook.
   * - `'random-free'`: uniform among last codes still free under the same prefix.
   * - `'collision-aware'`: nearest free last code per colliding item, with a {@link CollisionCertificate}.
   * @defaultValue `'collision-aware'`
   */
  readonly lastLevel?: LastLevelMethod;
  /** Seed of the random variants. @defaultValue `1234` */
  readonly seed?: number;
}

/** Result of {@link ResidualQuantizer.assignSids}. */
export interface AssignSidsResult {
  /** `[n, levels]` codes. */
  readonly codes: SidCodes;
  /** Certificate of the collision-aware assignment (`null` for the other methods). */
  readonly certificate: CollisionCertificate | null;
  /** Uniqueness, collisions and per-level usage of `codes`. */
  readonly statistics: SidStatistics;
}

/** Reconstruction error of a set of vectors. */
export interface ReconstructionError {
  /** Mean squared error `(1/n) Σ_i ‖x_i − x̂_i‖²`. */
  readonly meanSquaredError: number;
  /** `Σ ‖x_i − x̂_i‖² / Σ ‖x_i‖²` (0 when all vectors are zero). */
  readonly relativeError: number;
}

const CLS = 'ResidualQuantizer';

/**
 * The k-means options as plain JSON for the file header: a backend object (`accumulateBackend`,
 * `seedingBackend`) is recorded by its name, functions and `undefined` are dropped.
 */
function headerOptions(options: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(options)) {
    if (v === undefined || typeof v === 'function') continue;
    out[key] = v !== null && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string' ? (v as { name: string }).name : v;
  }
  return out;
}

function resolveSizes(fn: string, levels: number, codebookSize: number | readonly number[]): number[] {
  assertPositiveInteger(fn, 'levels', levels);
  let sizes: number[];
  if (typeof codebookSize === 'number') sizes = new Array<number>(levels).fill(codebookSize);
  else if (Array.isArray(codebookSize)) sizes = [...(codebookSize as readonly number[])];
  else throw typeError(fn, 'codebookSize', 'a number or number[]', codebookSize);
  if (sizes.length !== levels) throw rangeError(fn, 'codebookSize', `one size per level (${levels})`, raw(`${sizes.length} sizes`));
  sizes.forEach((s, l) => {
    const arg = typeof codebookSize === 'number' ? 'codebookSize' : `codebookSize[${l}]`;
    if (typeof s !== 'number') throw typeError(fn, arg, 'a number', s);
    if (!Number.isInteger(s) || s < 2) throw rangeError(fn, arg, 'an integer >= 2', s);
  });
  return sizes;
}

/**
 * A residual quantizer (RQ-KMeans). With codebooks `E^{(l)} ∈ ℝ^{C_l×d}`, encoding is
 * `r_1 = x`, `z_l = argmin_j ‖r_l − e^{(l)}_j‖²`, `r_{l+1} = r_l − e^{(l)}_{z_l}` and decoding is
 * `x̂ = Σ_l e^{(l)}_{z_l}`. Training runs k-means on the residuals of each level in turn.
 *
 * @example
 * ```ts
 * const rq = await ResidualQuantizer.train(vectors, { levels: 4, codebookSize: 256 });
 * const codes = await rq.encode(vectors);            // Tensor<'int32'> [n, 4]
 * const { codes: sids, certificate } = await rq.assignSids(vectors); // 100 % unique SIDs
 * await rq.save('rq.bin');
 * ```
 */
export class ResidualQuantizer {
  /** Number of levels L. */
  readonly levels: number;
  /** Codebook size of each level. */
  readonly codebookSizes: readonly number[];
  private books: Matrix[] | null = null;
  private report: LevelTrainingReport[] = [];
  private meta: Record<string, unknown> = {};

  /**
   * Creates an untrained quantizer (call {@link ResidualQuantizer.train} or {@link ResidualQuantizer.load}).
   *
   * @param config - levels and codebook sizes.
   * @throws RangeError when `levels < 1` or a codebook size is `< 2`.
   */
  constructor(config: ResidualQuantizerConfig = {}) {
    if (config === null || typeof config !== 'object') throw typeError(CLS, 'config', 'an object', config);
    this.levels = config.levels ?? (Array.isArray(config.codebookSize) ? config.codebookSize.length : 4);
    this.codebookSizes = Object.freeze(resolveSizes(CLS, this.levels, config.codebookSize ?? 256));
  }

  /**
   * Trains a new quantizer: `new ResidualQuantizer(options).train(vectors, options)`.
   *
   * @param vectors - training rows `[n, d]`, `n ≥ max_l C_l`.
   * @param options - levels, codebook sizes, k-means options, seed, backend.
   * @returns the trained quantizer.
   * @throws see the instance {@link ResidualQuantizer.train}.
   * @example
   * ```ts
   * const rq = await ResidualQuantizer.train(vectors, { levels: 4, codebookSize: 256, kmeans: { maxIterations: 10 } });
   * rq.codebookSizes; // [256, 256, 256, 256]
   * rq.trainingReport[0].usedCodes; // 256
   * ```
   */
  static async train(vectors: MatrixLike, options: ResidualQuantizerTrainOptions = {}): Promise<ResidualQuantizer> {
    return new ResidualQuantizer(options).train(vectors, options);
  }

  /**
   * Trains the codebooks level by level: k-means (seed `seed + l`) on the current residuals, then
   * subtracts each row's assigned centroid.
   *
   * @param vectors - training rows `[n, d]`.
   * @param options - k-means options, seed, backend (its `levels`/`codebookSize` are ignored here).
   * @returns `this`, trained.
   * @throws RangeError when `n` is smaller than a codebook size ("need at least …"); `NumericError` on
   *   NaN/Inf rows; TypeError for a non-matrix.
   */
  async train(vectors: MatrixLike, options: ResidualQuantizerTrainOptions = {}): Promise<this> {
    const fn = `${CLS}.train`;
    if (options === null || typeof options !== 'object') throw typeError(fn, 'options', 'an object', options);
    const seed = options.seed ?? 1234;
    assertNonNegativeInteger(fn, 'options.seed', seed);
    const X = toMatrix(vectors, 'vectors', fn, { checkFinite: options.checkFinite ?? true });
    const [n, d] = X.dims as [number, number];
    if (d < 1) throw rangeError(fn, 'vectors', 'at least one column', raw('0 columns'));
    const maxSize = Math.max(...this.codebookSizes);
    if (n < maxSize) {
      throw rangeError(
        fn,
        'vectors',
        `at least ${maxSize} training vectors for codebookSize ${maxSize}`,
        raw(`${n}`),
        'Use a smaller codebook or more training vectors.',
      );
    }
    const R = Float32Array.from(X.data);
    const books: Matrix[] = [];
    const report: LevelTrainingReport[] = [];
    for (let l = 0; l < this.levels; l++) {
      const k = this.codebookSizes[l]!;
      const res = await kmeans(new Tensor('float32', R, [n, d]), k, {
        ...(options.kmeans ?? {}),
        seed: seed + l,
        backend: options.backend,
        checkFinite: false,
        onIteration: options.onIteration ? (info) => options.onIteration!({ ...info, level: l }) : undefined,
      });
      const C = res.centroids.data;
      const used = new Uint8Array(k);
      for (let i = 0; i < n; i++) {
        const j = res.assignments[i]!;
        used[j] = 1;
        const o = i * d;
        const co = j * d;
        for (let t = 0; t < d; t++) R[o + t] = R[o + t]! - C[co + t]!;
      }
      books.push(res.centroids);
      report.push({
        level: l,
        codebookSize: k,
        inertia: res.inertia,
        iterations: res.iterations,
        converged: res.converged,
        usedCodes: used.reduce((a, b) => a + b, 0),
      });
    }
    this.books = books;
    this.report = report;
    this.meta = { trainedOn: n, seed, kmeans: headerOptions(options.kmeans ?? {}) };
    return this;
  }

  /** Whether codebooks are present. */
  get isTrained(): boolean {
    return this.books !== null;
  }

  /** Vector dimension `d` (0 before training). */
  get dim(): number {
    return this.books?.[0]?.dims[1] ?? 0;
  }

  /** Per-level training summary (empty before training or after {@link ResidualQuantizer.load}). */
  get trainingReport(): readonly LevelTrainingReport[] {
    return this.report;
  }

  /**
   * The codebooks, one `[C_l, d]` matrix per level (shared, do not mutate).
   * @throws {@link NotTrainedError} before training.
   */
  get codebooks(): readonly Matrix[] {
    return this.trained(`${CLS}.codebooks`);
  }

  private trained(fn: string): Matrix[] {
    if (!this.books) throw new NotTrainedError(`${fn}: the quantizer is not trained yet. Call train() or ResidualQuantizer.load() first.`);
    return this.books;
  }

  private input(fn: string, vectors: MatrixLike, checkFinite: boolean): Matrix {
    const d = this.dim;
    const X = toMatrix(vectors, 'vectors', fn, { checkFinite });
    if (X.dims[1] !== d) {
      throw rangeError(fn, 'vectors', `of dimension ${d} (as the training vectors)`, raw(`dimension ${X.dims[1]}`));
    }
    return X;
  }

  /**
   * Encodes vectors into codes (greedy, or beam search with `beamWidth > 1`).
   *
   * @param vectors - rows `[n, d]`.
   * @param options - beam width, chunk size, backend.
   * @returns `[n, levels]` int32 codes.
   * @throws {@link NotTrainedError} before training; RangeError for a wrong dimension or bad option;
   *   `NumericError` on NaN/Inf rows.
   * @example
   * ```ts
   * const codes = await rq.encode([[0.1, 0.2, …]]); // codes.data = Int32Array [97, 168, 137, 135]
   * ```
   */
  async encode(vectors: MatrixLike, options: EncodeOptions = {}): Promise<SidCodes> {
    const fn = `${CLS}.encode`;
    const books = this.trained(fn);
    const { beamWidth, chunkSize } = this.encodeOptions(fn, options);
    const X = this.input(fn, vectors, options.checkFinite ?? true);
    const out = await this.encodeMatrix(books, X, beamWidth, chunkSize, options.backend, null);
    return out.codes;
  }

  private encodeOptions(fn: string, options: EncodeOptions): { beamWidth: number; chunkSize: number } {
    if (options === null || typeof options !== 'object') throw typeError(fn, 'options', 'an object', options);
    const beamWidth = options.beamWidth ?? 1;
    const chunkSize = options.chunkSize ?? 65536;
    assertPositiveInteger(fn, 'options.beamWidth', beamWidth);
    assertPositiveInteger(fn, 'options.chunkSize', chunkSize);
    return { beamWidth, chunkSize };
  }

  /** Encodes `X` in row chunks; optionally returns the residual before the last level. */
  private async encodeMatrix(
    books: Matrix[],
    X: Matrix,
    beamWidth: number,
    chunkSize: number,
    backend: BackendOption['backend'],
    lastResidual: Float32Array | null,
  ): Promise<{ codes: SidCodes }> {
    const [n, d] = X.dims as [number, number];
    const L = this.levels;
    const codes = new Int32Array(n * L);
    if (beamWidth > 1) {
      // the beam's [rows·B, C] cost block is the largest intermediate: keep it near 2^22 floats (16 MiB)
      const maxK = Math.max(...this.codebookSizes);
      chunkSize = Math.min(chunkSize, Math.max(1, Math.floor(4_194_304 / (beamWidth * maxK))));
    }
    // greedy chunks reuse one residual buffer and one nearest pair (no fresh chunk-sized arrays per chunk)
    const most = Math.min(chunkSize, n);
    const scratch = beamWidth === 1 ? { R: new Float32Array(most * d), pair: nearestBuffers(most) } : null;
    for (let start = 0; start < n; start += chunkSize) {
      const rows = Math.min(chunkSize, n - start);
      const rowsX = X.data.subarray(start * d, (start + rows) * d);
      const chunkCodes = codes.subarray(start * L, (start + rows) * L);
      const chunkResidual = lastResidual?.subarray(start * d, (start + rows) * d) ?? null;
      if (scratch) {
        const R = scratch.R.subarray(0, rows * d);
        R.set(rowsX);
        await this.greedyChunk(books, R, rows, chunkCodes, backend, chunkResidual, nearestHead(scratch.pair, rows));
      } else await this.beamChunk(books, rowsX, rows, beamWidth, chunkCodes, backend, chunkResidual);
    }
    return { codes: new Tensor('int32', codes, [n, L]) };
  }

  /** Greedy residual encoding of one chunk; `R` is consumed (becomes the final residual); `pair`: `[rows]` scratch. */
  private async greedyChunk(
    books: Matrix[],
    R: Float32Array,
    rows: number,
    out: Int32Array,
    backend: BackendOption['backend'],
    lastResidual: Float32Array | null,
    pair: NearestResult,
  ): Promise<void> {
    const d = this.dim;
    const L = this.levels;
    for (let l = 0; l < L; l++) {
      if (l === L - 1 && lastResidual) lastResidual.set(R);
      const C = books[l]!;
      const { index } = await nearestInto(new Tensor('float32', R, [rows, d]), C, pair, backend);
      const E = C.data;
      for (let i = 0; i < rows; i++) {
        const j = index[i]!;
        out[i * L + l] = j;
        const o = i * d;
        const co = j * d;
        for (let t = 0; t < d; t++) R[o + t] = R[o + t]! - E[co + t]!;
      }
    }
  }

  /**
   * Beam search of one chunk (`X` is read, not changed). Candidate costs are screened with `‖r‖² − 2 r·eᵀ + ‖e‖²` (one backend `matMul`
   * per level, float32); the kept beams are then chosen by exact cost — `Σ_t fl32(r_t − e_t)²` in float64, the
   * error of the residual the beam carries — among every candidate whose screened cost lies within the proven
   * float32 error bound of the screened B-th best ({@link selectBeams}), ties to the earlier (beam, code). So the
   * codes do not depend on the backend's `matMul` rounding.
   */
  private async beamChunk(
    books: Matrix[],
    X: Float32Array,
    rows: number,
    B: number,
    out: Int32Array,
    backend: BackendOption['backend'],
    lastResidual: Float32Array | null,
  ): Promise<void> {
    const d = this.dim;
    const L = this.levels;
    // Beam state per row: `width` candidates with residuals, codes and errors.
    let width = 1;
    let res = Float32Array.from(X); // [rows·width, d]
    let codes = new Int32Array(rows * L); // [rows·width, L]
    let err = new Float64Array(rows);
    for (let i = 0; i < rows; i++) err[i] = sqNorm(res, i * d, d);
    let before: Float32Array | null = null;
    for (let l = 0; l < L; l++) {
      if (l === L - 1 && lastResidual) before = res.slice();
      const E = books[l]!;
      const K = E.dims[0]!;
      const eNorm = new Float64Array(K);
      const eRoot = new Float64Array(K);
      for (let j = 0; j < K; j++) {
        eNorm[j] = sqNorm(E.data, j * d, d);
        eRoot[j] = Math.sqrt(eNorm[j]!) * (1 + 1e-12);
      }
      const cross = await matMul(new Tensor('float32', res, [rows * width, d]), E, { transposeB: true, backend });
      const newWidth = Math.min(B, width * K);
      const nRes = new Float32Array(rows * newWidth * d);
      const nCodes = new Int32Array(rows * newWidth * L);
      const nErr = new Float64Array(rows * newWidth);
      const nParent = new Int32Array(rows * newWidth);
      const sel = beamScratch(newWidth);
      for (let i = 0; i < rows; i++) {
        selectBeams(res, err, i * width, width, E.data, eNorm, eRoot, K, d, cross.data, newWidth, sel);
        for (let s = 0; s < newWidth; s++) {
          const parent = i * width + sel.parent[s]!;
          const dst = i * newWidth + s;
          const j = sel.code[s]!;
          nParent[dst] = parent;
          nCodes.set(codes.subarray(parent * L, parent * L + L), dst * L);
          nCodes[dst * L + l] = j;
          for (let t = 0; t < d; t++) nRes[dst * d + t] = res[parent * d + t]! - E.data[j * d + t]!;
          nErr[dst] = sel.cost[s]!;
        }
      }
      if (before && lastResidual) {
        // Keep, for each kept beam, the residual its parent had before the last level.
        const keep = new Float32Array(rows * newWidth * d);
        for (let s = 0; s < rows * newWidth; s++) keep.set(before.subarray(nParent[s]! * d, nParent[s]! * d + d), s * d);
        before = keep;
      }
      width = newWidth;
      res = nRes;
      codes = nCodes;
      err = nErr;
    }
    for (let i = 0; i < rows; i++) {
      let best = 0;
      for (let b = 1; b < width; b++) if (err[i * width + b]! < err[i * width + best]!) best = b;
      const cand = i * width + best;
      out.set(codes.subarray(cand * L, cand * L + L), i * L);
      if (lastResidual && before) lastResidual.set(before.subarray(cand * d, cand * d + d), i * d);
    }
  }

  /**
   * Reconstructs vectors from codes: `x̂_i = Σ_l e^{(l)}_{z_{i,l}}`.
   *
   * @param codes - `[n, levels]` codes.
   * @returns `[n, d]` float32 reconstructions.
   * @throws {@link NotTrainedError} before training; RangeError for a wrong number of levels or a code
   *   outside its codebook.
   * @example
   * ```ts
   * const xHat = rq.decode(await rq.encode(x)); // xHat.dims = [n, d]
   * ```
   */
  decode(codes: SidCodesLike): Matrix {
    const fn = `${CLS}.decode`;
    const books = this.trained(fn);
    const C = toSidCodes(codes, 'codes', fn);
    const [n, L] = C.dims as [number, number];
    if (L !== this.levels) throw rangeError(fn, 'codes', `${this.levels} codes per row`, raw(`${L}`));
    const d = this.dim;
    const acc = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let l = 0; l < L; l++) {
        const j = C.data[i * L + l]!;
        const K = this.codebookSizes[l]!;
        if (j < 0 || j >= K) throw rangeError(fn, `codes[${i}][${l}]`, `in [0, ${K})`, j);
        const E = books[l]!.data;
        for (let t = 0; t < d; t++) acc[i * d + t]! += E[j * d + t]!;
      }
    }
    return new Tensor('float32', Float32Array.from(acc), [n, d]);
  }

  /**
   * Reconstruction error of `vectors` under `codes` (encoded greedily when omitted).
   *
   * @param vectors - rows `[n, d]`.
   * @param options - `codes` to evaluate, else encode options.
   * @returns mean squared error and relative error.
   * @example
   * ```ts
   * const { meanSquaredError, relativeError } = await rq.reconstructionError(x);
   * ```
   */
  async reconstructionError(vectors: MatrixLike, options: EncodeOptions & { readonly codes?: SidCodesLike } = {}): Promise<ReconstructionError> {
    const fn = `${CLS}.reconstructionError`;
    this.trained(fn);
    const X = this.input(fn, vectors, options.checkFinite ?? true);
    // X was checked for NaN/Inf above: encode need not scan it again.
    const codes = options.codes !== undefined ? toSidCodes(options.codes, 'options.codes', fn) : await this.encode(X, { ...options, checkFinite: false });
    if (codes.dims[0] !== X.dims[0]) throw rangeError(fn, 'options.codes', `${X.dims[0]} rows (as vectors)`, raw(`${codes.dims[0]}`));
    const xHat = this.decode(codes);
    let num = 0;
    let den = 0;
    for (let i = 0; i < X.data.length; i++) {
      const v = X.data[i]!;
      const e = v - xHat.data[i]!;
      num += e * e;
      den += v * v;
    }
    const n = X.dims[0]!;
    return { meanSquaredError: n > 0 ? num / n : 0, relativeError: den > 0 ? num / den : 0 };
  }

  /**
   * Encodes and applies a uniqueness technique to the last level (GR2 random last level, or the
   * deterministic collision-aware assignment), returning codes, an optional certificate and statistics.
   *
   * @param vectors - the catalog `[n, d]` (row `i` = item `i`).
   * @param options - `lastLevel` method, seed, encode options.
   * @throws {@link SidCollisionError} for `'collision-aware'` when a prefix holds more items than the last
   *   codebook has codes; see {@link ResidualQuantizer.encode} for the rest.
   * @example
   * ```ts
   * const { codes, certificate, statistics } = await rq.assignSids(items);
   * // statistics.uniqueness = 1, certificate.maxPrefixLoad ≤ 256
   * ```
   */
  async assignSids(vectors: MatrixLike, options: AssignSidsOptions = {}): Promise<AssignSidsResult> {
    const fn = `${CLS}.assignSids`;
    const books = this.trained(fn);
    const { beamWidth, chunkSize } = this.encodeOptions(fn, options);
    const method = options.lastLevel ?? 'collision-aware';
    assertOneOf(fn, 'options.lastLevel', method, ['greedy', 'random', 'random-free', 'collision-aware'] as const);
    const seed = options.seed ?? 1234;
    assertNonNegativeInteger(fn, 'options.seed', seed);
    const X = this.input(fn, vectors, options.checkFinite ?? true);
    const [n, d] = X.dims as [number, number];
    const residual = method === 'collision-aware' ? new Float32Array(n * d) : null;
    let { codes } = await this.encodeMatrix(books, X, beamWidth, chunkSize, options.backend, residual);
    let certificate: CollisionCertificate | null = null;
    if (method === 'random' || method === 'random-free') {
      codes = randomLastLevel(codes, this.codebookSizes, { mode: method === 'random' ? 'uniform' : 'free', seed });
    } else if (method === 'collision-aware') {
      const r = await collisionAwareLastLevel(codes, new Tensor('float32', residual!, [n, d]), books[this.levels - 1]!, {
        backend: options.backend,
      });
      codes = r.codes;
      certificate = r.certificate;
    }
    return { codes, certificate, statistics: sidStatistics(codes, this.codebookSizes) };
  }

  /**
   * Streaming greedy encode for catalogs that do not fit in memory: consumes chunks of rows from a
   * (async) iterable and yields the codes of each chunk, in order. Memory is bounded by one chunk.
   *
   * @param chunks - an `AsyncIterable` or `Iterable` of `[m, d]` matrices.
   * @param options - encode options (applied per chunk).
   * @returns an async generator of `[m, levels]` codes, one per input chunk.
   * @throws as {@link ResidualQuantizer.encode}, when the offending chunk is reached.
   * @example
   * ```ts
   * for await (const codes of rq.encodeStream(readChunks('catalog.f32'))) write(codes.data);
   * ```
   */
  async *encodeStream(chunks: AsyncIterable<MatrixLike> | Iterable<MatrixLike>, options: EncodeOptions = {}): AsyncGenerator<SidCodes, void, undefined> {
    const fn = `${CLS}.encodeStream`;
    this.trained(fn);
    if (chunks == null || (typeof (chunks as AsyncIterable<MatrixLike>)[Symbol.asyncIterator] !== 'function' && typeof (chunks as Iterable<MatrixLike>)[Symbol.iterator] !== 'function')) {
      throw typeError(fn, 'chunks', 'an AsyncIterable or Iterable of matrices', chunks);
    }
    for await (const chunk of chunks as AsyncIterable<MatrixLike>) {
      yield await this.encode(chunk, options);
    }
  }

  /**
   * SID statistics of `codes` against this quantizer's codebook sizes (see {@link sidStatistics}).
   *
   * @example
   * ```ts
   * const s = rq.statistics(await rq.encode(vectors));
   * s.uniqueness; // e.g. 0.931 (distinct SIDs / items), s.levels[0].used = 256
   * ```
   */
  statistics(codes: SidCodesLike): SidStatistics {
    return sidStatistics(codes, this.codebookSizes);
  }

  /**
   * Serialises the trained quantizer: magic `GR2RQ\0\0\0`, a little-endian uint32 header length, a JSON
   * header (format version, dim, levels, codebook sizes, training options, SHA-256 of the codebook bytes),
   * then the float32 little-endian codebooks level by level.
   *
   * @throws {@link NotTrainedError} before training.
   * @example
   * ```ts
   * const bytes = rq.toBytes(); // 4 × 256 × 64 float32 codebooks: 262,144 body bytes after the header
   * ResidualQuantizer.fromBytes(bytes).codebookSizes; // [256, 256, 256, 256]
   * ```
   */
  toBytes(): Uint8Array {
    const books = this.trained(`${CLS}.toBytes`);
    return encodeQuantizer({ dim: this.dim, codebookSizes: this.codebookSizes, codebooks: books.map((b) => b.data), meta: this.meta });
  }

  /**
   * Restores a quantizer from {@link ResidualQuantizer.toBytes} output.
   *
   * @throws `DataFormatError` for a truncated, altered or foreign file.
   * @example
   * ```ts
   * const back = ResidualQuantizer.fromBytes(rq.toBytes());
   * back.dim === rq.dim; // true — same codebooks, same codes
   * ```
   */
  static fromBytes(bytes: Uint8Array): ResidualQuantizer {
    const s = decodeQuantizer(bytes, `${CLS}.fromBytes`);
    const rq = new ResidualQuantizer({ levels: s.codebookSizes.length, codebookSize: s.codebookSizes });
    rq.books = s.codebooks.map((c, l) => new Tensor('float32', c, [s.codebookSizes[l]!, s.dim]));
    rq.meta = s.meta;
    return rq;
  }

  /**
   * Saves atomically (temporary file in the same folder, then rename) in the {@link ResidualQuantizer.toBytes} format.
   *
   * @param path - destination file.
   * @example
   * ```ts
   * await rq.save('sid/rq.bin'); const back = await ResidualQuantizer.load('sid/rq.bin');
   * ```
   */
  async save(path: string): Promise<void> {
    if (typeof path !== 'string' || path.length === 0) throw typeError(`${CLS}.save`, 'path', 'a non-empty string', path);
    await writeFileAtomic(path, this.toBytes());
  }

  /**
   * Loads a quantizer saved with {@link ResidualQuantizer.save}.
   *
   * @throws `DataFormatError` for a truncated, altered or foreign file; the usual Node errors when missing.
   * @example
   * ```ts
   * const rq = await ResidualQuantizer.load('sid/rq.bin');
   * rq.isTrained; // true
   * ```
   */
  static async load(path: string): Promise<ResidualQuantizer> {
    if (typeof path !== 'string' || path.length === 0) throw typeError(`${CLS}.load`, 'path', 'a non-empty string', path);
    const bytes = await readFileAtomicSafe(path);
    return ResidualQuantizer.fromBytes(bytes);
  }

  /**
   * Exports the greedy encoder as an ONNX model mapping `vectors [n, d]` (float32) to `codes [n, levels]`
   * (int32): per level `z = ArgMin(‖e‖² − 2 r·eᵀ)`, `r ← r − Gather(E, z)`. Any ONNX Runtime can then
   * compute SIDs for very large catalogs.
   *
   * @param options - opset, output names.
   * @returns the serialised ModelProto (write it with `fs.writeFileSync('rq.onnx', bytes)`).
   * @throws {@link NotTrainedError} before training.
   * @example
   * ```ts
   * fs.writeFileSync('rq.onnx', rq.exportOnnx());
   * // in any ONNX Runtime: session.run({ vectors }) → { codes: int32 [n, 4] }, equal to rq.encode(vectors)
   * ```
   */
  exportOnnx(options: OnnxExportOptions = {}): Uint8Array {
    const books = this.trained(`${CLS}.exportOnnx`);
    return buildEncoderModel(books, options);
  }
}

/** Scratch of {@link selectBeams}: the kept beams of one row (parent beam, code, exact cost), best first. */
interface BeamScratch {
  readonly parent: Int32Array;
  readonly code: Int32Array;
  readonly cost: Float64Array;
  /** The screened best `width` (cost, then candidate number `b·K + j`). */
  readonly approx: Float64Array;
  readonly approxCand: Int32Array;
}

function beamScratch(width: number): BeamScratch {
  return {
    parent: new Int32Array(width),
    code: new Int32Array(width),
    cost: new Float64Array(width),
    approx: new Float64Array(width),
    approxCand: new Int32Array(width),
  };
}

/**
 * Keeps the `width` best of the `beams·K` candidates (beam `b` of the row extended by code `j`) by exact cost
 * `Σ_t fl32(r_bt − e_jt)²` (float64 sum), ties to the smaller candidate number `b·K + j`. `eRoot[j]` is an upper
 * bound of `‖e_j‖` (`√eNorm[j]·(1 + 10⁻¹²)`).
 *
 * The screened cost `ĉ = ‖r_b‖² − 2·fl32(r_b·e_j) + ‖e_j‖²` is within
 * `m = 1.05·[2(d + 2)·u·A·B + 2.01·u·(A + B)² + (2d + 8)·2⁻⁵³·(A + B)²]` of the exact cost (A = ‖r_b‖,
 * B = ‖e_j‖, u = 2⁻²⁴): the float32 dot product in any summation order (γ_d·A·B, doubled), the float32
 * rounding of each difference `r_t − e_t` (≤ (2u + u²)·(A + B)²) and the float64 norms and sums. With `U` the
 * largest `ĉ + m` of the screened best `width`, at least `width` candidates cost at most `U` exactly, so a
 * candidate with `ĉ − m > U` cannot be kept; every other candidate gets its exact cost.
 * @internal
 */
function selectBeams(
  res: Float32Array,
  err: Float64Array,
  row0: number,
  beams: number,
  E: Float32Array,
  eNorm: Float64Array,
  eRoot: Float64Array,
  K: number,
  d: number,
  cross: Float32Array,
  width: number,
  out: BeamScratch,
): void {
  const { approx, approxCand } = out;
  // 1. the screened best `width` (sorted insertion, stable)
  let filled = 0;
  for (let b = 0; b < beams; b++) {
    const rn = err[row0 + b]!;
    const co = (row0 + b) * K;
    for (let j = 0; j < K; j++) {
      const c = rn - 2 * cross[co + j]! + eNorm[j]!;
      if (filled < width || c < approx[width - 1]!) {
        let p = filled < width ? filled++ : width - 1;
        while (p > 0 && approx[p - 1]! > c) {
          approx[p] = approx[p - 1]!;
          approxCand[p] = approxCand[p - 1]!;
          p--;
        }
        approx[p] = c;
        approxCand[p] = b * K + j;
      }
    }
  }
  const k1 = 1.05 * 2 * (d + 2) * U32;
  const k2 = 1.05 * (2.01 * U32 + (2 * d + 8) * U64);
  /** The bound `m` on |screened − exact| cost for `A ≥ ‖r_b‖`, `Bn ≥ ‖e_j‖` (one formula for both passes). */
  const margin = (A: number, Bn: number): number => k1 * A * Bn + k2 * (A + Bn) * (A + Bn);
  let U = -Infinity;
  for (let s = 0; s < width; s++) {
    const cand = approxCand[s]!;
    const b = Math.floor(cand / K);
    const A = Math.sqrt(err[row0 + b]!) * (1 + 1e-12);
    const Bn = eRoot[cand - b * K]!;
    const u = approx[s]! + margin(A, Bn);
    if (!(u <= U)) U = u; // NaN propagates: every candidate is then re-checked
  }
  // 2. exact costs of every candidate that may belong to the best `width`, kept sorted (cost, candidate number)
  const { parent, code, cost } = out;
  let kept = 0;
  for (let b = 0; b < beams; b++) {
    const rn = err[row0 + b]!;
    const co = (row0 + b) * K;
    const ro = (row0 + b) * d;
    const A = Math.sqrt(rn) * (1 + 1e-12);
    for (let j = 0; j < K; j++) {
      const Bn = eRoot[j]!;
      if (rn - 2 * cross[co + j]! + eNorm[j]! - margin(A, Bn) > U) continue;
      const eo = j * d;
      let c = 0;
      for (let t = 0; t < d; t++) {
        const v = Math.fround(res[ro + t]! - E[eo + t]!);
        c += v * v;
      }
      if (kept < width || c < cost[width - 1]!) {
        // candidates arrive in increasing candidate number: an equal cost goes after the earlier one
        let p = kept < width ? kept++ : width - 1;
        while (p > 0 && cost[p - 1]! > c) {
          cost[p] = cost[p - 1]!;
          parent[p] = parent[p - 1]!;
          code[p] = code[p - 1]!;
          p--;
        }
        cost[p] = c;
        parent[p] = b;
        code[p] = j;
      }
    }
  }
}

function sqNorm(a: Float32Array, o: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) s += a[o + t]! * a[o + t]!;
  return s;
}
