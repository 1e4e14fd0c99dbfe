/**
 * The `'onnx'` backend object: the loaded ONNX Runtime module, the resolved execution providers, and a
 * cache of one `InferenceSession` per kernel graph.
 *
 * Kernel files (`kernels/<name>.ts`) build their graph once with {@link GraphBuilder} and run it through
 * {@link OnnxBackend.run}; the same machinery runs any model bytes (e.g. an exported encoder).
 *
 * @packageDocumentation
 */
import type * as Ort from 'onnxruntime-node';
import { BackendInitError, typeError } from '../../errors.js';
import { Tensor } from '../tensor.js';
import type { BackendInfo, TensorBackend } from '../types.js';

/** The `onnxruntime-node` module namespace. */
export type OrtModule = typeof Ort;

/** A feed value: an ONNX Runtime tensor, or a gr2 {@link Tensor} (wrapped without copying). */
export type OnnxFeed = Ort.Tensor | Tensor;

/** Builds (or loads) the bytes of an ONNX model, called at most once per session key. */
export type ModelSource = Uint8Array | (() => Uint8Array | Promise<Uint8Array>);

/**
 * An initialised ONNX Runtime backend. Obtain it with `await setBackend('onnx', options)` or
 * `await initBackend('onnx', options)`; do not construct it directly.
 *
 * @example
 * ```ts
 * const onnx = (await initBackend('onnx', { device: 'cpu' })) as OnnxBackend;
 * const out = await onnx.run('my-model', () => graph.toModel(), { x: new Tensor('float32', data, [n, 64]) });
 * out.y.data; // Float32Array
 * ```
 */
export class OnnxBackend implements TensorBackend {
  readonly name: string = 'onnx';
  private readonly sessions = new Map<string, Promise<Ort.InferenceSession>>();
  private disposed = false;

  /**
   * @param ort - the loaded `onnxruntime-node` module.
   * @param sessionOptions - options used for every session (execution providers included).
   * @param information - what {@link OnnxBackend.info} reports.
   */
  constructor(
    readonly ort: OrtModule,
    readonly sessionOptions: Readonly<Ort.InferenceSession.SessionOptions>,
    private readonly information: BackendInfo,
  ) {
    const fn = 'OnnxBackend';
    if (ort === null || typeof ort !== 'object' || typeof ort.InferenceSession?.create !== 'function' || typeof ort.Tensor !== 'function') {
      throw typeError(fn, 'ort', 'the onnxruntime-node module', ort);
    }
    if (sessionOptions === null || typeof sessionOptions !== 'object') throw typeError(fn, 'sessionOptions', 'an object', sessionOptions);
    if (information === null || typeof information !== 'object') throw typeError(fn, 'information', 'a BackendInfo object', information);
  }

  /** Device, execution providers, fallback reason and ONNX Runtime version. */
  info(): BackendInfo {
    return this.information;
  }

  /** Number of cached sessions (one per kernel graph variant used so far). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  private assertLive(fn: string): void {
    if (this.disposed) throw new BackendInitError(`OnnxBackend.${fn}: the backend was disposed; initialise a new one with setBackend('onnx').`);
  }

  /**
   * The cached session for `key`, created on first use from `model` (bytes, or a function returning
   * them). Concurrent callers share one creation; a failed creation is not cached.
   *
   * @param key - cache key, unique per graph (e.g. `'matMul:tA=0:tB=1'`).
   * @param model - the model bytes or a builder for them.
   * @param overrides - session options for this graph on top of the backend's (e.g. `{intraOpNumThreads: 1}`
   *   for a kernel that must sum in a fixed order); applied when the session is first created.
   * @throws {@link index!BackendInitError | BackendInitError} after {@link OnnxBackend.dispose}.
   */
  session(
    key: string,
    model: ModelSource,
    overrides?: Readonly<Ort.InferenceSession.SessionOptions>,
  ): Promise<Ort.InferenceSession> {
    this.assertLive('session');
    if (typeof key !== 'string') throw typeError('OnnxBackend.session', 'key', 'a string', key);
    if (!(model instanceof Uint8Array) && typeof model !== 'function') {
      throw typeError('OnnxBackend.session', 'model', 'model bytes (Uint8Array) or a function returning them', model);
    }
    let p = this.sessions.get(key);
    if (!p) {
      p = (async () => {
        const bytes = typeof model === 'function' ? await model() : model;
        return this.ort.InferenceSession.create(bytes, { ...this.sessionOptions, ...overrides });
      })();
      this.sessions.set(key, p);
      p.catch(() => {
        if (this.sessions.get(key) === p) this.sessions.delete(key);
      });
    }
    return p;
  }

  /**
   * Runs the model cached under `key` (see {@link OnnxBackend.session}) on `feeds`.
   *
   * @param key - cache key of the model.
   * @param model - the model bytes or a builder for them (used only when the session is not cached yet).
   * @param feeds - input name → tensor; gr2 {@link Tensor}s are wrapped without copying.
   * @param overrides - per-graph session options (see {@link OnnxBackend.session}).
   * @returns output name → ONNX Runtime tensor (host memory).
   */
  async run(
    key: string,
    model: ModelSource,
    feeds: Readonly<Record<string, OnnxFeed>>,
    overrides?: Readonly<Ort.InferenceSession.SessionOptions>,
  ): Promise<Record<string, Ort.Tensor>> {
    if (feeds === null || typeof feeds !== 'object') throw typeError('OnnxBackend.run', 'feeds', 'an object of input tensors', feeds);
    const session = await this.session(key, model, overrides);
    const ortFeeds: Record<string, Ort.Tensor> = {};
    for (const [name, value] of Object.entries(feeds)) ortFeeds[name] = value instanceof Tensor ? this.tensor(value) : value;
    return (await session.run(ortFeeds)) as Record<string, Ort.Tensor>;
  }

  /**
   * Wraps a gr2 {@link Tensor} (or typed array + dims) as an `ort.Tensor` sharing its buffer (no copy;
   * subarray views are honoured).
   *
   * @example
   * ```ts
   * onnx.tensor(new Tensor('float32', new Float32Array(6), [2, 3])).dims; // [2, 3]
   * ```
   */
  tensor(t: Tensor): Ort.Tensor;
  tensor(dtype: 'float32' | 'float64' | 'int32' | 'int64', data: Float32Array | Float64Array | Int32Array | BigInt64Array, dims: readonly number[]): Ort.Tensor;
  tensor(
    t: Tensor | 'float32' | 'float64' | 'int32' | 'int64',
    data?: Float32Array | Float64Array | Int32Array | BigInt64Array,
    dims?: readonly number[],
  ): Ort.Tensor {
    if (t instanceof Tensor) return new this.ort.Tensor(t.dtype, t.data, t.dims);
    if (data === undefined || dims === undefined) throw typeError('OnnxBackend.tensor', 'data', 'a typed array with dims', data);
    return new this.ort.Tensor(t as 'float32', data as Float32Array, dims);
  }

  /** Releases every cached session. The backend must not be used afterwards. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const pending = [...this.sessions.values()];
    this.sessions.clear();
    for (const p of pending) {
      try {
        await (await p).release();
      } catch {
        /* a session that failed to build has nothing to release */
      }
    }
  }
}
