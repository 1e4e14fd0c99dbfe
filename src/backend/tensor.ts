/**
 * The `Tensor` value type (a typed array + shape) and the matrix interop used at every public boundary.
 *
 * @packageDocumentation
 */
import type { NdArray } from 'ndarray';
import { NumericError, rangeError, raw, typeError } from '../errors.js';

/** Element types used by gr2 kernels. No `int64` crosses the API: ONNX graphs cast to `int32` inside. */
export type DType = 'float32' | 'int32';

/** The typed array of each {@link DType}. */
export interface DataTypeMap {
  float32: Float32Array;
  int32: Int32Array;
}

/**
 * An immutable host-resident tensor: a contiguous, row-major typed array and its dimensions.
 *
 * @example
 * ```ts
 * const t = new Tensor('float32', new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
 * t.size;   // 6
 * t.dims;   // [2, 3]
 * ```
 */
export class Tensor<D extends DType = DType> {
  readonly dims: readonly number[];
  readonly size: number;

  constructor(
    readonly dtype: D,
    readonly data: DataTypeMap[D],
    dims: readonly number[],
  ) {
    let size = 1;
    for (const d of dims) {
      if (!Number.isInteger(d) || d < 0) throw rangeError('Tensor', 'dims', 'non-negative integers', raw(`[${dims.join(', ')}]`));
      size *= d;
    }
    if (size !== data.length) {
      throw rangeError('Tensor', 'data', `of length ${size} for dims [${dims.join(', ')}]`, raw(`length ${data.length}`));
    }
    this.dims = Object.freeze([...dims]);
    this.size = size;
  }

  /** Rows of a rank-2 tensor (first dimension). */
  get rows(): number {
    return this.dims[0] ?? 1;
  }

  /** Columns of a rank-2 tensor (last dimension). */
  get cols(): number {
    return this.dims[this.dims.length - 1] ?? 1;
  }
}

/** A float32 matrix `[rows, cols]`. */
export type Matrix = Tensor<'float32'>;

/**
 * Anything the library accepts where it takes a matrix:
 * - a {@link Tensor} of rank 2,
 * - `{data: Float32Array, shape: [rows, cols]}` (also `Float64Array` or `number[]` data),
 * - an `ndarray` view of rank 2 (any strides; copied when not contiguous),
 * - `number[][]` (rows of equal length).
 */
export type MatrixLike =
  | Tensor
  | { readonly data: Float32Array | Float64Array | readonly number[]; readonly shape: readonly [number, number] | readonly number[] }
  | NdArray
  | readonly (readonly number[])[]
  | readonly Float32Array[];

function isNdArray(x: unknown): x is NdArray {
  return (
    typeof x === 'object' &&
    x !== null &&
    'stride' in x &&
    'shape' in x &&
    'offset' in x &&
    typeof (x as NdArray).get === 'function'
  );
}

/**
 * @internal
 * Converts a {@link MatrixLike} into a contiguous float32 {@link Matrix}. Zero-copy for `Float32Array`
 * inputs and contiguous `ndarray` views over a `Float32Array`.
 *
 * @param x - the matrix.
 * @param name - the argument name used in error messages.
 * @param fn - the public function name used in error messages.
 * @param options - `checkFinite` (default `false`) throws {@link NumericError} on the first NaN/Inf, naming the row.
 * @throws TypeError for an unsupported value, RangeError for ragged rows or a wrong rank.
 *
 * @example
 * ```ts
 * toMatrix([[1, 2], [3, 4]], 'x', 'nearest').dims; // [2, 2]
 * ```
 */
export function toMatrix(x: MatrixLike, name: string, fn: string, options?: { checkFinite?: boolean }): Matrix {
  let out: Matrix;
  if (x instanceof Tensor) {
    if (x.dims.length !== 2) throw rangeError(fn, name, 'a rank-2 tensor', raw(`dims [${x.dims.join(', ')}]`));
    out = x.dtype === 'float32' ? (x as Matrix) : new Tensor('float32', Float32Array.from(x.data), x.dims);
  } else if (isNdArray(x)) {
    if (x.shape.length !== 2) throw rangeError(fn, name, 'a rank-2 ndarray', raw(`shape [${x.shape.join(', ')}]`));
    const [r, c] = x.shape as [number, number];
    const contiguous = x.stride[1] === 1 && x.stride[0] === c;
    if (contiguous && x.data instanceof Float32Array) {
      out = new Tensor('float32', x.data.subarray(x.offset, x.offset + r * c), [r, c]);
    } else {
      const data = new Float32Array(r * c);
      for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) data[i * c + j] = x.get(i, j) as number;
      out = new Tensor('float32', data, [r, c]);
    }
  } else if (Array.isArray(x)) {
    const rows = x as readonly (ArrayLike<number>)[];
    const r = rows.length;
    const c = r === 0 ? 0 : (rows[0]?.length ?? -1);
    const data = new Float32Array(r * Math.max(c, 0));
    for (let i = 0; i < r; i++) {
      const row = rows[i];
      if (row == null || typeof row !== 'object' || row.length === undefined) {
        throw typeError(fn, `${name}[${i}]`, 'an array of numbers', row);
      }
      if (row.length !== c) throw rangeError(fn, name, `rows of equal length ${c}`, raw(`row ${i} of length ${row.length}`));
      for (let j = 0; j < c; j++) data[i * c + j] = row[j]!;
    }
    out = new Tensor('float32', data, [r, c]);
  } else if (typeof x === 'object' && x !== null && 'data' in x && 'shape' in x) {
    const { data, shape } = x as { data: unknown; shape: readonly number[] };
    if (shape.length !== 2) throw rangeError(fn, `${name}.shape`, '[rows, cols]', raw(`[${shape.join(', ')}]`));
    const [r, c] = shape as [number, number];
    if (!(data instanceof Float32Array || data instanceof Float64Array || Array.isArray(data))) {
      throw typeError(fn, `${name}.data`, 'a Float32Array, Float64Array or number[]', data);
    }
    if (data.length !== r * c) {
      throw rangeError(fn, `${name}.data`, `of length rows*cols = ${r * c}`, raw(`length ${data.length}`));
    }
    out = new Tensor('float32', data instanceof Float32Array ? data : Float32Array.from(data), [r, c]);
  } else {
    throw typeError(fn, name, 'a Tensor, {data, shape}, an ndarray or number[][]', x);
  }
  if (options?.checkFinite) assertFinite(out, name, fn);
  return out;
}

/**
 * @internal
 * Throws {@link NumericError} naming the first row and column that hold NaN or ±Inf.
 *
 * @param m - the matrix to scan (one pass).
 * @param name - argument name used in the message.
 * @param fn - calling function used in the message.
 * @throws {@link NumericError} at the first non-finite value.
 * @example
 * ```ts
 * assertFinite(matrix(Float32Array.of(1, NaN), 1, 2), 'x', 'myFn');
 * // throws NumericError: "myFn: 'x' contains NaN or Inf (row 0, column 1, value NaN). …"
 * ```
 */
export function assertFinite(m: Matrix, name: string, fn: string): void {
  const { data } = m;
  const cols = m.dims[1] ?? 1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v !== 0) {
      const row = cols > 0 ? Math.floor(i / cols) : 0;
      throw new NumericError(
        `${fn}: '${name}' contains NaN or Inf (row ${row}, column ${i - row * cols}, value ${v}). ` +
          'Clean the input or pass {checkFinite: false}.',
      );
    }
  }
}

/**
 * @internal
 * Wraps a `Float32Array` as a `[rows, cols]` float32 matrix without copying, after checking its length.
 *
 * @param data - row-major values, length `rows · cols`.
 * @param rows - number of rows.
 * @param cols - number of columns.
 * @returns the matrix (a {@link Tensor} sharing `data`).
 * @throws RangeError when `data.length !== rows · cols`.
 * @example
 * ```ts
 * matrix(Float32Array.of(1, 2, 3, 4, 5, 6), 2, 3).dims;   // [2, 3]
 * ```
 */
export function matrix(data: Float32Array, rows: number, cols: number): Matrix {
  return new Tensor('float32', data, [rows, cols]);
}

/**
 * @internal
 * Converts an `Int32Array`-like into an `Int32Array` (returned as is when it already is one), checking that
 * every entry is an integer.
 *
 * @param x - an `Int32Array` or array of integers.
 * @param name - argument name used in messages.
 * @param fn - calling function used in messages.
 * @returns the integers as an `Int32Array`.
 * @throws TypeError for a non-array; RangeError naming `name[i]` for a non-integer entry.
 * @example
 * ```ts
 * toInt32([3, 1, 2], 'index', 'myFn');   // Int32Array [3, 1, 2]
 * toInt32([1.5], 'index', 'myFn');       // throws RangeError: "myFn: 'index[0]' must be an integer; got 1.5."
 * ```
 */
export function toInt32(x: ArrayLike<number>, name: string, fn: string): Int32Array {
  if (x instanceof Int32Array) return x;
  if (x == null || typeof x !== 'object' || typeof (x as ArrayLike<number>).length !== 'number') {
    throw typeError(fn, name, 'an Int32Array or number[]', x);
  }
  const out = new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!Number.isInteger(v)) throw rangeError(fn, `${name}[${i}]`, 'an integer', v);
    out[i] = v;
  }
  return out;
}
