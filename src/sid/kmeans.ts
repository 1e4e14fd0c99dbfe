/**
 * Seeded k-means for codebook training: k-means++ (D² sampling) or random initialisation, Lloyd
 * iterations with a tolerance, and a mini-batch mode with EMA codebook updates and dead-code reset
 * (GR2's "balanced codebook utilisation" techniques 1, 2 and 4, paper-digest.md §2.2).
 *
 * Every distance and accumulation goes through the backend kernels `nearest` and `accumulate`
 * (src/backend/ops.ts), so the same code runs on the `'js'` reference and on ONNX Runtime.
 *
 * @packageDocumentation
 */
import '../backend/index.js';
import { U32, U64, accumulate, columnMeans, matMul, nearest, nearestBuffers, nearestHead, nearestInto, squaredDistanceBelow } from '../backend/ops.js';
import { resolveBackend } from '../backend/registry.js';
import { Tensor, toMatrix, type Matrix, type MatrixLike } from '../backend/tensor.js';
import type { BackendOption, NearestResult, TensorBackend } from '../backend/types.js';
import { assertFiniteNumber, assertNonNegativeInteger, assertOneOf, assertPositiveInteger, rangeError, raw, typeError } from '../errors.js';
import { log } from '../env.js';
import { Random } from '../sampling/random.js';

/** How the initial centroids are chosen: k-means++ (D² sampling), `k` distinct random rows, or given centroids `[k, d]`. */
export type KMeansInit = 'kmeans++' | 'random' | MatrixLike;

/**
 * What happens to a centroid that received no point in a Lloyd update:
 * - `'keep'`: it stays where it was (ml-kmeans);
 * - `'farthest'`: it moves onto the point farthest from its current centroid, distinct points for
 *   several empty clusters (scikit-learn);
 * - `'split'`: the largest cluster is split in two by a ±1/1024 relative perturbation (faiss).
 */
export type EmptyClusterPolicy = 'keep' | 'farthest' | 'split';

/** Lloyd (full-batch) or mini-batch with EMA updates. */
export type KMeansMode = 'lloyd' | 'minibatch';

/** What the progress callback receives once per iteration (per epoch in mini-batch mode). */
export interface KMeansIterationInfo {
  /** 0 for the initial centroids, then 1, 2, … */
  readonly iteration: number;
  /** `Σ_i min_j ‖x_i − c_j‖²` for the centroids after this iteration. */
  readonly inertia: number;
  /** Points whose nearest centroid changed in this iteration. */
  readonly changed: number;
  /** Clusters that were empty before the empty-cluster policy ran (Lloyd) — 0 in mini-batch mode. */
  readonly emptyClusters: number;
  /** Dead codes re-seeded during this epoch (mini-batch mode only). */
  readonly deadCodeResets: number;
  /** `'lloyd'` or `'minibatch'`. */
  readonly mode: KMeansMode;
}

/** Options of {@link kmeans}. */
export interface KMeansOptions extends BackendOption {
  /** Initialisation. @defaultValue `'kmeans++'` */
  readonly init?: KMeansInit;
  /**
   * k-means++ draws its centres from a seeded uniform sample of this many rows (all rows when `n` is
   * smaller, or when this value is below `k`). Bounds the O(sample·k·d) cost of D² sampling on large inputs:
   * 32 rows per centre keep seeding a small fraction of the Lloyd iterations that follow on all rows (with
   * `256 · k` — faiss's `max_points_per_centroid` — seeding cost more than 20 Lloyd iterations on 200k rows).
   * @defaultValue `32 · k`
   */
  readonly initSampleSize?: number;
  /**
   * Candidates per k-means++ step. `1` is plain D² sampling; `T > 1` is greedy k-means++ (scikit-learn,
   * ml-kmeans: they use `2 + ⌊ln k⌋`): draw T candidates by D², keep the one that lowers the potential
   * `Σ_i min(D(x_i)², ‖x_i − c‖²)` most. Costs T times the seeding time.
   * @defaultValue `1`
   */
  readonly localTrials?: number;
  /** Lloyd iterations, or epochs in mini-batch mode. @defaultValue `25` (faiss `niter`) */
  readonly maxIterations?: number;
  /**
   * Stop when the relative inertia decrease `(I_{t−1} − I_t) / I_{t−1}` falls to or below this value.
   * `0` stops only when no assignment changes (or at `maxIterations`).
   * @defaultValue `1e-4`
   */
  readonly tolerance?: number;
  /** Seed of every random choice (initialisation, mini-batch order, splits). @defaultValue `1234` */
  readonly seed?: number;
  /** Empty-cluster policy for Lloyd updates. @defaultValue `'farthest'` */
  readonly emptyClusters?: EmptyClusterPolicy;
  /** `'lloyd'` or `'minibatch'` (EMA codebook updates). @defaultValue `'lloyd'` */
  readonly mode?: KMeansMode;
  /** Rows per mini-batch. @defaultValue `1024` */
  readonly batchSize?: number;
  /**
   * EMA decay γ of the mini-batch update `N_j ← γN_j + (1−γ)n_j`, `m_j ← γm_j + (1−γ)s_j`,
   * `c_j = m_j / Ñ_j` (Ñ Laplace-smoothed). GR2 uses γ ∈ [0.95, 0.99].
   * @defaultValue `0.99`
   */
  readonly decay?: number;
  /**
   * Dead-code reset threshold τ: a code unused for τ consecutive mini-batches is re-seeded with the
   * worst-reconstructed vector of the current batch. `0` disables the reset.
   * @defaultValue `20`
   */
  readonly deadCodeThreshold?: number;
  /** Called once per iteration (and once for the initial centroids, iteration 0). */
  readonly onIteration?: (info: KMeansIterationInfo) => void;
  /** Throw a `NumericError` when `vectors` holds NaN or ±Inf. @defaultValue `true` */
  readonly checkFinite?: boolean;
  /**
   * Backend of the centroid-update kernel `accumulate` (O(n·d), cheap next to the O(n·k·d) assignment).
   * By default it follows the assignment backend when that is `'js'` or ONNX Runtime on the CPU: ORT's CPU
   * scatter runs single-threaded, adds rows in index order and so returns sums bitwise equal to the `'js'`
   * kernel (tested), 1.5–1.8× faster (measured for 1k–200k rows × 64, k = 256: 1.5 ms vs 2.4 ms at 20k rows).
   * On any other device or backend it stays on `'js'`: their summation order is not known to be fixed (a
   * multi-threaded or GPU scatter-add sums in a run-dependent order, which made seeded runs differ in the last
   * float32 bit and then in their assignments while ORT's CPU scatter was still multi-threaded).
   * @defaultValue the assignment backend if it is `'js'` or `'onnx'` on the CPU, else `'js'`
   */
  readonly accumulateBackend?: BackendOption['backend'];
  /**
   * Backend of the k-means++ D² updates `D(x_i) ← min(D(x_i), ‖x_i − c_new‖²)`, O(sample·d) work per chosen
   * centre. With `localTrials: 1`:
   * - `'js'`: one fused pass per centre that updates the D² array in place, skipping rows the triangle
   *   inequality proves unchanged (`‖c_new − c_owner‖ ≥ 2·D(x_i)`) and stopping each distance once its partial
   *   sum reaches `D(x_i)²`;
   * - ONNX Runtime on the CPU: one float32 `Gemm` per centre (the sample, centred once, times the new centre)
   *   screens out every row whose distance provably cannot drop below `D(x_i)²` (a proven float32 error bound);
   *   the others get the exact distance of the fused pass — the new centre improves about `sample/j` rows;
   * - any other backend: one `nearest` call against the single new centre.
   * All three choose the same centres for the same seed (tested).
   * @defaultValue the assignment backend if it is `'onnx'` on the CPU, else `'js'`
   */
  readonly seedingBackend?: BackendOption['backend'];
}

/** Result of {@link kmeans}. */
export interface KMeansResult {
  /** `[k, d]` final centroids. */
  readonly centroids: Matrix;
  /** `[n]` index of the nearest final centroid of each row. */
  readonly assignments: Int32Array;
  /** `[n]` squared distance of each row to its assigned centroid. */
  readonly distances: Float32Array;
  /** `Σ distances` (float64 sum). */
  readonly inertia: number;
  /** Iterations run (epochs in mini-batch mode). */
  readonly iterations: number;
  /** Whether the tolerance (or an unchanged assignment) stopped the run before `maxIterations`. */
  readonly converged: boolean;
  /** Inertia after each iteration; `history[0]` is the inertia of the initial centroids. */
  readonly history: readonly number[];
  /** Total dead codes re-seeded (mini-batch mode). */
  readonly deadCodeResets: number;
  /** Total empty clusters met across Lloyd updates (before the policy ran). */
  readonly emptyClusterEvents: number;
}

/** Resolved options (internal). */
interface Resolved {
  init: KMeansInit;
  initSampleSize: number;
  localTrials: number;
  maxIterations: number;
  tolerance: number;
  seed: number;
  emptyClusters: EmptyClusterPolicy;
  mode: KMeansMode;
  batchSize: number;
  decay: number;
  deadCodeThreshold: number;
  onIteration: ((info: KMeansIterationInfo) => void) | undefined;
  checkFinite: boolean;
  backend: BackendOption['backend'];
  accumulateBackend: BackendOption['backend'];
  seedingBackend: BackendOption['backend'];
}

const FN = 'kmeans';

function resolveOptions(k: number, options: KMeansOptions): Resolved {
  if (options === null || typeof options !== 'object') throw typeError(FN, 'options', 'an object', options);
  const r: Resolved = {
    init: options.init ?? 'kmeans++',
    initSampleSize: options.initSampleSize ?? 32 * k,
    localTrials: options.localTrials ?? 1,
    maxIterations: options.maxIterations ?? 25,
    tolerance: options.tolerance ?? 1e-4,
    seed: options.seed ?? 1234,
    emptyClusters: options.emptyClusters ?? 'farthest',
    mode: options.mode ?? 'lloyd',
    batchSize: options.batchSize ?? 1024,
    decay: options.decay ?? 0.99,
    deadCodeThreshold: options.deadCodeThreshold ?? 20,
    onIteration: options.onIteration,
    checkFinite: options.checkFinite ?? true,
    backend: options.backend,
    accumulateBackend: options.accumulateBackend,
    seedingBackend: options.seedingBackend,
  };
  assertPositiveInteger(FN, 'options.initSampleSize', r.initSampleSize);
  assertPositiveInteger(FN, 'options.localTrials', r.localTrials);
  assertNonNegativeInteger(FN, 'options.maxIterations', r.maxIterations);
  assertFiniteNumber(FN, 'options.tolerance', r.tolerance, { min: 0 });
  assertNonNegativeInteger(FN, 'options.seed', r.seed);
  assertOneOf(FN, 'options.emptyClusters', r.emptyClusters, ['keep', 'farthest', 'split'] as const);
  assertOneOf(FN, 'options.mode', r.mode, ['lloyd', 'minibatch'] as const);
  assertPositiveInteger(FN, 'options.batchSize', r.batchSize);
  assertFiniteNumber(FN, 'options.decay', r.decay, { min: 0, max: 1, maxExclusive: true });
  assertNonNegativeInteger(FN, 'options.deadCodeThreshold', r.deadCodeThreshold);
  if (r.onIteration !== undefined && typeof r.onIteration !== 'function') {
    throw typeError(FN, 'options.onIteration', 'a function', r.onIteration);
  }
  if (typeof r.checkFinite !== 'boolean') throw typeError(FN, 'options.checkFinite', 'a boolean', r.checkFinite);
  return r;
}

/**
 * Seeded k-means over the rows of `vectors`, minimising the inertia `Σ_i min_j ‖x_i − c_j‖²`.
 *
 * - **Initialisation**: k-means++ (Arthur & Vassilvitskii 2007: first centre uniform, each next centre
 *   drawn with probability `D(x)² / Σ D²`, `D` = distance to the nearest chosen centre), `'random'`
 *   (k distinct rows), or explicit centroids.
 * - **Lloyd** (`mode: 'lloyd'`): assign every row to its nearest centroid, move each centroid to the
 *   mean of its rows, repeat until no assignment changes, the relative inertia decrease is `≤ tolerance`,
 *   or `maxIterations`; empty clusters follow `emptyClusters`.
 * - **Mini-batch EMA** (`mode: 'minibatch'`): per shuffled batch, `N_j ← γN_j + (1−γ)n_j`,
 *   `m_j ← γm_j + (1−γ)Σ_{i∈batch, z_i=j} x_i`, `c_j = m_j / Ñ_j` with Laplace smoothing
 *   `Ñ_j = (N_j + ε)/(ΣN + kε)·ΣN`, ε = 1e-5; stats start at `N_j = B/k`, `m_j = c_j·B/k`. A code
 *   unused for `deadCodeThreshold` consecutive batches is re-seeded with the batch row of largest
 *   reconstruction error `argmax_i ‖x_i − c_{z_i}‖²` (distinct rows for several dead codes).
 *
 * The returned `assignments`, `distances` and `inertia` always refer to the returned centroids.
 * Deterministic for a given seed and backend.
 *
 * @param vectors - training rows `[n, d]` (any {@link MatrixLike}).
 * @param k - number of centroids, `1 ≤ k ≤ n`.
 * @param options - see {@link KMeansOptions}.
 * @returns centroids, assignments, inertia and the per-iteration inertia history.
 * @throws TypeError for a non-matrix or non-object options; RangeError for `k` not a positive integer,
 *   `k > n`, or an invalid option value; `NumericError` when `vectors` holds NaN/Inf.
 * @example
 * ```ts
 * const r = await kmeans([[0, 0], [0, 1], [10, 10], [10, 11]], 2, { seed: 1 });
 * // r.centroids.data = [0, 0.5, 10, 10.5] (in some order), r.inertia = 1
 * ```
 */
export async function kmeans(vectors: MatrixLike, k: number, options: KMeansOptions = {}): Promise<KMeansResult> {
  assertPositiveInteger(FN, 'k', k);
  const opts = resolveOptions(k, options);
  const X = toMatrix(vectors, 'vectors', FN, { checkFinite: opts.checkFinite });
  const [n, d] = X.dims as [number, number];
  if (n < k) {
    throw rangeError(FN, 'vectors', `at least k = ${k} rows`, raw(`${n} rows`), 'Lower k or provide more training vectors.');
  }
  if (n < 39 * k) {
    log(
      'warning',
      () => `${FN}: ${n} training rows for k = ${k} are fewer than 39 per centroid (faiss's min_points_per_centroid); please provide at least ${39 * k} rows for good codebooks.`,
    );
  }
  if (opts.accumulateBackend === undefined || opts.seedingBackend === undefined) {
    // the helpers' defaults follow the assignment backend where their results are known to be bitwise the js ones
    const b = await resolveBackend(opts.backend);
    // accumulate: ORT's CPU scatter adds rows in index order, as the js reference
    opts.accumulateBackend ??= b.name === 'js' || isOnnxCpu(b) ? b : 'js';
    // seeding: ORT's CPU float32 Gemm screen obeys the error bound of screenedD2Update
    opts.seedingBackend ??= isOnnxCpu(b) ? b : 'js';
  }
  const rng = new Random(opts.seed);
  const C = await initialCentroids(X, k, opts, rng);
  if (C.length !== k * d) throw rangeError(FN, 'options.init', `centroids of shape [${k}, ${d}]`, raw(`${C.length / d} rows`));
  return opts.mode === 'lloyd' ? lloyd(X, C, k, opts, rng) : miniBatch(X, C, k, opts, rng);
}

/** Whether `b` is ONNX Runtime on the CPU. */
function isOnnxCpu(b: TensorBackend): boolean {
  return b.name === 'onnx' && b.info().device === 'cpu';
}

/** Initial centroids `[k, d]` as a fresh Float32Array. */
async function initialCentroids(X: Matrix, k: number, opts: Resolved, rng: Random): Promise<Float32Array> {
  const [n, d] = X.dims as [number, number];
  const init = opts.init;
  if (init === 'random') {
    const perm = partialPermutation(n, k, rng);
    const C = new Float32Array(k * d);
    for (let j = 0; j < k; j++) C.set(X.data.subarray(perm[j]! * d, perm[j]! * d + d), j * d);
    return C;
  }
  if (init === 'kmeans++') return kmeansPlusPlus(X, k, opts, rng);
  if (typeof init === 'string') throw rangeError(FN, 'options.init', "'kmeans++', 'random' or a [k, d] matrix", init);
  const M = toMatrix(init, 'options.init', FN, { checkFinite: true });
  if (M.dims[0] !== k || M.dims[1] !== d) {
    throw rangeError(FN, 'options.init', `of shape [${k}, ${d}]`, raw(`[${M.dims.join(', ')}]`));
  }
  return Float32Array.from(M.data);
}

/** First `m` entries of a seeded Fisher–Yates permutation of `0..n-1`. */
function partialPermutation(n: number, m: number, rng: Random): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rng.random() * (n - i));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a.subarray(0, m);
}

/** k-means++ by D² sampling over a seeded sample of at most `initSampleSize` rows. */
async function kmeansPlusPlus(X: Matrix, k: number, opts: Resolved, rng: Random): Promise<Float32Array> {
  const [n, d] = X.dims as [number, number];
  let S: Matrix = X;
  if (n > opts.initSampleSize && opts.initSampleSize >= k) {
    const idx = partialPermutation(n, opts.initSampleSize, rng);
    const data = new Float32Array(idx.length * d);
    for (let i = 0; i < idx.length; i++) data.set(X.data.subarray(idx[i]! * d, idx[i]! * d + d), i * d);
    S = new Tensor('float32', data, [idx.length, d]);
  }
  const m = S.dims[0]!;
  const C = new Float32Array(k * d);
  const best = new Float64Array(m).fill(Infinity);
  const nearestOpts = { backend: opts.seedingBackend, checkFinite: false } as const;
  const distanceTo = async (row: number): Promise<Float32Array> =>
    (await nearest(S, new Tensor('float32', S.data.subarray(row * d, row * d + d), [1, d]), nearestOpts)).distance;
  const draw = (total: number): number => {
    if (!(total > 0)) return Math.floor(rng.random() * m); // all remaining rows coincide with chosen centres
    let u = rng.random() * total;
    for (let i = 0; i < m; i++) {
      u -= best[i]!;
      if (u < 0) return i;
    }
    return m - 1;
  };
  let pick = Math.floor(rng.random() * m);
  /** Plain D² sampling: draws centre `j` (the first one is already drawn) and copies it into `C`. */
  const drawCentre = (j: number): number => {
    if (j > 0) {
      let total = 0;
      for (let i = 0; i < m; i++) total += best[i]!;
      pick = draw(total);
    }
    C.set(S.data.subarray(pick * d, pick * d + d), j * d);
    return pick;
  };
  const seeding = await resolveBackend(opts.seedingBackend);
  if (opts.localTrials === 1 && isOnnxCpu(seeding)) {
    // one Gemm-screened pass per new centre (see screenedD2Update): the same values as the fused pass below
    const screen = d2Screen(S.data, m, d);
    const Xs = new Tensor('float32', screen.xs, [m, d]);
    for (let j = 0; j < k; j++) {
      const p = drawCentre(j);
      const b = screen.xs.subarray(p * d, p * d + d);
      const dot = (await matMul(Xs, new Tensor('float32', b, [d, 1]), { backend: seeding })).data;
      screenedD2Update(S.data, m, d, C, j, best, screen, b, dot);
    }
    return C;
  }
  if (opts.localTrials === 1 && seeding.name === 'js') {
    // one fused pass per new centre over the D² array, in place (see fusedD2Update): the same values as the
    // `nearest` calls below, so the same seeds
    const owner = new Int32Array(m).fill(-1);
    const gap = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      drawCentre(j);
      fusedD2Update(S.data, m, d, C, j, best, owner, gap);
    }
    return C;
  }
  for (let j = 0; j < k; j++) {
    if (j > 0) {
      let total = 0;
      for (let i = 0; i < m; i++) total += best[i]!;
      if (opts.localTrials === 1) {
        pick = draw(total);
      } else {
        // greedy k-means++ (scikit-learn, ml-kmeans): keep the candidate that lowers the potential most
        let bestPot = Infinity;
        let bestDist: Float32Array | null = null;
        for (let t = 0; t < opts.localTrials; t++) {
          const cand = draw(total);
          const dist = await distanceTo(cand);
          let pot = 0;
          for (let i = 0; i < m; i++) pot += Math.min(best[i]!, dist[i]!);
          if (pot < bestPot) {
            bestPot = pot;
            bestDist = dist;
            pick = cand;
          }
        }
        C.set(S.data.subarray(pick * d, pick * d + d), j * d);
        for (let i = 0; i < m; i++) if (bestDist![i]! < best[i]!) best[i] = bestDist![i]!;
        continue;
      }
    }
    C.set(S.data.subarray(pick * d, pick * d + d), j * d);
    const distance = await distanceTo(pick);
    for (let i = 0; i < m; i++) if (distance[i]! < best[i]!) best[i] = distance[i]!;
  }
  return C;
}

/**
 * `best[i] ← min(best[i], fl32(‖x_i − c_j‖²))` for the new centre `c_j = C[j]`, exactly as the `'js'` `nearest`
 * kernel computes the distance (float64 differences, the fixed summation order of `nearest_exact.ts`, rounded to float32), with two
 * exact shortcuts:
 * - the triangle inequality (Elkan): with `a = owner[i]` the chosen centre that set `best[i]`,
 *   `‖c_j − c_a‖ ≥ 2√best[i]·(1 + 10⁻⁶)` implies `‖x_i − c_j‖² > best[i]·(1 + 10⁻⁶)`, beyond every rounding
 *   error, so the row cannot change;
 * - partial sums: the float64 sum of squares only grows, so once it reaches `best[i]` (a float32 value) the
 *   rounded total cannot be below it.
 * `gap[a]` receives `‖c_j − c_a‖` for `a < j`.
 * @internal
 */
function fusedD2Update(
  X: Float32Array,
  m: number,
  d: number,
  C: Float32Array,
  j: number,
  best: Float64Array,
  owner: Int32Array,
  gap: Float64Array,
): void {
  const co = j * d;
  for (let a = 0; a < j; a++) {
    let s = 0;
    for (let t = 0; t < d; t++) {
      const e = C[co + t]! - C[a * d + t]!;
      s += e * e;
    }
    gap[a] = Math.sqrt(s);
  }
  const SAFE = 2 * (1 + 1e-6);
  for (let i = 0; i < m; i++) {
    const b = best[i]!;
    const a = owner[i]!;
    if (a >= 0 && gap[a]! >= SAFE * Math.sqrt(b)) continue;
    if (lowerD2(X, i, d, C, co, best)) owner[i] = j;
  }
}

/**
 * The exact step of both D² updates: `best[i] ← fl32(‖x_i − c‖²)` when that is lower (`c` at offset `co` of `C`),
 * the distance summed as the `'js'` `nearest` kernel does and abandoned once its partial sum reaches `best[i]`.
 * @returns whether `best[i]` changed.
 */
function lowerD2(X: Float32Array, i: number, d: number, C: Float32Array, co: number, best: Float64Array): boolean {
  const b = best[i]!;
  const s = squaredDistanceBelow(X, i * d, C, co, d, b);
  if (s >= b) return false;
  const v = Math.fround(s);
  if (!(v < b)) return false;
  best[i] = v;
  return true;
}

/** @internal The sample centred once per seeding run for {@link screenedD2Update}. */
export interface D2Screen {
  /** `[m, d]` `fl32(x_i − μ)`, μ = the sample mean rounded to float32. */
  readonly xs: Float32Array;
  /** `‖x_i − μ‖²` summed in float64. */
  readonly aa: Float64Array;
  /** An upper bound of `‖x_i − μ‖`. */
  readonly A: Float64Array;
}

/** @internal The {@link D2Screen} of the `[m, d]` sample `X`. */
export function d2Screen(X: Float32Array, m: number, d: number): D2Screen {
  const mu = columnMeans(X, m, d);
  for (let t = 0; t < d; t++) mu[t] = Math.fround(mu[t]!);
  const xs = new Float32Array(m * d);
  const aa = new Float64Array(m);
  const A = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let t = 0; t < d; t++) {
      const e = X[i * d + t]! - mu[t]!;
      xs[i * d + t] = e;
      s += e * e;
    }
    aa[i] = s;
    A[i] = Math.sqrt(s) * (1 + 1e-12);
  }
  return { xs, aa, A };
}

/**
 * {@link fusedD2Update} with a Gemm screen: `dot = xs · b` (float32, any summation order, with or without FMA)
 * gives `D̂_i = ‖a_i‖² + ‖b‖² − 2·dot_i ≈ ‖x_i − c_j‖²` (a_i = x_i − μ, b = c_j − μ), whose error is at most
 * `E_i = (d + 5)·u·(B² + 2·A_i·B)` (u = 2⁻²⁴: rounding of `a_i` and `b` to float32, `γ_d·‖a‖‖b‖` of the dot
 * product) plus `(2d + 8)·2⁻⁵³·(A_i + B)²` for the float64 norms, the float64 sums of the reference distance and
 * the additions here (A_i ≥ ‖a_i‖, B ≥ ‖b‖), times 1.05 for the `(1 + u)` factors. A row with
 * `D̂_i − E_i ≥ best[i]` cannot change (the reference distance is ≥ best[i]); every other row gets the exact
 * distance, as in the fused pass. So `best` ends bitwise equal to the fused pass, with exact work only for rows
 * the new centre may improve (about m/j of them for the j-th centre).
 * @internal
 */
export function screenedD2Update(
  X: Float32Array,
  m: number,
  d: number,
  C: Float32Array,
  j: number,
  best: Float64Array,
  screen: D2Screen,
  b: Float32Array,
  dot: Float32Array,
): void {
  const { aa, A } = screen;
  let bb = 0;
  for (let t = 0; t < d; t++) bb += b[t]! * b[t]!;
  const B = Math.sqrt(bb) * (1 + 1e-6);
  const e32 = 1.05 * (d + 5) * U32;
  const e64 = 1.05 * (2 * d + 8) * U64;
  const co = j * d;
  for (let i = 0; i < m; i++) {
    const bi = best[i]!;
    const Ai = A[i]!;
    const margin = e32 * (B * B + 2 * Ai * B) + e64 * (Ai + B) * (Ai + B);
    if (aa[i]! + bb - 2 * dot[i]! - margin >= bi) continue; // NaN (non-finite data) falls through to the exact path
    lowerD2(X, i, d, C, co, best);
  }
}

function sum(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

/**
 * Full assignment passes of `X` to `[k, d]` centroids, written in turn into two `[n]` index/distance pairs: the
 * current and the next assignment are both alive while rows are compared, the one before is not. A run reuses
 * the pairs instead of leaving a fresh pair per pass for the garbage collector.
 */
function assigner(X: Matrix, k: number, d: number, backend: BackendOption['backend']): (C: Float32Array) => Promise<NearestResult> {
  const n = X.dims[0]!;
  const pairs = [nearestBuffers(n), nearestBuffers(n)] as const;
  let turn = 0;
  return (C) => {
    const out = pairs[turn]!;
    turn ^= 1;
    return nearestInto(X, new Tensor('float32', C, [k, d]), out, backend);
  };
}

async function lloyd(X: Matrix, C: Float32Array, k: number, opts: Resolved, rng: Random): Promise<KMeansResult> {
  const d = X.dims[1]!;
  const assign = assigner(X, k, d, opts.backend);
  let { index, distance } = await assign(C);
  let inertia = sum(distance);
  const history = [inertia];
  opts.onIteration?.({ iteration: 0, inertia, changed: index.length, emptyClusters: 0, deadCodeResets: 0, mode: 'lloyd' });
  let converged = false;
  let iterations = 0;
  let emptyEvents = 0;
  for (let it = 1; it <= opts.maxIterations; it++) {
    const { sums, counts } = await accumulate(X, index, k, { backend: opts.accumulateBackend, checkFinite: false });
    let empty = 0;
    for (let j = 0; j < k; j++) {
      const c = counts[j]!;
      if (c > 0) {
        const inv = 1 / c;
        for (let t = 0; t < d; t++) C[j * d + t] = sums[j * d + t]! * inv;
      } else empty++;
    }
    if (empty > 0) {
      emptyEvents += empty;
      handleEmpty(X, C, counts, distance, k, d, opts.emptyClusters, rng);
    }
    const next = await assign(C);
    let changed = 0;
    for (let i = 0; i < index.length; i++) if (next.index[i] !== index[i]) changed++;
    const newInertia = sum(next.distance);
    history.push(newInertia);
    iterations = it;
    opts.onIteration?.({ iteration: it, inertia: newInertia, changed, emptyClusters: empty, deadCodeResets: 0, mode: 'lloyd' });
    const decrease = inertia > 0 ? (inertia - newInertia) / inertia : 0;
    index = next.index;
    distance = next.distance;
    inertia = newInertia;
    if (changed === 0 && empty === 0) {
      converged = true;
      break;
    }
    if (opts.tolerance > 0 && decrease <= opts.tolerance && empty === 0) {
      converged = true;
      break;
    }
  }
  return {
    centroids: new Tensor('float32', C, [k, d]),
    assignments: index,
    distances: distance,
    inertia,
    iterations,
    converged,
    history,
    deadCodeResets: 0,
    emptyClusterEvents: emptyEvents,
  };
}

/** Applies the empty-cluster policy in place (`counts` is updated for `'split'`). */
function handleEmpty(
  X: Matrix,
  C: Float32Array,
  counts: Int32Array,
  distance: Float32Array,
  k: number,
  d: number,
  policy: EmptyClusterPolicy,
  rng: Random,
): void {
  if (policy === 'keep') return;
  const empties: number[] = [];
  for (let j = 0; j < k; j++) if (counts[j] === 0) empties.push(j);
  if (policy === 'farthest') {
    // Rows by decreasing distance to their (previous) centroid; each empty cluster takes the next one.
    const order = Array.from({ length: distance.length }, (_, i) => i).sort((a, b) => distance[b]! - distance[a]! || a - b);
    empties.forEach((j, e) => {
      const i = order[e % order.length]!;
      C.set(X.data.subarray(i * d, i * d + d), j * d);
    });
    return;
  }
  // 'split' (faiss Clustering): pick a cluster with probability ∝ (size − 1), split it symmetrically.
  const EPS = 1 / 1024;
  const n = distance.length;
  for (const ci of empties) {
    let cj = 0;
    for (;;) {
      const p = rng.random() * (n - k);
      let acc = 0;
      cj = k - 1;
      for (let j = 0; j < k; j++) {
        acc += Math.max(0, counts[j]! - 1);
        if (p < acc) {
          cj = j;
          break;
        }
      }
      if (counts[cj]! > 1) break;
    }
    for (let t = 0; t < d; t++) {
      const v = C[cj * d + t]!;
      if (t % 2 === 0) {
        C[ci * d + t] = v * (1 + EPS);
        C[cj * d + t] = v * (1 - EPS);
      } else {
        C[ci * d + t] = v * (1 - EPS);
        C[cj * d + t] = v * (1 + EPS);
      }
    }
    counts[ci] = Math.floor(counts[cj]! / 2);
    counts[cj] = counts[cj]! - counts[ci]!;
  }
}

async function miniBatch(X: Matrix, C: Float32Array, k: number, opts: Resolved, rng: Random): Promise<KMeansResult> {
  const [n, d] = X.dims as [number, number];
  const B = Math.min(opts.batchSize, n);
  const gamma = opts.decay;
  const EPS = 1e-5;
  const nbar = B / k;
  const N = new Float64Array(k).fill(nbar);
  const M = new Float64Array(k * d);
  for (let i = 0; i < k * d; i++) M[i] = C[i]! * nbar;
  const idle = new Int32Array(k);
  const assign = assigner(X, k, d, opts.backend);
  let full = await assign(C);
  let inertia = sum(full.distance);
  const history = [inertia];
  opts.onIteration?.({ iteration: 0, inertia, changed: n, emptyClusters: 0, deadCodeResets: 0, mode: 'minibatch' });
  let converged = false;
  let iterations = 0;
  let totalResets = 0;
  const batch = new Float32Array(B * d);
  const batchOut = nearestBuffers(B);
  for (let epoch = 1; epoch <= opts.maxIterations; epoch++) {
    const perm = partialPermutation(n, n, rng);
    let resets = 0;
    for (let start = 0; start < n; start += B) {
      const rows = Math.min(B, n - start);
      for (let r = 0; r < rows; r++) {
        const i = perm[start + r]!;
        batch.set(X.data.subarray(i * d, i * d + d), r * d);
      }
      const Xb = new Tensor('float32', batch.subarray(0, rows * d), [rows, d]);
      const { index, distance } = await nearestInto(Xb, new Tensor('float32', C, [k, d]), nearestHead(batchOut, rows), opts.backend);
      const { sums, counts } = await accumulate(Xb, index, k, { backend: opts.accumulateBackend, checkFinite: false });
      let total = 0;
      for (let j = 0; j < k; j++) {
        N[j] = gamma * N[j]! + (1 - gamma) * counts[j]!;
        total += N[j]!;
        for (let t = 0; t < d; t++) M[j * d + t] = gamma * M[j * d + t]! + (1 - gamma) * sums[j * d + t]!;
        idle[j] = counts[j]! > 0 ? 0 : idle[j]! + 1;
      }
      for (let j = 0; j < k; j++) {
        const smoothed = ((N[j]! + EPS) / (total + k * EPS)) * total;
        const inv = 1 / smoothed;
        for (let t = 0; t < d; t++) C[j * d + t] = M[j * d + t]! * inv;
      }
      if (opts.deadCodeThreshold > 0) {
        const dead: number[] = [];
        for (let j = 0; j < k; j++) if (idle[j]! >= opts.deadCodeThreshold) dead.push(j);
        if (dead.length > 0) {
          const order = Array.from({ length: rows }, (_, i) => i).sort((a, b) => distance[b]! - distance[a]! || a - b);
          dead.forEach((j, e) => {
            const r = order[e % rows]!;
            for (let t = 0; t < d; t++) {
              C[j * d + t] = batch[r * d + t]!;
              M[j * d + t] = batch[r * d + t]! * nbar;
            }
            N[j] = nbar;
            idle[j] = 0;
          });
          resets += dead.length;
        }
      }
    }
    totalResets += resets;
    const next = await assign(C);
    let changed = 0;
    for (let i = 0; i < n; i++) if (next.index[i] !== full.index[i]) changed++;
    const newInertia = sum(next.distance);
    history.push(newInertia);
    iterations = epoch;
    opts.onIteration?.({ iteration: epoch, inertia: newInertia, changed, emptyClusters: 0, deadCodeResets: resets, mode: 'minibatch' });
    const decrease = inertia > 0 ? (inertia - newInertia) / inertia : 0;
    full = next;
    inertia = newInertia;
    if (opts.tolerance > 0 && Math.abs(decrease) <= opts.tolerance) {
      converged = true;
      break;
    }
  }
  return {
    centroids: new Tensor('float32', C, [k, d]),
    assignments: full.index,
    distances: full.distance,
    inertia,
    iterations,
    converged,
    history,
    deadCodeResets: totalResets,
    emptyClusterEvents: 0,
  };
}
