/**
 * Conversion of `[batch, seqLen]` token matrices (log-probs, masks, advantages) into flat float arrays.
 *
 * @packageDocumentation
 */
import { NumericError, assertFiniteNumber, rangeError, raw, typeError } from '../errors.js';
import type { Tensor } from '../backend/tensor.js';
import type { FloatArray } from '../backend/kernel_contracts.js';

/** Compute dtype of the RL kernels: `'float64'` (default, exact reference) or `'float32'` (half the memory). */
export type RlDType = 'float64' | 'float32';

/**
 * A `[batch, seqLen]` matrix of per-token values: the library's `Tensor`, `{data, dims: [batch, seqLen]}` (ONNX
 * Runtime / tfjs spelling) or `{data, shape}` (alias) with row-major `Float64Array`, `Float32Array`, `Int32Array`
 * or `number[]` data (typed data of the compute dtype is used without a copy), or `number[][]` (rows of equal
 * length).
 */
export type TokenMatrixLike =
  | readonly (readonly number[])[]
  | readonly Float64Array[]
  | readonly Float32Array[]
  | Tensor
  | { readonly data: Float64Array | Float32Array | Int32Array | readonly number[]; readonly dims: readonly number[] }
  | { readonly data: Float64Array | Float32Array | Int32Array | readonly number[]; readonly shape: readonly number[] };

/** A flat token matrix. */
export interface TokenMatrix {
  readonly data: FloatArray;
  readonly rows: number;
  readonly cols: number;
}

/** Allocates a float array of the dtype. */
export function allocFloat(dtype: RlDType, n: number): FloatArray {
  return dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
}

function matches(data: unknown, dtype: RlDType): data is FloatArray {
  return dtype === 'float32' ? data instanceof Float32Array : data instanceof Float64Array;
}

/**
 * Converts a {@link TokenMatrixLike} into a flat array of `dtype`.
 *
 * @throws TypeError for an unsupported value; RangeError for ragged rows or a length that does not match the shape.
 */
export function toTokenMatrix(x: unknown, name: string, fn: string, dtype: RlDType): TokenMatrix {
  if (Array.isArray(x)) {
    const rows = x.length;
    const first = x[0] as ArrayLike<number> | undefined;
    const cols = rows === 0 ? 0 : (first?.length ?? 0);
    const data = allocFloat(dtype, rows * cols);
    for (let i = 0; i < rows; i++) {
      const row = x[i] as ArrayLike<number> | undefined;
      if (row == null || typeof row !== 'object' || typeof row.length !== 'number') {
        throw typeError(fn, `${name}[${i}]`, 'an array of numbers', row);
      }
      if (row.length !== cols) throw rangeError(fn, name, `rows of equal length ${cols}`, raw(`row ${i} of length ${row.length}`));
      for (let j = 0; j < cols; j++) {
        const v = row[j];
        if (typeof v !== 'number') throw typeError(fn, `${name}[${i}][${j}]`, 'a number', v);
        data[i * cols + j] = v;
      }
    }
    return { data, rows, cols };
  }
  if (typeof x === 'object' && x !== null && 'data' in x && ('dims' in x || 'shape' in x)) {
    const key = 'dims' in x ? 'dims' : 'shape';
    const data = (x as { data: unknown }).data;
    const shape = (x as Record<string, unknown>)[key];
    if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw rangeError(fn, `${name}.${key}`, '[batch, seqLen] of non-negative integers', Array.isArray(shape) ? raw(`[${shape.map(String).join(', ')}]`) : shape);
    }
    const [rows, cols] = shape as [number, number];
    if (rows * cols > 2147483647) throw rangeError(fn, `${name}.${key}`, 'at most 2^31 − 1 elements', raw(`${rows * cols} elements`));
    if (!(data instanceof Float64Array || data instanceof Float32Array || data instanceof Int32Array || Array.isArray(data))) {
      throw typeError(fn, `${name}.data`, 'a Float64Array, Float32Array, Int32Array or number[]', data);
    }
    if (data.length !== rows * cols) {
      throw rangeError(fn, `${name}.data`, `of length batch·seqLen = ${rows * cols}`, raw(`length ${data.length}`));
    }
    if (matches(data, dtype)) return { data, rows, cols };
    const out = allocFloat(dtype, rows * cols);
    for (let i = 0; i < out.length; i++) {
      const v = (data as ArrayLike<unknown>)[i];
      if (typeof v !== 'number') throw typeError(fn, `${name}.data[${i}]`, 'a number', v);
      out[i] = v;
    }
    return { data: out, rows, cols };
  }
  throw typeError(fn, name, 'a Tensor, {data, dims: [batch, seqLen]}, {data, shape} or number[][]', x);
}

/** Converts a flat vector (`number[]` or a float typed array) into `dtype`. */
export function toVector(x: unknown, name: string, fn: string, dtype: RlDType): FloatArray {
  if (matches(x, dtype)) return x;
  if (typeof x === 'object' && x !== null && !ArrayBuffer.isView(x) && !Array.isArray(x) && 'data' in x && ('dims' in x || 'shape' in x)) {
    // a rank-1 Tensor or {data, dims: [n]}
    const dims = (x as Record<string, unknown>)['dims' in x ? 'dims' : 'shape'];
    const data = (x as { data: unknown }).data;
    if (!Array.isArray(dims) || dims.length !== 1 || !(Array.isArray(data) || data instanceof Float64Array || data instanceof Float32Array || data instanceof Int32Array) || data.length !== dims[0]) {
      throw typeError(fn, name, 'a number[], a float typed array or a rank-1 {data, dims}', x);
    }
    return toVector(data instanceof Int32Array ? Array.from(data) : data, name, fn, dtype);
  }
  if (Array.isArray(x) || x instanceof Float64Array || x instanceof Float32Array) {
    const out = allocFloat(dtype, x.length);
    for (let i = 0; i < x.length; i++) {
      const v = (x as ArrayLike<unknown>)[i];
      if (typeof v !== 'number') throw typeError(fn, `${name}[${i}]`, 'a number', v);
      out[i] = v;
    }
    return out;
  }
  throw typeError(fn, name, 'a number[] or float typed array', x);
}

/** Throws {@link NumericError} naming `name` and the position of the first NaN/±Inf among the masked-in entries. */
export function assertFiniteTokens(fn: string, name: string, m: TokenMatrix, mask: FloatArray | null): void {
  const { data, cols } = m;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v !== 0 && (mask === null || mask[i] !== 0)) {
      const r = cols > 0 ? Math.floor(i / cols) : 0;
      throw new NumericError(
        `${fn}: '${name}' must be finite where mask = 1; got ${v} at [${r}, ${i - r * cols}]. ` +
          'Check the log-prob computation, or pass {checkFinite: false} to skip this check.',
      );
    }
  }
}

/** Asserts that every entry of a mask is exactly 0 or 1. */
export function assertBinaryMask(fn: string, name: string, m: TokenMatrix): void {
  const { data, cols } = m;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v !== 0 && v !== 1) {
      const r = cols > 0 ? Math.floor(i / cols) : 0;
      throw rangeError(fn, name, 'a 0/1 mask', raw(`${v} at [${r}, ${i - r * cols}]`));
    }
  }
}

/** Asserts `[rows, cols]` equality with a reference shape. */
export function assertSameShape(fn: string, name: string, m: TokenMatrix, rows: number, cols: number, ref: string): void {
  if (m.rows !== rows || m.cols !== cols) {
    throw rangeError(fn, name, `of shape [${rows}, ${cols}] (as ${ref})`, raw(`[${m.rows}, ${m.cols}]`));
  }
}

/**
 * A micro-batch's global count option (`globalTokenCount`, `globalSequenceCount`): the `local` count when not
 * given, else a finite number ≥ `local`.
 *
 * @throws RangeError when the given count is not finite, negative or below `local`.
 */
export function resolveGlobalCount(fn: string, name: string, given: number | undefined, local: number, what: string): number {
  if (given === undefined) return local;
  assertFiniteNumber(fn, name, given, { min: 0 });
  if (given < local) throw rangeError(fn, name, `at least the local ${what} count ${local}`, given);
  return given;
}
