/**
 * Tokenized SFT samples (GR2's weighted SFT, TR Eq. 3) as Parquet: token ids, labels (−100 on the prompt),
 * per-token loss weights, and the text with its reasoning/ranking character spans.
 *
 * @packageDocumentation
 */
import { assertPositiveInteger, checkOptions, rangeError, typeError } from '../errors.js';
import { checkPath, iterableKind } from './files.js';
import { leaf, list, str, struct, writeParquetRows, type SchemaNode } from './parquet.js';
import { checkObject } from './validate.js';

const FN = 'writeSftParquet';

/** A tokenized SFT sample, as `buildSftSample` (gr2/prompt) returns it, optionally with an id. */
export interface SftSampleRow {
  /** Example id, when known. */
  readonly id?: string;
  /** Token ids of prompt + completion. */
  readonly inputIds: readonly number[];
  /** Training labels: the token id on the completion, −100 on the prompt. */
  readonly labels: readonly number[];
  /** Per-token loss weight (λ_o on reasoning, λ_r on ranking, 0 on the prompt). */
  readonly weights: readonly number[];
  /** The rendered text. */
  readonly text?: string;
  /** Character spans `[start, end)` in `text` of the reasoning (or null), the ranking, and the `<think>` block (or null). */
  readonly spans?: {
    readonly reasoning: readonly [number, number] | null;
    readonly ranking: readonly [number, number];
    readonly think?: readonly [number, number] | null;
  };
}

function intArray(arg: string, v: unknown, min: number): number[] {
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw typeError(FN, arg, 'an array of integers', v);
  const a = Array.from(v as ArrayLike<number>);
  if (a.length > 2 ** 31 - 1) throw rangeError(FN, arg, 'shorter than 2^31', a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > 2 ** 31 - 1) {
      throw rangeError(FN, `${arg}[${i}]`, `an integer in [${min}, 2^31 − 1]`, x);
    }
  }
  return a;
}

function span(arg: string, v: unknown): [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x) && x >= 0 && x <= 2 ** 31 - 1) || v[0] > v[1]) {
    throw typeError(FN, arg, 'a [start, end] pair of non-negative integers with start <= end', v);
  }
  return [v[0] as number, v[1] as number];
}

/**
 * Writes tokenized SFT samples as Parquet with columns `id: string?`, `input_ids: list<int32>`,
 * `labels: list<int32>`, `weights: list<double>`, `text: string?`,
 * `spans: struct<reasoning: list<int32>?, ranking: list<int32>, think: list<int32>?>?`. `labels` and `weights` must have the length of
 * `input_ids`. Streams row groups and appears atomically.
 *
 * @param path - Output `.parquet` file.
 * @param samples - Samples (sync or async iterable).
 * @param options - `rowGroupSize` (default 2000).
 * @returns Rows and bytes written.
 * @throws TypeError/RangeError naming `samples[i]…` for a malformed sample (nothing is written then).
 * @example
 * ```ts
 * const samples = await Promise.all(accepted.map((r) => buildSftSample({ messages: r.messages, completion: r.completion }, tokenizer)));
 * await writeSftParquet('sft.parquet', samples.map((s, i) => ({ ...s, id: accepted[i]!.id })));
 * ```
 */
export async function writeSftParquet(
  path: string,
  samples: Iterable<SftSampleRow> | AsyncIterable<SftSampleRow>,
  options?: { readonly rowGroupSize?: number },
): Promise<{ rows: number; bytes: number }> {
  checkPath(FN, path);
  iterableKind(FN, samples);
  const o = checkOptions(FN, options, ['rowGroupSize']);
  const rowGroupSize = o.rowGroupSize ?? 2000;
  assertPositiveInteger(FN, 'options.rowGroupSize', rowGroupSize);
  const schema: SchemaNode[][] = [
    str('id', true),
    list('input_ids', leaf('element', 'INT32')),
    list('labels', leaf('element', 'INT32')),
    list('weights', leaf('element', 'DOUBLE')),
    str('text', true),
    struct(
      'spans',
      [list('reasoning', leaf('element', 'INT32'), true), list('ranking', leaf('element', 'INT32')), list('think', leaf('element', 'INT32'), true)],
      true,
    ),
  ];
  async function* rows(): AsyncGenerator<[SftSampleRow, number]> {
    let i = 0;
    for await (const s of samples as AsyncIterable<SftSampleRow>) yield [s, i++];
  }
  return writeParquetRows(
    path,
    schema,
    rows(),
    ([s, i]) => {
      const at = `samples[${i}]`;
      checkObject(FN, at, s);
      if (s.id !== undefined && typeof s.id !== 'string') throw typeError(FN, `${at}.id`, 'a string', s.id);
      const ids = intArray(`${at}.inputIds`, s.inputIds, 0);
      const labels = intArray(`${at}.labels`, s.labels, -100);
      if (labels.length !== ids.length) throw rangeError(FN, `${at}.labels`, `of length ${ids.length} (inputIds)`, labels.length);
      const w = s.weights as unknown;
      if (!Array.isArray(w) && !ArrayBuffer.isView(w)) throw typeError(FN, `${at}.weights`, 'an array of numbers', w);
      const weights = Array.from(w as ArrayLike<number>);
      if (weights.length !== ids.length) throw rangeError(FN, `${at}.weights`, `of length ${ids.length} (inputIds)`, weights.length);
      for (let j = 0; j < weights.length; j++) {
        if (typeof weights[j] !== 'number' || !Number.isFinite(weights[j])) throw rangeError(FN, `${at}.weights[${j}]`, 'a finite number', weights[j]);
      }
      if (s.text !== undefined && typeof s.text !== 'string') throw typeError(FN, `${at}.text`, 'a string', s.text);
      let spans: unknown = null;
      if (s.spans !== undefined) {
        checkObject(FN, `${at}.spans`, s.spans);
        spans = {
          reasoning: s.spans.reasoning === null ? null : span(`${at}.spans.reasoning`, s.spans.reasoning),
          ranking: span(`${at}.spans.ranking`, s.spans.ranking),
          think: s.spans.think === undefined || s.spans.think === null ? null : span(`${at}.spans.think`, s.spans.think),
        };
      }
      return [s.id ?? null, ids, labels, weights, s.text ?? null, spans];
    },
    rowGroupSize,
    { 'gr2.schema': 'sft-tokenized' },
  );
}
