/**
 * @internal The WebAssembly (128-bit SIMD) row kernel of `evaluateSlates` for `'average'` ties, position metrics
 * and linear gain: `slates.wat`, assembled into `slates_wasm_bytes.ts` by `npm run wasm:build`.
 *
 * Rows are copied chunk by chunk into the module's memory (scores and labels as float64: a float32 input is
 * widened exactly, as reading it in JavaScript does), the kernel writes each finished row's values, and every row
 * it leaves — no relevant item, a relevant item tied with another item, a gain shift, an invalid cell — is handed
 * back to the JavaScript loop in row order, so values and errors are those of the JavaScript loop bit for bit.
 * (A row without relevant items is finished by the kernel unless the policy is `'error'`.)
 * Where WebAssembly or SIMD is unavailable the caller runs the JavaScript loop on every row.
 *
 * @packageDocumentation
 */
import { SLATES_WASM } from './slates_wasm_bytes.js';

type RowsFn = (
  n: number,
  K: number,
  sOff: number,
  lOff: number,
  outOff: number,
  statOff: number,
  specOff: number,
  nSpecs: number,
  discOff: number,
  scr: number,
  capDen: number,
  noRelOk: number,
  noRel: number,
) => void;

/** The parts of the WebAssembly JS API used here (the Node typings declare only part of it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: Record<string, unknown> };
}

interface Kernel {
  readonly memory: WasmMemory;
  readonly rows: RowsFn;
}

let kernel: Kernel | null | undefined;
let enabled = true;

function load(): Kernel | null {
  if (kernel === undefined) {
    try {
      const bin = atob(SLATES_WASM);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const wa = (globalThis as { WebAssembly?: WasmApi }).WebAssembly!;
      const inst = new wa.Instance(new wa.Module(bytes));
      kernel = { memory: inst.exports.memory as WasmMemory, rows: inst.exports.rows as RowsFn };
    } catch {
      kernel = null; // no WebAssembly (e.g. --jitless) or no SIMD: the JavaScript loop runs every row
    }
  }
  return kernel;
}

/**
 * @internal Turns the kernel off (every row then runs through the JavaScript loop) or back on; for tests that
 * compare the two paths. Returns the previous setting.
 */
export function setSlatesWasm(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** @internal Whether the kernel is enabled and loads on this runtime. */
export function slatesWasmAvailable(): boolean {
  return enabled && load() !== null;
}

/** Score cells (and output cells per spec) per chunk: 16 Ki float64 (128 KiB), so a chunk stays in the L2 cache. */
const CHUNK_CELLS = 16384;
/** The widest slates the kernel takes: a row's relevant columns are one 64-bit mask. */
const MAX_K = 64;
/** The most module memory a call may need (it is kept for later calls): larger slates use the JavaScript loop. */
const MAX_BYTES = 16 * 1024 * 1024;

/** @internal One `evaluateSlates` call as the kernel sees it. */
export interface SlatesJob {
  /** `[n·K]` scores and labels, row-major. */
  readonly sd: Float32Array | Float64Array;
  readonly ld: Float32Array | Float64Array;
  readonly n: number;
  readonly K: number;
  /** Per spec: kernel code (0 ndcg, 1 recall, 2 precision, 3 hit, 4 mrr), positions summed by NDCG, cut k. */
  readonly codes: Int32Array;
  readonly tops: Int32Array;
  readonly cuts: Float64Array;
  /** `1 / log2(p + 2)` for `p < K` at least. */
  readonly disc: Float64Array;
  readonly capDen: boolean;
  /** The value of every metric of a row without relevant items, or `null` when such a row raises an error. */
  readonly noRelevant: number | null;
  /** Per-row values of each spec. */
  readonly outs: readonly Float64Array[];
}

const align16 = (b: number): number => (b + 15) & ~15;

/**
 * @internal Runs the kernel over every row of `job`: writes the values of the rows it finishes into `job.outs`
 * and calls `fallback(q)` for each other row, in row order. Returns `false`, having done nothing, when the
 * kernel is off or does not load, the slates are empty or wider than {@link MAX_K} columns, or a chunk would need
 * more than {@link MAX_BYTES} of module memory (or the memory cannot grow).
 */
export function slatesWasm(job: SlatesJob, fallback: (q: number) => void): boolean {
  const { sd, ld, n, K, codes, tops, cuts, disc, capDen, noRelevant, outs } = job;
  if (!enabled || n === 0 || K === 0 || K > MAX_K) return false;
  const k = load();
  if (!k) return false;
  const nSpecs = codes.length;
  const R = Math.max(1, Math.min(n, Math.floor(CHUNK_CELLS / Math.max(K, nSpecs))));
  const specOff = 0;
  const discOff = align16(16 * nSpecs);
  const scr = align16(discOff + 8 * K);
  const sOff = align16(scr + 20 * K);
  const lOff = align16(sOff + 8 * R * K);
  const outOff = align16(lOff + 8 * R * K);
  const statOff = align16(outOff + 8 * R * nSpecs);
  const bytes = statOff + 4 * R;
  if (bytes > MAX_BYTES) return false;
  if (k.memory.buffer.byteLength < bytes) {
    try {
      k.memory.grow(Math.ceil((bytes - k.memory.buffer.byteLength) / 65536));
    } catch {
      return false; // the memory cannot grow (address space exhausted): the JavaScript loop needs none
    }
  }
  const buf = k.memory.buffer;
  const f64 = new Float64Array(buf);
  const i32 = new Int32Array(buf);
  for (let m = 0; m < nSpecs; m++) {
    i32[(specOff >> 2) + 4 * m] = codes[m]!;
    i32[(specOff >> 2) + 4 * m + 1] = tops[m]!;
    f64[(specOff >> 3) + 2 * m + 1] = cuts[m]!;
  }
  f64.set(disc.subarray(0, K), discOff >> 3);
  new Uint8Array(buf, scr, 20 * K).fill(0);
  const stat = statOff >> 2;
  for (let q0 = 0; q0 < n; q0 += R) {
    const rows = Math.min(R, n - q0);
    f64.set(sd.subarray(q0 * K, (q0 + rows) * K), sOff >> 3);
    f64.set(ld.subarray(q0 * K, (q0 + rows) * K), lOff >> 3);
    k.rows(rows, K, sOff, lOff, outOff, statOff, specOff, nSpecs, discOff, scr, capDen ? 1 : 0, noRelevant === null ? 0 : 1, noRelevant ?? 0);
    for (let m = 0; m < nSpecs; m++) {
      const o = (outOff >> 3) + m * rows;
      outs[m]!.set(f64.subarray(o, o + rows), q0);
    }
    for (let r = 0; r < rows; r++) if (i32[stat + r] !== 0) fallback(q0 + r);
  }
  return true;
}
