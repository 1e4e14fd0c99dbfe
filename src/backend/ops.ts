/**
 * Public kernel front doors: validate once, then dispatch to the chosen backend (tfjs op/kernel split).
 *
 * @packageDocumentation
 */
import { NumericError, assertPositiveInteger, checkOptions, rangeError, raw, typeError } from '../errors.js';
import { env } from '../env.js';
import { findKernel, getKernel } from './kernel_registry.js';
import { resolveBackend } from './registry.js';
import { Tensor, assertFinite, toInt32, toMatrix, toTensor, type Matrix, type MatrixLike } from './tensor.js';
import type { AccumulateResult, BackendOption, KernelName, KernelSignatures, NearestResult, TensorBackend } from './types.js';
import type {
  FullKlKernelAttrs,
  FullKlKernelInputs,
  FullKlKernelOutput,
  PolicyLossKernelAttrs,
  PolicyLossKernelInputs,
  PolicyLossKernelOutput,
} from './kernel_contracts.js';

/** @internal The exact bounded distance of `nearest` and its screens' helpers, for code that must match the kernel bit for bit (k-means++ seeding). */
export { columnMeans, squaredDistanceBelow, U32, U64 } from './nearest_exact.js';

/**
 * Runs kernel `name` on `backend` with inputs that are already validated (the public front doors such as
 * {@link nearest} validate, then call this). With `env.debug` every float32 output is checked for NaN/Inf.
 *
 * @param backend - an initialised backend.
 * @param name - the kernel name.
 * @param inputs - the kernel's inputs (see `KernelSignatures`).
 * @param attrs - the kernel's attributes.
 * @returns the kernel's output.
 * @throws {@link index!KernelNotImplementedError | KernelNotImplementedError} when the backend lacks the kernel; {@link NumericError} for a
 *   non-finite output under `env.debug`.
 * @example
 * ```ts
 * const c = await runKernel(await resolveBackend('js'), 'matMul',
 *   { a: matrix(Float32Array.of(1, 2), 1, 2), b: matrix(Float32Array.of(3, 4), 2, 1) },
 *   { transposeA: false, transposeB: false });
 * // c.data = Float32Array [11]
 * ```
 */
export async function runKernel<K extends KernelName>(
  backend: TensorBackend,
  name: K,
  inputs: KernelSignatures[K]['inputs'],
  attrs: KernelSignatures[K]['attrs'],
): Promise<KernelSignatures[K]['output']> {
  if (backend === null || typeof backend !== 'object' || typeof backend.name !== 'string') {
    throw typeError('runKernel', 'backend', 'an initialised TensorBackend', backend);
  }
  if (typeof name !== 'string') throw typeError('runKernel', 'name', 'a kernel name', name);
  if (inputs === null || typeof inputs !== 'object') throw typeError('runKernel', 'inputs', 'an object of kernel inputs', inputs);
  const out = await getKernel(backend.name, name)(backend, inputs, attrs);
  if (env.debug) checkOutputs(name, backend.name, out);
  return out;
}

function checkOutputs(kernel: string, backend: string, out: unknown): void {
  const arrays: Float32Array[] = [];
  if (out instanceof Tensor && out.data instanceof Float32Array) arrays.push(out.data);
  else if (out && typeof out === 'object') {
    for (const v of Object.values(out)) {
      if (v instanceof Float32Array) arrays.push(v);
      else if (v instanceof Tensor && v.data instanceof Float32Array) arrays.push(v.data);
    }
  }
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      if (v - v !== 0) throw new NumericError(`debug: kernel '${kernel}' on backend '${backend}' produced ${v} at flat index ${i}.`);
    }
  }
}

/** Options of {@link nearest}. */
export interface NearestOptions extends BackendOption {
  /**
   * Rows per backend call; the `[chunk, k]` score block (float32) is the largest intermediate. The default
   * (a 4 MiB block, which stays in the caches between the `Gemm` and the reductions that read it) was the
   * fastest of 1024–8192 rows for k = 256 on the 2-core benchmark machine.
   * @defaultValue `max(64, floor(2^20 / k))` (4096 rows for k = 256)
   */
  readonly chunkSize?: number;
  /** Throw on NaN/Inf in `x` or `centroids`. @defaultValue `true` */
  readonly checkFinite?: boolean;
}

/**
 * Nearest centroid by squared Euclidean distance:
 * `index[i] = argmin_j ‖x_i − c_j‖²`, `distance[i] = min_j ‖x_i − c_j‖²` (clamped at 0).
 *
 * Memory is bounded by `chunkSize × k` for any `n`. Exact ties resolve to the lowest index.
 *
 * @param x - points `[n, d]`.
 * @param centroids - centres `[k, d]`, `k ≥ 1`.
 * @throws RangeError when the dimensions differ or `k = 0`; {@link NumericError} on NaN/Inf (unless `checkFinite: false`).
 * @example
 * ```ts
 * const { index, distance } = await nearest([[0, 0], [5, 5]], [[1, 0], [4, 4]]);
 * // index = Int32Array [0, 1], distance = Float32Array [1, 2]
 * ```
 */
export async function nearest(x: MatrixLike, centroids: MatrixLike, options: NearestOptions = {}): Promise<NearestResult> {
  checkOptions('nearest', options, ['chunkSize', 'checkFinite', 'backend']);
  const check = options.checkFinite ?? true;
  // x is checked after the kernel, from its n distances instead of its n·d values: with finite centres a
  // distance is NaN/Inf only for a row holding NaN/Inf (or for a float32 overflow, which the scan then clears)
  const X = toMatrix(x, 'x', 'nearest');
  const C = toMatrix(centroids, 'centroids', 'nearest', { checkFinite: check });
  const [, d] = X.dims as [number, number];
  const [k, dc] = C.dims as [number, number];
  if (k < 1) throw rangeError('nearest', 'centroids', 'at least one row', raw(`${k} rows`));
  if (d !== dc) throw rangeError('nearest', 'centroids', `of dimension ${d} (as x)`, raw(`dimension ${dc}`));
  const chunkSize = options.chunkSize ?? nearestChunkSize(k);
  assertPositiveInteger('nearest', 'chunkSize', chunkSize);
  if (X.dims[0] === 0) return { index: new Int32Array(0), distance: new Float32Array(0) };
  const backend = await resolveBackend(options.backend);
  const out = await runKernel(backend, 'nearest', { x: X, centroids: C }, { chunkSize });
  if (check) {
    const dist = out.distance;
    for (let i = 0; i < dist.length; i++) {
      if (dist[i]! - dist[i]! !== 0) {
        assertFinite(X, 'x', 'nearest');
        break;
      }
    }
  }
  return out;
}

/** The default `chunkSize` of {@link nearest} for `k` centres: `max(64, floor(2^20 / k))` rows. */
function nearestChunkSize(k: number): number {
  return Math.max(64, Math.floor(1_048_576 / k));
}

/**
 * {@link nearest} with the default chunk size, writing into the caller's `[n]` arrays `out` and returning them:
 * k-means and the quantizers call it pass after pass with the same buffers, so a long run does not leave a fresh
 * `[n]` pair per pass for the garbage collector (at 400k rows, about 40 MiB of peak RSS over an RQ-KMeans
 * training). `x` and `centroids` are trusted (already validated, finite or checked by the caller).
 * @throws RangeError when `out` does not hold `n` entries or the dimensions differ.
 * @internal
 */
export async function nearestInto(x: Matrix, centroids: Matrix, out: NearestResult, backend?: BackendOption['backend']): Promise<NearestResult> {
  const [n, d] = x.dims as [number, number];
  const [k, dc] = centroids.dims as [number, number];
  if (k < 1) throw rangeError('nearestInto', 'centroids', 'at least one row', raw(`${k} rows`));
  if (d !== dc) throw rangeError('nearestInto', 'centroids', `of dimension ${d} (as x)`, raw(`dimension ${dc}`));
  if (out.index.length !== n || out.distance.length !== n) {
    throw rangeError('nearestInto', 'out', `index and distance arrays of length n = ${n}`, raw(`lengths ${out.index.length} and ${out.distance.length}`));
  }
  if (n === 0) return out;
  const r = await runKernel(await resolveBackend(backend), 'nearest', { x, centroids }, { chunkSize: nearestChunkSize(k), out });
  // a kernel may ignore `out` (see KernelSignatures.nearest)
  if (r.index !== out.index) out.index.set(r.index);
  if (r.distance !== out.distance) out.distance.set(r.distance);
  return out;
}

/** @internal A fresh `[n]` index/distance pair for {@link nearestInto}. */
export function nearestBuffers(n: number): NearestResult {
  return { index: new Int32Array(n), distance: new Float32Array(n) };
}

/** @internal The first `rows` entries of `pair` (views; `pair` itself when it holds exactly `rows`). */
export function nearestHead(pair: NearestResult, rows: number): NearestResult {
  return rows === pair.index.length ? pair : { index: pair.index.subarray(0, rows), distance: pair.distance.subarray(0, rows) };
}

/** Options of {@link accumulate}. */
export interface AccumulateOptions extends BackendOption {
  /** Throw on NaN/Inf in `x`. @defaultValue `true` */
  readonly checkFinite?: boolean;
  /**
   * Rows per chunk: bounds the backend's working memory (sums carry from chunk to chunk in float64; the
   * `'onnx'` backend runs every whole chunk in one call, through a `Scan`, and the remaining rows in a second).
   * @defaultValue `max(1, floor(2^19 / d))` (8192 rows of 64: the float64 copy a backend may make of a chunk stays 4 MiB)
   */
  readonly chunkSize?: number;
}

/**
 * Per-cluster sums and counts, the core of a centroid update:
 * `sums[j] = Σ_{i: index_i = j} x_i`, `counts[j] = |{i : index_i = j}|`.
 *
 * @param x - points `[n, d]`.
 * @param index - `[n]` cluster of each point, integers in `[0, k)`.
 * @param k - number of clusters.
 * @throws RangeError when lengths differ or an index is outside `[0, k)`.
 * @example
 * ```ts
 * const { sums, counts } = await accumulate([[1, 1], [3, 3], [10, 0]], [0, 0, 1], 2);
 * // sums = [4, 4, 10, 0], counts = [2, 1]
 * ```
 */
export async function accumulate(
  x: MatrixLike,
  index: ArrayLike<number>,
  k: number,
  options: AccumulateOptions = {},
): Promise<AccumulateResult> {
  checkOptions('accumulate', options, ['chunkSize', 'checkFinite', 'backend']);
  const X = toMatrix(x, 'x', 'accumulate', { checkFinite: options.checkFinite ?? true });
  assertPositiveInteger('accumulate', 'k', k);
  if (k * X.cols > 2147483647) throw rangeError('accumulate', 'k', `at most ${Math.floor(2147483647 / Math.max(1, X.cols))} (k × cols ≤ 2^31 − 1)`, k);
  const idx = toInt32(index, 'index', 'accumulate');
  const [n, d] = X.dims as [number, number];
  if (idx.length !== n) throw rangeError('accumulate', 'index', `of length n = ${n} (rows of x)`, raw(`length ${idx.length}`));
  for (let i = 0; i < n; i++) {
    const j = idx[i]!;
    if (j < 0 || j >= k) throw rangeError('accumulate', `index[${i}]`, `in [0, ${k})`, j);
  }
  const chunkSize = options.chunkSize ?? Math.max(1, Math.floor(524_288 / Math.max(1, d)));
  assertPositiveInteger('accumulate', 'chunkSize', chunkSize);
  if (n === 0) return { sums: new Float32Array(k * d), counts: new Int32Array(k) };
  const backend = await resolveBackend(options.backend);
  return runKernel(backend, 'accumulate', { x: X, index: idx }, { k, chunkSize });
}

/** Options of {@link matMul}. */
export interface MatMulOptions extends BackendOption {
  /** Use `aᵀ`. @defaultValue `false` */
  readonly transposeA?: boolean;
  /** Use `bᵀ`. @defaultValue `false` */
  readonly transposeB?: boolean;
}

/**
 * Matrix product `op(a) · op(b)`, where `op` optionally transposes.
 *
 * @returns a float32 matrix `[rows(op(a)), cols(op(b))]`.
 * @throws RangeError when the inner dimensions differ.
 * @example
 * ```ts
 * const c = await matMul([[1, 2], [3, 4]], [[1, 0], [0, 1]], { transposeA: true });
 * // c.data = [1, 3, 2, 4]
 * ```
 */
export async function matMul(a: MatrixLike, b: MatrixLike, options: MatMulOptions = {}): Promise<Matrix> {
  checkOptions('matMul', options, ['transposeA', 'transposeB', 'backend']);
  const A = toMatrix(a, 'a', 'matMul');
  const B = toMatrix(b, 'b', 'matMul');
  const transposeA = options.transposeA ?? false;
  const transposeB = options.transposeB ?? false;
  const inner = transposeA ? A.dims[0]! : A.dims[1]!;
  const innerB = transposeB ? B.dims[1]! : B.dims[0]!;
  if (inner !== innerB) {
    throw rangeError('matMul', 'b', `of inner dimension ${inner} (from a${transposeA ? 'ᵀ' : ''})`, raw(`${innerB}`));
  }
  const rows = transposeA ? A.dims[1]! : A.dims[0]!;
  const cols = transposeB ? B.dims[0]! : B.dims[1]!;
  if (rows === 0 || cols === 0 || inner === 0) {
    return new Tensor('float32', new Float32Array(rows * cols), [rows, cols]);
  }
  const backend = await resolveBackend(options.backend);
  return runKernel(backend, 'matMul', { a: A, b: B }, { transposeA, transposeB });
}

/** Options of {@link logSoftmaxGather}. */
export interface LogSoftmaxGatherOptions extends BackendOption {
  /**
   * Rows (`b·s` positions) per backend call, bounding the memory of the per-row work.
   * @defaultValue `max(1, floor(2^24 / v))`
   */
  readonly chunkSize?: number;
}

/** Accepted logits: a rank-3 float32 {@link Tensor}, or `{data, dims: [b, s, v]}`. */
export type LogitsLike = Tensor<'float32'> | { readonly data: Float32Array; readonly dims: readonly number[] };

/**
 * Token log-probabilities from logits without materialising probabilities:
 * `out[b,s] = logits[b,s,ids[b,s]] − log Σ_v exp(logits[b,s,v])` (max-shifted log-sum-exp).
 *
 * @param logits - `[batch, seqLen, vocab]` float32.
 * @param ids - `[batch, seqLen]` token ids in `[0, vocab)`.
 * @returns `[batch, seqLen]` float32 log-probs.
 * @throws RangeError on shape mismatch or an id outside the vocabulary.
 * @example
 * ```ts
 * const logits = new Tensor('float32', new Float32Array([0, 0]), [1, 1, 2]);
 * const lp = await logSoftmaxGather(logits, [[1]]);
 * // lp.data[0] = −ln 2 = −0.6931…
 * ```
 */
export async function logSoftmaxGather(
  logits: LogitsLike,
  ids: Tensor<'int32'> | readonly (readonly number[])[] | { readonly data: Int32Array; readonly dims: readonly number[] },
  options: LogSoftmaxGatherOptions = {},
): Promise<Tensor<'float32'>> {
  const fn = 'logSoftmaxGather';
  checkOptions(fn, options, ['chunkSize', 'backend']);
  const L = toTensor(logits, 'logits', fn, { rank: 3, dtype: 'float32' });
  const [b, s, v] = L.dims as [number, number, number];
  const I = toTensor(ids, 'ids', fn, { rank: 2, dtype: 'int32' });
  if (I.dims.length !== 2 || I.dims[0] !== b || I.dims[1] !== s) {
    throw rangeError(fn, 'ids', `of shape [${b}, ${s}] (as logits)`, raw(`[${I.dims.join(', ')}]`));
  }
  for (let i = 0; i < I.data.length; i++) {
    const t = I.data[i]!;
    if (t < 0 || t >= v) throw rangeError(fn, `ids (flat ${i})`, `in [0, ${v})`, t);
  }
  if (v < 1) throw rangeError(fn, 'logits', 'a vocabulary of at least 1', raw(`vocab ${v}`));
  const chunkSize = options.chunkSize ?? Math.max(1, Math.floor(16_777_216 / v));
  assertPositiveInteger(fn, 'chunkSize', chunkSize);
  if (b * s === 0) return new Tensor('float32', new Float32Array(0), [b, s]);
  const backend = await resolveBackend(options.backend);
  return runKernel(backend, 'logSoftmaxGather', { logits: L, ids: I }, { chunkSize });
}

/**
 * The backend that runs `kernel` for a call with `options.backend`: the pinned backend (which must implement it),
 * else the active backend, or `'js'` when the active backend lacks the kernel.
 */
async function backendFor(kernel: KernelName, options: BackendOption): Promise<TensorBackend> {
  const active = await resolveBackend(options.backend);
  return options.backend === undefined && findKernel(active.name, kernel) === undefined ? resolveBackend('js') : active;
}

/**
 * @internal Front door of the `policyLoss` kernel for the `gr2/rl` losses, which validate the inputs: dispatches to
 * the pinned backend, else the active one, or `'js'` when the active backend lacks the kernel.
 */
export async function policyLossKernel(
  inputs: PolicyLossKernelInputs,
  attrs: PolicyLossKernelAttrs,
  options: BackendOption = {},
): Promise<PolicyLossKernelOutput> {
  return runKernel(await backendFor('policyLoss', options), 'policyLoss', inputs, attrs);
}

/**
 * @internal Front door of the `fullKl` kernel for `gr2/rl` `opdLoss` (inputs validated there); backend choice as
 * {@link policyLossKernel}.
 */
export async function fullKlKernel(inputs: FullKlKernelInputs, attrs: FullKlKernelAttrs, options: BackendOption = {}): Promise<FullKlKernelOutput> {
  return runKernel(await backendFor('fullKl', options), 'fullKl', inputs, attrs);
}
