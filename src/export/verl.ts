/**
 * verl's RL dataset schema as Parquet: one row per prompt with `data_source`, `prompt` (chat messages),
 * `ability`, `reward_model {style, ground_truth}` and `extra_info` (a struct; verl hands it to the reward
 * function).
 *
 * @packageDocumentation
 */
import { assertPositiveInteger, checkOptions, rangeError, typeError } from '../errors.js';
import type { ChatMessage } from '../prompt/types.js';
import { checkPath, indexed, iterableKind } from './files.js';
import { leaf, list, messageElement, str, struct, writeParquetRows, type SchemaNode } from './parquet.js';
import { checkMessages, checkObject, checkString } from './validate.js';

const FN = 'writeVerlParquet';

/** A value of `extra_info`. */
export type ExtraInfoValue = string | number | boolean | readonly string[] | null;

/** Parquet type of an `extra_info` field. */
export type ExtraInfoType = 'string' | 'int64' | 'double' | 'boolean' | 'string[]';

/** One row of verl's RL dataset, with verl's own (snake_case) field names. */
export interface VerlRow {
  /** Names the dataset; verl picks the reward function by it. */
  readonly data_source: string;
  /** The prompt as chat messages (verl applies the chat template). */
  readonly prompt: readonly ChatMessage[];
  /** Task category (free text). */
  readonly ability: string;
  /** `style: 'rule'` for a verifiable reward; `ground_truth` is what the reward compares against. */
  readonly reward_model: { readonly style: string; readonly ground_truth: string };
  /** Anything else the reward needs (e.g. the slate's candidates), plus `split` and `index` by convention. */
  readonly extra_info: Readonly<Record<string, ExtraInfoValue | undefined>>;
}

/** Options of {@link writeVerlParquet}. */
export interface VerlParquetOptions {
  /** Rows per Parquet row group (also the memory bound of the writer). @defaultValue 10000 */
  readonly rowGroupSize?: number;
  /**
   * Types of `extra_info` fields. Fields not listed are inferred from the first row group: strings, booleans,
   * string arrays, and numbers as `'int64'` when every value there is an integer, else `'double'`.
   */
  readonly extraInfoTypes?: Readonly<Record<string, ExtraInfoType>>;
}

const TYPES: readonly ExtraInfoType[] = ['string', 'int64', 'double', 'boolean', 'string[]'];

function typeOf(v: ExtraInfoValue): ExtraInfoType | 'number' | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return 'number';
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return 'string[]';
  return 'string[]' as never; // unreachable after checkValue
}

function checkValue(arg: string, v: unknown): void {
  if (v === null || v === undefined || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw rangeError(FN, arg, 'a finite number', v);
    return;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') throw typeError(FN, `${arg}[${i}]`, 'a string', v[i]);
    return;
  }
  throw typeError(FN, arg, 'a string, number, boolean, string array or null', v);
}

function checkRow(row: unknown, i: number): VerlRow {
  const at = `rows[${i}]`;
  checkObject(FN, at, row);
  checkString(FN, `${at}.data_source`, row.data_source);
  checkMessages(FN, `${at}.prompt`, row.prompt);
  checkString(FN, `${at}.ability`, row.ability);
  checkObject(FN, `${at}.reward_model`, row.reward_model);
  checkString(FN, `${at}.reward_model.style`, row.reward_model.style);
  checkString(FN, `${at}.reward_model.ground_truth`, row.reward_model.ground_truth);
  checkObject(FN, `${at}.extra_info`, row.extra_info);
  for (const [k, v] of Object.entries(row.extra_info)) checkValue(`${at}.extra_info.${k}`, v);
  return row as unknown as VerlRow;
}

function inferTypes(first: readonly VerlRow[], declared: Readonly<Record<string, ExtraInfoType>>): Map<string, ExtraInfoType> {
  const seen = new Map<string, { t: ExtraInfoType | 'number' | null; allInt: boolean; row: number }>();
  for (const k of Object.keys(declared)) seen.set(k, { t: null, allInt: true, row: -1 });
  first.forEach((row, i) => {
    for (const [k, v] of Object.entries(row.extra_info)) {
      const s = seen.get(k) ?? { t: null, allInt: true, row: i };
      if (!seen.has(k)) seen.set(k, s);
      const t = typeOf(v ?? null);
      if (t === null) continue;
      if (s.t !== null && s.t !== t) {
        throw typeError(FN, `rows[${i}].extra_info.${k}`, `a ${s.t} like rows[${s.row}].extra_info.${k} (one Parquet type per field)`, v);
      }
      if (s.t === null) [s.t, s.row] = [t, i];
      if (t === 'number' && !Number.isSafeInteger(v)) s.allInt = false;
    }
  });
  const out = new Map<string, ExtraInfoType>();
  for (const [k, s] of seen) {
    out.set(k, declared[k] ?? (s.t === 'number' ? (s.allInt ? 'int64' : 'double') : (s.t ?? 'string')));
  }
  return out;
}

function fieldSchema(name: string, t: ExtraInfoType): SchemaNode[] {
  switch (t) {
    case 'string':
      return str(name, true);
    case 'int64':
      return leaf(name, 'INT64', true);
    case 'double':
      return leaf(name, 'DOUBLE', true);
    case 'boolean':
      return leaf(name, 'BOOLEAN', true);
    case 'string[]':
      return list(name, str('element'), true);
  }
}

function convert(arg: string, v: ExtraInfoValue | undefined, t: ExtraInfoType): unknown {
  if (v === null || v === undefined) return null;
  const got = typeOf(v);
  const ok = t === 'int64' || t === 'double' ? got === 'number' : got === t;
  if (!ok) throw typeError(FN, arg, `a ${t} (the field's Parquet type)`, v);
  if (t === 'int64') {
    if (!Number.isSafeInteger(v)) {
      throw rangeError(FN, arg, 'an integer (the field was inferred as int64 from the first row group)', v, "Declare it with extraInfoTypes: { <field>: 'double' }.");
    }
    return BigInt(v as number);
  }
  if (t === 'string[]') return (v as readonly string[]).slice();
  return v;
}

/**
 * Writes rows in verl's RL Parquet schema:
 * `data_source: string, prompt: list<struct<role: string, content: string>>, ability: string,
 * reward_model: struct<style: string, ground_truth: string>, extra_info: struct<…>` (extra_info fields are
 * optional; their types come from `extraInfoTypes` or the first row group). Streams row groups (flat memory) and
 * appears atomically. The writer is `hyparquet-writer` (pure JavaScript, Snappy).
 *
 * @param path - Output `.parquet` file.
 * @param rows - Rows (sync or async iterable), e.g. accepted records mapped by {@link toVerlRow}.
 * @param options - `rowGroupSize`, `extraInfoTypes`.
 * @returns Rows and bytes written.
 * @throws TypeError/RangeError naming `rows[i]…` for a malformed row or a value that does not fit its field's
 *   type (nothing is written then).
 * @example
 * ```ts
 * const { accepted } = readCheckpoint('traces.jsonl');
 * await writeVerlParquet('train.parquet', accepted.map((r, i) => toVerlRow(r, { index: i })));
 * // python: pandas.read_parquet('train.parquet').iloc[0].reward_model  -> {'style': 'rule', 'ground_truth': '<|sid_begin|>…'}
 * ```
 */
export async function writeVerlParquet(
  path: string,
  rows: Iterable<VerlRow> | AsyncIterable<VerlRow>,
  options?: VerlParquetOptions,
): Promise<{ rows: number; bytes: number }> {
  checkPath(FN, path);
  iterableKind(FN, rows);
  const o = checkOptions(FN, options, ['rowGroupSize', 'extraInfoTypes']);
  const rowGroupSize = o.rowGroupSize ?? 10_000;
  assertPositiveInteger(FN, 'options.rowGroupSize', rowGroupSize);
  if (rowGroupSize > 2 ** 31 - 1) throw rangeError(FN, 'options.rowGroupSize', 'at most 2^31 − 1', rowGroupSize);
  const types = o.extraInfoTypes ?? {};
  if (types === null || typeof types !== 'object' || Array.isArray(types)) throw typeError(FN, 'options.extraInfoTypes', 'an object', types);
  for (const [k, t] of Object.entries(types)) {
    if (!TYPES.includes(t)) throw rangeError(FN, `options.extraInfoTypes.${k}`, `one of ${TYPES.map((x) => `'${x}'`).join(', ')}`, t);
  }

  // Read the first row group to fix the extra_info schema, then stream the rest.
  const it = indexed(rows);
  const first: VerlRow[] = [];
  let pending: IteratorResult<[VerlRow, number]> = await it.next();
  while (!pending.done && first.length < rowGroupSize) {
    first.push(checkRow(pending.value[0], pending.value[1]));
    pending = await it.next();
  }
  const fieldTypes = inferTypes(first, types);
  if (fieldTypes.size === 0) fieldTypes.set('index', 'int64');
  const noFields = first.every((r) => Object.keys(r.extra_info).length === 0) && Object.keys(types).length === 0;
  const fields = [...fieldTypes];
  const schema: SchemaNode[][] = [
    str('data_source'),
    list('prompt', messageElement()),
    str('ability'),
    struct('reward_model', [str('style'), str('ground_truth')]),
    struct('extra_info', fields.map(([k, t]) => fieldSchema(k, t))),
  ];
  async function* all(): AsyncGenerator<[VerlRow, number]> {
    for (let i = 0; i < first.length; i++) yield [first[i]!, i];
    while (!pending.done) {
      yield [checkRow(pending.value[0], pending.value[1]), pending.value[1]];
      pending = await it.next();
    }
  }
  return writeParquetRows(
    path,
    schema,
    all(),
    ([row, i]) => {
      const extra: Record<string, unknown> = {};
      for (const k of Object.keys(row.extra_info)) {
        if (!fieldTypes.has(k)) {
          throw rangeError(FN, `rows[${i}].extra_info.${k}`, 'a field of the first row group (the Parquet schema is fixed by then)', k, 'Declare it with extraInfoTypes.');
        }
      }
      for (const [k, t] of fields) extra[k] = noFields && k === 'index' ? BigInt(i) : convert(`rows[${i}].extra_info.${k}`, row.extra_info[k], t);
      return [
        row.data_source,
        row.prompt.map((m) => ({ role: m.role, content: m.content })),
        row.ability,
        { style: row.reward_model.style, ground_truth: row.reward_model.ground_truth },
        extra,
      ];
    },
    rowGroupSize,
    { 'gr2.schema': 'verl-rl' },
  );
}

/** Options of {@link toVerlRow}. */
export interface ToVerlRowOptions {
  /** @defaultValue `'gr2/rerank'` */
  readonly dataSource?: string;
  /** @defaultValue `'rerank'` */
  readonly ability?: string;
  /** `extra_info.split`. @defaultValue `'train'` */
  readonly split?: string;
  /** `extra_info.index` (omitted when not given). */
  readonly index?: number;
}

/**
 * Maps a re-ranking example (a `SamplerExample` or an `AcceptedRecord`) to a verl RL row: the prompt as is,
 * `reward_model = {style: 'rule', ground_truth: target}`, and `extra_info = {split, index?, id, candidates}` so
 * that the reward function can score a ranking of the slate.
 *
 * @param example - `{id, messages, candidates, target}`.
 * @param options - `dataSource`, `ability`, `split`, `index`.
 * @returns The row.
 * @throws TypeError naming the field for a malformed example.
 * @example
 * ```ts
 * toVerlRow(record, { index: 0 }).reward_model; // { style: 'rule', ground_truth: record.target }
 * ```
 */
export function toVerlRow(
  example: { readonly id: string; readonly messages: readonly ChatMessage[]; readonly candidates: readonly string[]; readonly target: string },
  options?: ToVerlRowOptions,
): VerlRow {
  const fn = 'toVerlRow';
  checkObject(fn, 'example', example);
  checkString(fn, 'example.id', example.id);
  const prompt = checkMessages(fn, 'example.messages', example.messages);
  if (!Array.isArray(example.candidates) || example.candidates.some((c) => typeof c !== 'string')) {
    throw typeError(fn, 'example.candidates', 'an array of strings', example.candidates);
  }
  checkString(fn, 'example.target', example.target);
  const o = checkOptions(fn, options, ['dataSource', 'ability', 'split', 'index']);
  if (o.dataSource !== undefined) checkString(fn, 'options.dataSource', o.dataSource);
  if (o.ability !== undefined) checkString(fn, 'options.ability', o.ability);
  if (o.split !== undefined) checkString(fn, 'options.split', o.split);
  if (o.index !== undefined && !Number.isSafeInteger(o.index)) throw rangeError(fn, 'options.index', 'a safe integer', o.index);
  return {
    data_source: o.dataSource ?? 'gr2/rerank',
    prompt,
    ability: o.ability ?? 'rerank',
    reward_model: { style: 'rule', ground_truth: example.target },
    extra_info: {
      split: o.split ?? 'train',
      ...(o.index !== undefined ? { index: o.index } : {}),
      id: example.id,
      candidates: example.candidates.slice(),
    },
  };
}
