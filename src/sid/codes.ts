/**
 * Semantic-ID code matrices: the `[n, levels]` int32 layout shared by the quantizer, the uniqueness
 * techniques, the statistics and the {@link SidIndex}.
 *
 * @packageDocumentation
 */
import { Tensor, toInt32 } from '../backend/tensor.js';
import { assertPositiveInteger, rangeError, raw, typeError } from '../errors.js';

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
  if (codes instanceof Tensor) {
    if (codes.dtype !== 'int32') throw typeError(fn, name, 'an int32 tensor', codes.dtype);
    if (codes.dims.length !== 2) throw rangeError(fn, name, 'of rank 2 [n, levels]', raw(`dims [${codes.dims.join(', ')}]`));
    return codes as SidCodes;
  }
  if (Array.isArray(codes)) {
    const rows = codes as readonly (readonly number[])[];
    const L = rows.length ? (rows[0]?.length ?? 0) : 0;
    const data = new Int32Array(rows.length * L);
    rows.forEach((row, i) => {
      if (!Array.isArray(row)) throw typeError(fn, `${name}[${i}]`, 'an array of integers', row);
      if (row.length !== L) throw rangeError(fn, name, `rows of equal length ${L}`, raw(`row ${i} of length ${row.length}`));
      for (let l = 0; l < L; l++) {
        const v = row[l]!;
        if (!Number.isInteger(v)) throw rangeError(fn, `${name}[${i}][${l}]`, 'an integer', v);
        data[i * L + l] = v;
      }
    });
    return new Tensor('int32', data, [rows.length, L]);
  }
  if (codes && typeof codes === 'object' && 'data' in codes && 'dims' in codes) {
    const { data, dims } = codes as { data: Int32Array | readonly number[]; dims: readonly number[] };
    if (dims.length !== 2) throw rangeError(fn, `${name}.dims`, '[n, levels]', raw(`[${dims.join(', ')}]`));
    if (!(data instanceof Int32Array) && !Array.isArray(data)) throw typeError(fn, `${name}.data`, 'an Int32Array or number[]', data);
    return new Tensor('int32', toInt32(data, `${name}.data`, fn), dims);
  }
  throw typeError(fn, name, 'an int32 Tensor, {data, dims} or number[][]', codes);
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
  const n = codes.dims[0]!;
  const out: number[][] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = codeRow(codes, i);
  return out;
}

/** A string key of the first `upto` codes of row `i` (internal grouping key). */
export function rowKey(data: Int32Array, L: number, i: number, upto = L): string {
  let s = '';
  const o = i * L;
  for (let l = 0; l < upto; l++) s += (l ? ',' : '') + data[o + l]!;
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
  sizes.forEach((s, l) => assertPositiveInteger(fn, `codebookSizes[${l}]`, s));
  return sizes;
}
