/**
 * Exporters read back by an independent reader: DuckDB (its npm package), for JSONL and Parquet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { toVerlRow, writeSftParquet, writeTrlJsonl, writeVerlParquet, type SftSampleRow, type VerlRow } from '../../src/export/index.js';
import { rejectionSample, type AcceptedRecord } from '../../src/sampling/index.js';
import { makeExamples, seededTeacher } from '../sampling/teachers.js';
import { expectedVerlRows } from './verl_expected.js';

let dir: string;
let db: DuckDBInstance;
let con: DuckDBConnection;
let accepted: AcceptedRecord[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gr2-export-'));
  db = await DuckDBInstance.create(':memory:');
  con = await db.connect();
  const examples = makeExamples(40).map((e, i) => (i === 3 ? { ...e, messages: [...e.messages.slice(0, 1), { role: 'user' as const, content: `${e.messages[1]!.content}\n"quotes", ünïcödé ☃ \\ and\ttabs` }] } : e));
  accepted = (await rejectionSample(examples, seededTeacher(), { maxAttempts: 4 })).accepted;
});
afterAll(() => {
  con.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

/** Every row of a query as plain JSON values (DuckDB's own to_json: BIGINT → number, lists → arrays). */
async function rows(sql: string): Promise<Record<string, unknown>[]> {
  const r = await con.runAndReadAll(`SELECT to_json(t)::VARCHAR AS j FROM (${sql}) t`);
  return r.getRows().map((row) => JSON.parse(String(row[0])) as Record<string, unknown>);
}
async function types(file: string): Promise<Record<string, string>> {
  const r = await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
  return Object.fromEntries(r.getRowObjectsJson().map((o) => [o.column_name as string, o.column_type as string]));
}

describe('writeTrlJsonl', () => {
  it("writes TRL's conversational 'messages' format", async () => {
    const path = join(dir, 'sft.jsonl');
    const res = await writeTrlJsonl(path, accepted);
    expect(res.rows).toBe(accepted.length);
    const got = await rows(`SELECT * FROM read_json('${path}', format = 'newline_delimited')`);
    expect(got).toHaveLength(accepted.length);
    got.forEach((row, i) => {
      const r = accepted[i]!;
      expect(Object.keys(row)).toEqual(['messages']);
      expect(row.messages).toEqual([...r.messages, { role: 'assistant', content: r.completion }]);
    });
    expect(accepted.length).toBeGreaterThan(20);
  });

  it("writes TRL's conversational prompt-completion format from an async iterable", async () => {
    const path = join(dir, 'pc.jsonl');
    async function* gen(): AsyncGenerator<AcceptedRecord> {
      yield* accepted;
    }
    await writeTrlJsonl(path, gen(), { format: 'prompt-completion' });
    const got = await rows(`SELECT * FROM read_json('${path}', format = 'newline_delimited')`);
    expect(got).toEqual(accepted.map((r) => ({ prompt: r.messages, completion: [{ role: 'assistant', content: r.completion }] })));
  });

  it('validates rows and leaves no file behind when a row is malformed', async () => {
    const path = join(dir, 'bad.jsonl');
    const bad = [accepted[0]!, { messages: [{ role: 'user', content: 'x' }], completion: 3 }] as never;
    await expect(writeTrlJsonl(path, bad)).rejects.toThrow(/writeTrlJsonl: 'rows\[1\]\.completion' must be a string; got 3/);
    await expect(writeTrlJsonl(path, [{ messages: [null], completion: '' }] as never)).rejects.toThrow(/'rows\[0\]\.messages\[0\]'/);
    await expect(writeTrlJsonl(path, accepted, { format: 'chatml' as never })).rejects.toThrow(/'options.format' must be one of 'messages', 'prompt-completion'/);
    await expect(writeTrlJsonl(path, 'abc' as never)).rejects.toThrow(/'rows' must be an iterable/);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('writeVerlParquet', () => {
  it("writes verl's RL schema; DuckDB reads every field back equal", async () => {
    const path = join(dir, 'rl.parquet');
    const verl = accepted.map((r, i) => toVerlRow(r, { index: i }));
    const res = await writeVerlParquet(path, verl, { rowGroupSize: 7 });
    expect(res.rows).toBe(verl.length);
    expect(await types(path)).toEqual({
      data_source: 'VARCHAR',
      prompt: 'STRUCT("role" VARCHAR, "content" VARCHAR)[]',
      ability: 'VARCHAR',
      reward_model: 'STRUCT(style VARCHAR, ground_truth VARCHAR)',
      extra_info: 'STRUCT(split VARCHAR, "index" BIGINT, id VARCHAR, candidates VARCHAR[])',
    });
    const got = await rows(`SELECT * FROM read_parquet('${path}')`);
    expect(got).toEqual(
      expectedVerlRows(accepted, 'train'),
    );
    const groups = await con.runAndReadAll(`SELECT count(DISTINCT row_group_id) FROM parquet_metadata('${path}')`);
    expect(Number(groups.getRows()[0]![0])).toBe(Math.ceil(verl.length / 7));
  });

  it('infers extra_info types from the first row group (int64 vs double, nulls), honours declared types, and rejects misfits', async () => {
    const base = toVerlRow(accepted[0]!);
    const mk = (extra: VerlRow['extra_info']): VerlRow => ({ ...base, extra_info: extra });
    const path = join(dir, 'types.parquet');
    await writeVerlParquet(path, [mk({ n: 1, x: 0.5, flag: true, tags: ['a'], note: null }), mk({ n: 2, x: 1, flag: false, tags: [], note: 'hi' }), mk({})]);
    expect((await types(path)).extra_info).toBe('STRUCT(n BIGINT, x DOUBLE, flag BOOLEAN, tags VARCHAR[], note VARCHAR)');
    expect((await rows(`SELECT extra_info FROM read_parquet('${path}')`)).map((r) => r.extra_info)).toEqual([
      { n: 1, x: 0.5, flag: true, tags: ['a'], note: null },
      { n: 2, x: 1, flag: false, tags: [], note: 'hi' },
      { n: null, x: null, flag: null, tags: null, note: null },
    ]);
    await writeVerlParquet(path, [mk({ n: 1 }), mk({ n: 2.5 })], { rowGroupSize: 1, extraInfoTypes: { n: 'double' } });
    expect((await rows(`SELECT extra_info.n AS n FROM read_parquet('${path}')`)).map((r) => r.n)).toEqual([1, 2.5]);
    await expect(writeVerlParquet(path, [mk({ n: 1 }), mk({ n: 2.5 })], { rowGroupSize: 1 })).rejects.toThrow(
      /'rows\[1\]\.extra_info\.n' must be an integer .*Declare it with extraInfoTypes/,
    );
    await expect(writeVerlParquet(path, [mk({ n: 1 }), mk({ n: 'a' })])).rejects.toThrow(/'rows\[1\]\.extra_info\.n' must be a number like rows\[0\]/);
    await expect(writeVerlParquet(path, [mk({ n: 1 }), mk({ m: 2 })], { rowGroupSize: 1 })).rejects.toThrow(/'rows\[1\]\.extra_info\.m' must be a field of the first row group/);
    await expect(writeVerlParquet(path, [mk({ n: NaN })])).rejects.toThrow(/must be a finite number/);
    await expect(writeVerlParquet(path, [{ ...base, reward_model: null } as never])).rejects.toThrow(/'rows\[0\]\.reward_model' must be an object/);
    await expect(writeVerlParquet(path, [base], { extraInfoTypes: { n: 'int32' as never } })).rejects.toThrow(/'options.extraInfoTypes.n' must be one of/);
    // the last successful file is still intact: a failed export replaces nothing
    expect((await rows(`SELECT extra_info.n AS n FROM read_parquet('${path}')`)).map((r) => r.n)).toEqual([1, 2.5]);
  });

  it('writes an empty dataset and an extra_info-less one', async () => {
    const path = join(dir, 'empty.parquet');
    expect((await writeVerlParquet(path, [])).rows).toBe(0);
    expect(await rows(`SELECT * FROM read_parquet('${path}')`)).toEqual([]);
    const base = toVerlRow(accepted[0]!);
    await writeVerlParquet(path, [{ ...base, extra_info: {} }, { ...base, extra_info: {} }]);
    expect((await rows(`SELECT extra_info FROM read_parquet('${path}')`)).map((r) => r.extra_info)).toEqual([{ index: 0 }, { index: 1 }]);
  });
});

describe('writeSftParquet', () => {
  it('writes tokenized samples; DuckDB reads ids, labels, weights, text and spans back equal', async () => {
    // synthetic tokenization of the accepted traces: one "token" per character code (the real tokenizer path is
    // covered in the SFT pipeline test)
    const samples: SftSampleRow[] = accepted.map((r) => {
      const prompt = r.messages.map((m) => m.content).join('\n');
      const text = `${prompt}\n${r.completion}`;
      const ids = Array.from(text.slice(0, 300), (c) => c.charCodeAt(0));
      const cut = Math.min(prompt.length + 1, ids.length);
      return {
        id: r.id,
        inputIds: ids,
        labels: ids.map((t, j) => (j < cut ? -100 : t)),
        weights: ids.map((_, j) => (j < cut ? 0 : j % 3 === 0 ? 0.3 : 1)),
        text,
        spans: { reasoning: j0(r) ? null : [prompt.length + 1, prompt.length + 10], ranking: [prompt.length + 10, text.length] },
      };
    });
    function j0(r: AcceptedRecord): boolean {
      return r.attempt === 1;
    }
    const path = join(dir, 'sft.parquet');
    await writeSftParquet(path, samples, { rowGroupSize: 5 });
    expect(await types(path)).toEqual({
      id: 'VARCHAR',
      input_ids: 'INTEGER[]',
      labels: 'INTEGER[]',
      weights: 'DOUBLE[]',
      text: 'VARCHAR',
      spans: 'STRUCT(reasoning INTEGER[], ranking INTEGER[], think INTEGER[])',
    });
    const got = await rows(`SELECT * FROM read_parquet('${path}')`);
    expect(got).toEqual(
      samples.map((s) => ({ id: s.id, input_ids: s.inputIds, labels: s.labels, weights: s.weights, text: s.text, spans: { ...s.spans, think: null } })),
    );
    await expect(writeSftParquet(path, [{ ...samples[0]!, labels: [1] }])).rejects.toThrow(/'samples\[0\]\.labels' must be of length/);
    await expect(writeSftParquet(path, [{ ...samples[0]!, inputIds: [1.5] }])).rejects.toThrow(/'samples\[0\]\.inputIds\[0\]' must be an integer/);
  });
});
