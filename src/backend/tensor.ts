/**
 * The `Tensor` value type (a typed array + shape) and the matrix interop used at every public boundary.
 *
 * @packageDocumentation
 */
import type { NdArray } from 'ndarray';
import { NumericError, describeValue, rangeError, raw, typeError } from '../errors.js';

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
    if (dtype !== 'float32' && dtype !== 'int32') throw rangeError('Tensor', 'dtype', "'float32' or 'int32'", dtype);
    const Expected = dtype === 'float32' ? Float32Array : Int32Array;
    if (!(data instanceof Expected)) throw typeError('Tensor', 'data', `an ${Expected.name} (dtype '${dtype}')`, data);
    const size = checkDims('Tensor', 'dims', dims, undefined);
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
 * Anything the library accepts where it takes a tensor (one spelling for every module):
 * - a {@link Tensor},
 * - `{data, dims}` as ONNX Runtime and tfjs spell it, or `{data, shape}` (kept as an alias), with `Float32Array`,
 *   `Float64Array`, `Int32Array` or `number[]` data, row-major,
 * - an `ndarray` view (any strides; copied when not contiguous),
 * - nested arrays (`number[][]`, rows of equal length; `Float32Array[]` rows).
 *
 * @example
 * ```ts
 * const a: TensorLike = { data: new Float32Array([1, 2, 3, 4]), dims: [2, 2] };
 * const b: TensorLike = [[1, 2], [3, 4]];
 * ```
 */
export type TensorLike =
  | Tensor
  | {
      readonly data: Float32Array | Float64Array | Int32Array | readonly number[];
      readonly dims: readonly number[];
    }
  | {
      readonly data: Float32Array | Float64Array | Int32Array | readonly number[];
      readonly shape: readonly number[];
    }
  | NdArray
  | readonly (readonly number[])[]
  | readonly Float32Array[];

/**
 * Anything the library accepts where it takes a matrix: a rank-2 {@link TensorLike}.
 *
 * @example
 * ```ts
 * const m: MatrixLike = { data: new Float32Array([1, 2, 3, 4, 5, 6]), dims: [3, 2] };
 * ```
 */
export type MatrixLike = TensorLike;

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

const MAX_ELEMENTS = 2147483647;
const FN_NAME = /^(?:new )?[A-Za-z_$][\w$.#]*$/;

/** Validates dims: non-negative integers whose product fits in 2^31 − 1 elements; returns the product. */
function checkDims(fn: string, name: string, dims: unknown, rank: number | undefined): number {
  if (!Array.isArray(dims) && !(ArrayBuffer.isView(dims) && !(dims instanceof DataView))) {
    throw typeError(fn, name, 'an array of dimensions', dims);
  }
  const d = dims as ArrayLike<unknown>;
  if (rank !== undefined && d.length !== rank) {
    throw rangeError(fn, name, rank === 2 ? '[rows, cols]' : `of rank ${rank}`, raw(`[${Array.from(d, String).join(', ')}]`));
  }
  let size = 1;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw rangeError(fn, name, 'non-negative integer dimensions', raw(`[${Array.from(d, (x) => describeValue(x)).join(', ')}]`));
    }
    size *= v;
  }
  if (size > MAX_ELEMENTS) throw rangeError(fn, name, 'at most 2^31 − 1 elements in all', raw(`${size} elements`));
  return size;
}

/** Copies nested arrays into a flat array, checking that they are rectangular (not ragged). */
function flattenNested(fn: string, name: string, x: readonly unknown[], rank: number | undefined): { data: Float64Array; dims: number[] } {
  const dims: number[] = [];
  let probe: unknown = x;
  while (Array.isArray(probe) || (ArrayBuffer.isView(probe) && !(probe instanceof DataView))) {
    const len = (probe as ArrayLike<unknown>).length;
    dims.push(len);
    if (len === 0 || ArrayBuffer.isView(probe)) break;
    probe = (probe as unknown[])[0];
  }
  if (rank !== undefined && dims.length < rank) {
    // [] as a matrix is 0 × 0; otherwise the nesting is too shallow
    if (dims.length === 1 && dims[0] === 0 && rank === 2) dims.push(0);
    else throw rangeError(fn, name, rank === 2 ? 'an array of rows (number[][])' : `of rank ${rank} (nested arrays)`, raw(`depth ${dims.length}`));
  }
  if (rank !== undefined && dims.length > rank) {
    throw rangeError(fn, name, rank === 2 ? 'an array of rows (number[][])' : `of rank ${rank} (nested arrays)`, raw(`depth ${dims.length}`));
  }
  const size = checkDims(fn, name, dims, undefined);
  const data = new Float64Array(size);
  let k = 0;
  const walk = (v: unknown, level: number, path: string): void => {
    if (level === dims.length) {
      if (typeof v !== 'number') throw typeError(fn, path, 'a number', v);
      data[k++] = v;
      return;
    }
    const isArr = Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
    if (!isArr) throw typeError(fn, path, level === dims.length - 1 ? 'an array of numbers' : 'an array', v);
    const a = v as ArrayLike<unknown>;
    if (a.length !== dims[level]) {
      const at = path.slice(name.length).replace(/^\[|\]$/g, '').replace(/\]\[/g, ', ');
      throw rangeError(fn, name, `rows of equal length ${dims[level]}`, raw(`row ${at} of length ${a.length}`));
    }
    for (let i = 0; i < a.length; i++) walk(a[i], level + 1, `${path}[${i}]`);
  };
  walk(x, 0, name);
  return { data, dims };
}

/**
 * @internal Converts a {@link TensorLike} into a {@link Tensor}, validating its structure (dims, data type,
 * length, raggedness, sizes up to 2^31 − 1 elements). `rank` requires a rank; `dtype` converts (`'int32'` checks
 * that every value is an integer).
 */
export function toTensor<D extends DType = 'float32'>(
  x: unknown,
  name: string,
  fn: string,
  options: { rank?: number; dtype?: D; checkFinite?: boolean } = {},
): Tensor<D> {
  if (typeof fn !== 'string' || !FN_NAME.test(fn)) fn = 'toTensor';
  if (typeof name !== 'string' || !/^[^\s'"]{1,100}$/.test(name)) name = 'x';
  const rank = options.rank;
  const dtype = (options.dtype ?? 'float32') as D;
  let data: Float32Array | Float64Array | Int32Array | readonly unknown[];
  let dims: number[];
  let nested = false;
  if (x instanceof Tensor) {
    if (rank !== undefined && x.dims.length !== rank) {
      throw rangeError(fn, name, rank === 2 ? 'a rank-2 tensor' : `of rank ${rank}`, raw(`dims [${x.dims.join(', ')}]`));
    }
    if (x.dtype === dtype) return x as unknown as Tensor<D>;
    data = x.data;
    dims = [...x.dims];
  } else if (isNdArray(x)) {
    const shape = x.shape as unknown;
    if (rank !== undefined && Array.isArray(shape) && shape.length !== rank) {
      throw rangeError(fn, name, `a rank-${rank} ndarray`, raw(`shape [${shape.join(', ')}]`));
    }
    checkDims(fn, `${name}.shape`, shape, rank);
    dims = [...(shape as number[])];
    const size = dims.reduce((a, b) => a * b, 1);
    const contiguous = dims.length === 2 && x.stride[1] === 1 && x.stride[0] === dims[1];
    if (contiguous && (x.data instanceof Float32Array || x.data instanceof Int32Array || x.data instanceof Float64Array)) {
      data = (x.data as Float32Array).subarray(x.offset, x.offset + size);
    } else if (dims.length === 2) {
      const [r, c] = dims as [number, number];
      const out = new Float64Array(size);
      for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[i * c + j] = Number(x.get(i, j));
      data = out;
    } else if (dims.length === 1) {
      data = Float64Array.from({ length: size }, (_, i) => Number(x.get(i)));
    } else {
      throw rangeError(fn, name, 'an ndarray of rank 1 or 2', raw(`shape [${dims.join(', ')}]`));
    }
  } else if (Array.isArray(x)) {
    const flat = flattenNested(fn, name, x, rank);
    nested = true;
    data = flat.data;
    dims = flat.dims;
  } else if (typeof x === 'object' && x !== null && 'data' in x && ('dims' in x || 'shape' in x)) {
    const key = 'dims' in x ? 'dims' : 'shape';
    const shape = (x as Record<string, unknown>)[key];
    const size = checkDims(fn, `${name}.${key}`, shape, rank);
    dims = [...(shape as number[])];
    const d = (x as { data: unknown }).data;
    if (!(d instanceof Float32Array || d instanceof Float64Array || d instanceof Int32Array || Array.isArray(d))) {
      throw typeError(fn, `${name}.data`, 'a Float32Array, Float64Array, Int32Array or number[]', d);
    }
    if (d.length !== size) {
      const rule = dims.length === 2 ? `of length rows*cols = ${size}` : `of length ${size} for ${key} [${dims.join(', ')}]`;
      throw rangeError(fn, `${name}.data`, rule, raw(`length ${d.length}`));
    }
    data = d;
  } else {
    throw typeError(fn, name, 'a Tensor, {data, dims}, {data, shape}, an ndarray or nested number arrays', x);
  }
  let out: Tensor<D>;
  if (dtype === 'float32') {
    if (data instanceof Float32Array) out = new Tensor(dtype, data as DataTypeMap[D], dims);
    else {
      const f = new Float32Array(data.length);
      for (let i = 0; i < data.length; i++) {
        const v = data[i];
        if (typeof v !== 'number') throw typeError(fn, `${name}.data[${i}]`, 'a number', v);
        f[i] = v;
      }
      out = new Tensor(dtype, f as DataTypeMap[D], dims);
    }
  } else {
    if (data instanceof Int32Array) out = new Tensor(dtype, data as DataTypeMap[D], dims);
    else {
      const n = new Int32Array(data.length);
      for (let i = 0; i < data.length; i++) {
        const v = data[i];
        const at = nested ? `${name}[${i}]` : `${name}.data[${i}]`;
        if (typeof v !== 'number') throw typeError(fn, at, 'a number', v);
        if (!Number.isInteger(v)) throw rangeError(fn, at, 'an integer', v);
        if (Math.abs(v) > MAX_ELEMENTS) throw rangeError(fn, at, 'an int32 integer (|v| ≤ 2^31 − 1)', v);
        n[i] = v;
      }
      out = new Tensor(dtype, n as DataTypeMap[D], dims);
    }
  }
  if (options.checkFinite && dtype === 'float32') assertFinite(out as unknown as Matrix, name, fn);
  return out;
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
  return toTensor(x, name, fn, { rank: 2, dtype: 'float32', checkFinite: options?.checkFinite === true });
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
