/**
 * Semantic-ID code matrices: the `[n, levels]` int32 layout shared by the quantizer, the uniqueness
 * techniques, the statistics and the {@link SidIndex}.
 *
 * @packageDocumentation
 */
import { Tensor, toTensor } from '../backend/tensor.js';
import { rangeError, raw, typeError } from '../errors.js';
import { checkInt } from '../validate.js';

/** Codes of `n` items, `[n, levels]` int32, row-major: `data[i·levels + l]` is item `i`'s code at level `l`. */
export type SidCodes = Tensor<'int32'>;

/** Anything accepted where codes are expected: a {@link SidCodes} tensor, `{data, dims}`, or `number[][]`. */
export type SidCodesLike =
  | SidCodes
  | { readonly data: Int32Array | readonly number[]; readonly dims: readonly number[] }
  | readonly (readonly number[])[];

/**
 * Converts {@link SidCodesLike} into a {@link SidCodes} tensor (zero-copy for a tensor or Int32Array data).
 *
 * @param codes - the codes.
 * @param name - argument name used in error messages.
 * @param fn - function name used in error messages.
 * @throws TypeError for an unsupported value; RangeError for ragged rows, a wrong rank or non-integer codes.
 * @example
 * ```ts
 * toSidCodes([[1, 2], [3, 4]], 'codes', 'f').dims; // [2, 2]
 * ```
 */
export function toSidCodes(codes: SidCodesLike, name: string, fn: string): SidCodes {
  if (typeof name !== 'string' || !/^[^\s'"]{1,100}$/.test(name)) name = 'codes';
  if (typeof fn !== 'string' || !/^(?:new )?[A-Za-z_$][\w$.#]*$/.test(fn)) fn = 'toSidCodes';
  if (codes instanceof Tensor && codes.dtype !== 'int32') {
    throw typeError(typeof fn === 'string' ? fn : 'toSidCodes', typeof name === 'string' ? name : 'codes', 'an int32 tensor', codes.dtype);
  }
  if (Array.isArray(codes) && codes.length > 0 && !codes.every((row) => Array.isArray(row) || ArrayBuffer.isView(row))) {
    const i = codes.findIndex((row) => !Array.isArray(row) && !ArrayBuffer.isView(row));
    throw typeError(typeof fn === 'string' ? fn : 'toSidCodes', `${typeof name === 'string' ? name : 'codes'}[${i}]`, 'an array of integers', codes[i]);
  }
  return toTensor(codes, name, fn, { rank: 2, dtype: 'int32' });
}

/**
 * Row `i` of a code matrix as a plain array.
 *
 * @example
 * ```ts
 * codeRow(toSidCodes([[1, 2], [3, 4]], 'codes', 'f'), 1); // [3, 4]
 * ```
 */
export function codeRow(codes: SidCodes, i: number): number[] {
  codes = toSidCodes(codes, 'codes', 'codeRow');
  checkInt('codeRow', 'i', i, 0, Math.max(0, codes.dims[0]! - 1));
  const L = codes.dims[1]!;
  return Array.from(codes.data.subarray(i * L, i * L + L));
}

/**
 * All rows of a code matrix as `number[][]`.
 *
 * @example
 * ```ts
 * codeRows(await rq.encode(x)); // [[97, 168, 137, 135], …]
 * ```
 */
export function codeRows(codes: SidCodes): number[][] {
  codes = toSidCodes(codes, 'codes', 'codeRows');
  const n = codes.dims[0]!;
  const out: number[][] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = codeRow(codes, i);
  return out;
}

/** A string key of the first `upto` codes of row `i`, in `sidKey`'s format `"1-2-3"` (internal grouping key). */
export function rowKey(data: Int32Array, L: number, i: number, upto = L): string {
  let s = '';
  const o = i * L;
  for (let l = 0; l < upto; l++) s += (l ? '-' : '') + data[o + l]!;
  return s;
}

/** Row indices grouped by {@link rowKey} of their first `upto` codes, groups in first-seen order (internal). */
export function rowGroups(data: Int32Array, L: number, n: number, upto = L): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const key = rowKey(data, L, i, upto);
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  }
  return groups;
}

/**
 * One codebook size per level from `codebookSizes` (a number for all `L` levels, or one per level), each a
 * positive integer (internal; shared by the statistics and the uniqueness techniques).
 */
export function resolveCodebookSizes(fn: string, codebookSizes: number | readonly number[], L: number): number[] {
  let sizes: number[];
  if (typeof codebookSizes === 'number') sizes = new Array<number>(L).fill(codebookSizes);
  else if (Array.isArray(codebookSizes)) sizes = [...(codebookSizes as readonly number[])];
  else throw typeError(fn, 'codebookSizes', 'a number or number[]', codebookSizes);
  if (sizes.length !== L) throw rangeError(fn, 'codebookSizes', `of length ${L} (levels of codes)`, raw(`length ${sizes.length}`));
  sizes.forEach((s, l) => checkInt(fn, `codebookSizes[${l}]`, s, 1));
  return sizes;
}
