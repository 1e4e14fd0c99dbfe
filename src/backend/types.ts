/**
 * Contracts of the tensor backend: backends, kernels and their signatures.
 *
 * A backend is a named set of fused kernels. Each kernel is declared once in {@link KernelSignatures}
 * (inputs, attributes, output), validated once in `ops.ts`, and implemented by one file per backend
 * (`js/kernels/<name>.ts`, `onnx/kernels/<name>.ts`).
 *
 * @packageDocumentation
 */
import type {
  FullKlKernelAttrs,
  FullKlKernelInputs,
  FullKlKernelOutput,
  PolicyLossKernelAttrs,
  PolicyLossKernelInputs,
  PolicyLossKernelOutput,
} from './kernel_contracts.js';
import type { Matrix, Tensor } from './tensor.js';

/** Names of the built-in backends; any other registered name is accepted too. */
export type BackendName = 'js' | 'onnx' | (string & {});

/** Devices of the `'onnx'` backend. `'auto'` tries CUDA and falls back to CPU with the reason logged. */
export type Device = 'auto' | 'cpu' | 'cuda';

/** What a backend reports about itself. */
export interface BackendInfo {
  /** Registered backend name, e.g. `'onnx'`. */
  readonly name: string;
  /** The device that actually runs the kernels, e.g. `'cpu'` or `'cuda'`. */
  readonly device: string;
  /** Execution providers in use, in priority order (ONNX Runtime), e.g. `['cpu']`. */
  readonly executionProviders: readonly string[];
  /** Why a requested device is not in use (e.g. the CUDA fallback reason under `'auto'`). */
  readonly fallbackReason?: string;
  /** Runtime version, e.g. the onnxruntime-node version. */
  readonly version?: string;
}

/** An initialised backend. Kernels are looked up by `(backend.name, kernelName)` in the kernel registry. */
export interface TensorBackend {
  readonly name: string;
  /** Which device / execution provider runs the kernels. */
  info(): BackendInfo;
  /** Releases native resources (sessions). The backend must not be used afterwards. */
  dispose(): Promise<void>;
}

/** Creates a backend; may be async (e.g. loading a native binding). */
export type BackendFactory<O = unknown> = (options?: O) => TensorBackend | Promise<TensorBackend>;

/** Options accepted by every public function that does numeric work. */
export interface BackendOption {
  /**
   * Pin the backend for this call: a registered name or an initialised backend.
   * @defaultValue the active backend (see `ready()` / `setBackend()`).
   */
  readonly backend?: BackendName | TensorBackend;
}

/** Result of the `nearest` kernel. */
export interface NearestResult {
  /** `[n]` index of the nearest centroid (lowest index on exact ties). */
  readonly index: Int32Array;
  /** `[n]` squared L2 distance to that centroid (clamped at 0). */
  readonly distance: Float32Array;
}

/** Result of the `accumulate` kernel. */
export interface AccumulateResult {
  /** `[k, d]` per-cluster sums of the rows assigned to each cluster, row-major. */
  readonly sums: Float32Array;
  /** `[k]` number of rows assigned to each cluster. */
  readonly counts: Int32Array;
}

/**
 * Signatures of every kernel. Later modules add kernels by adding a member here (declaration merging
 * works too: `declare module 'gr2/backend' { interface KernelSignatures { … } }`).
 */
export interface KernelSignatures {
  /** Squared-L2 nearest centroid, chunked over rows: `x[n,d]`, `centroids[k,d]` → index/distance `[n]`. */
  nearest: {
    inputs: { readonly x: Matrix; readonly centroids: Matrix };
    /**
     * `out`, when given: caller-owned `[n]` arrays the kernel writes its result into and returns (k-means reuses
     * two pairs across its passes, so a long run does not leave a fresh pair per pass for the garbage collector).
     * Their previous contents are arbitrary. A kernel that ignores `out` stays correct: the caller copies the
     * arrays it returns into `out`.
     */
    attrs: { readonly chunkSize: number; readonly out?: NearestResult };
    output: NearestResult;
  };
  /** Segment sums and counts: `x[n,d]`, `index[n]` in `[0,k)` → sums `[k,d]`, counts `[k]`. */
  accumulate: {
    inputs: { readonly x: Matrix; readonly index: Int32Array };
    attrs: { readonly k: number; readonly chunkSize: number };
    output: AccumulateResult;
  };
  /** `op(a) · op(b)` with optional transposes. */
  matMul: {
    inputs: { readonly a: Matrix; readonly b: Matrix };
    attrs: { readonly transposeA: boolean; readonly transposeB: boolean };
    output: Matrix;
  };
  /** `log softmax(logits)[b, s, ids[b,s]]` streamed over the vocabulary: `logits[b,s,v]`, `ids[b,s]` → `[b,s]`. */
  logSoftmaxGather: {
    inputs: { readonly logits: Tensor<'float32'>; readonly ids: Tensor<'int32'> };
    attrs: { readonly chunkSize: number };
    output: Tensor<'float32'>;
  };
  /**
   * Fused clipped policy-gradient loss + closed-form gradient + statistics (see `gr2/rl`).
   * Inputs `[batch·seqLen]` float arrays; output `{loss, pgLoss, klLoss, grad, stats}`.
   */
  policyLoss: {
    inputs: PolicyLossKernelInputs;
    attrs: PolicyLossKernelAttrs;
    output: PolicyLossKernelOutput;
  };
  /**
   * Fused full-vocabulary reverse KL `KL(student ‖ teacher)` per row, its gradient with respect to the student's
   * log-prob rows (scaled per row) and the row entropies (see `gr2/rl` `opdLoss`).
   * Inputs `[rows·vocab]` log-prob rows and `[rows]` mask / weights; output `{kl, entropy, grad}`.
   */
  fullKl: {
    inputs: FullKlKernelInputs;
    attrs: FullKlKernelAttrs;
    output: FullKlKernelOutput;
  };
}

/** Name of a kernel. */
export type KernelName = keyof KernelSignatures;

/** A kernel implementation for one backend. Inputs are already validated by `ops.ts`. */
export type KernelFunc<K extends KernelName, B extends TensorBackend = TensorBackend> = (
  backend: B,
  inputs: KernelSignatures[K]['inputs'],
  attrs: KernelSignatures[K]['attrs'],
) => Promise<KernelSignatures[K]['output']> | KernelSignatures[K]['output'];

/** Registration record of a kernel (tfjs `KernelConfig`). */
export interface KernelConfig<K extends KernelName = KernelName, B extends TensorBackend = TensorBackend> {
  readonly kernelName: K;
  readonly backendName: string;
  readonly kernelFunc: KernelFunc<K, B>;
}

/** A kernel config of any kernel, for lists of configs. */
export type AnyKernelConfig<B extends TensorBackend = any> = { [K in KernelName]: KernelConfig<K, B> }[KernelName];
