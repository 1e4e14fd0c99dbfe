/**
 * Accepted teacher traces → SFT samples (buildSftSample with the real Qwen3 chat template and tokenizer) → TRL
 * JSONL, tokenized SFT Parquet and verl RL Parquet, each read back by DuckDB and compared field by field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { toVerlRow, writeSftParquet, writeTrlJsonl, writeVerlParquet } from '../../src/export/index.js';
import type { GenerateRequest, GenerateResult, Generator } from '../../src/generate/index.js';
import { buildSftSample, buildTeacherPrompt, renderRerankCompletion, type RerankItem, type SftSample } from '../../src/prompt/index.js';
import { Random, rejectionSample, type AcceptedRecord, type SamplerExample } from '../../src/sampling/index.js';
import { parseSids } from '../../src/sid/sid_string.js';
import { loadQwen3WithSids, type LoadedQwen3 } from '../prompt/qwen3.js';
import { expectedVerlRows } from './verl_expected.js';

let q: LoadedQwen3;
let dir: string;
let db: DuckDBInstance;
let con: DuckDBConnection;

beforeAll(async () => {
  q = await loadQwen3WithSids();
  dir = mkdtempSync(join(tmpdir(), 'gr2-sft-pipeline-'));
  db = await DuckDBInstance.create(':memory:');
  con = await db.connect();
});
afterAll(async () => {
  con?.closeSync();
  rmSync(dir, { recursive: true, force: true });
  await q?.dispose();
});

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  const r = await con.runAndReadAll(`SELECT to_json(t)::VARCHAR AS j FROM (${sql}) t`);
  return r.getRows().map((row) => JSON.parse(String(row[0])) as Record<string, unknown>);
}

/** A seeded teacher: ranks the prompt's candidate SIDs at random (seeded by the request), half the time with a <think> block. */
const teacher: Generator = {
  name: 'seeded-sid-teacher',
  async generate(req: GenerateRequest): Promise<GenerateResult> {
    const user = req.messages[req.messages.length - 1]!.content;
    const cands = [...new Set(parseSids(user.slice(user.lastIndexOf('Candidates'))).map((m) => m.text))];
    const rng = new Random(req.seed!);
    const ranking = rng.permutation(cands.length).map((i) => cands[i]!);
    const answer = renderRerankCompletion(ranking, { explanation: `Bought ${ranking[0]}'s "sibling" → it fits. ünïcödé ✓` });
    const text = rng.random() < 0.5 ? `<think>Compare ${ranking[1]} and ${ranking[0]}.</think>\n${answer}` : answer;
    return { generations: [{ text, finishReason: 'stop' }], usage: { promptTokens: 0, completionTokens: 0 }, latencyMs: 0 };
  },
};

function examples(n: number): SamplerExample[] {
  const out: SamplerExample[] = [];
  const item = (id: number): RerankItem => ({ id, sid: [id % 256, (id * 7) % 256, (id * 13) % 256, (id * 29) % 256], title: `Item ${id}` });
  for (let u = 0; u < n; u++) {
    const candidates = Array.from({ length: 5 }, (_, j) => item(1000 + 10 * u + j));
    const target = candidates[u % 5]!.id;
    const p = buildTeacherPrompt({ history: [item(u), item(u + 500)], candidates, target }, { strategy: 'rejection', shuffle: { seed: u } });
    out.push({ id: `u${u}`, messages: p.messages, candidates: p.sids, target: p.sids[p.candidates.findIndex((c) => c.id === target)]!, meta: { user: u } });
  }
  return out;
}

describe('accepted traces → SFT samples → exports, read back by DuckDB', () => {
  it('TRL JSONL, tokenized SFT Parquet and verl Parquet equal the records and samples field by field', async () => {
    const report = await rejectionSample(examples(12), teacher, { maxAttempts: 8, seed: 3 });
    const accepted: AcceptedRecord[] = report.accepted;
    expect(accepted.length).toBeGreaterThanOrEqual(8);
    const samples: (SftSample & { id: string })[] = accepted.map((r) => ({ ...buildSftSample({ messages: r.messages, completion: r.completion }, q.tok), id: r.id }));
    expect(samples.some((s) => s.spans.think !== null)).toBe(true);
    expect(samples.some((s) => s.spans.think === null)).toBe(true);

    // TRL JSONL: the conversations read back rebuild identical SFT samples
    const jsonl = join(dir, 'sft.jsonl');
    await writeTrlJsonl(jsonl, accepted);
    const conv = await rows(`SELECT * FROM read_json('${jsonl}', format = 'newline_delimited')`);
    expect(conv).toHaveLength(accepted.length);
    conv.forEach((c, i) => {
      const msgs = c.messages as { role: 'system' | 'user' | 'assistant'; content: string }[];
      expect(msgs).toEqual([...accepted[i]!.messages, { role: 'assistant', content: accepted[i]!.completion }]);
      const again = buildSftSample({ messages: msgs.slice(0, -1), completion: msgs.at(-1)!.content }, q.tok);
      expect(again.inputIds).toEqual(samples[i]!.inputIds);
      expect(again.weights).toEqual(samples[i]!.weights);
    });

    // tokenized SFT Parquet
    const sftPath = join(dir, 'sft.parquet');
    await writeSftParquet(sftPath, samples, { rowGroupSize: 4 });
    const sft = await rows(`SELECT * FROM read_parquet('${sftPath}')`);
    expect(sft).toEqual(
      samples.map((s) => ({
        id: s.id,
        input_ids: s.inputIds,
        labels: s.labels,
        weights: s.weights,
        text: s.text,
        spans: { reasoning: s.spans.reasoning, ranking: s.spans.ranking, think: s.spans.think },
      })),
    );
    // the weighted spans decode to the reasoning and the ranking (the samples' own contract, via the file)
    for (const r of sft) {
      const text = r.text as string;
      const spans = r.spans as { reasoning: [number, number]; ranking: [number, number] };
      expect(text.slice(...spans.ranking)).toMatch(/^<\|sid_begin\|>.*<\|sid_end\|>$/);
      expect(text.slice(...spans.reasoning)).toMatch(/^Bought /);
    }

    // verl RL Parquet
    const rlPath = join(dir, 'rl.parquet');
    await writeVerlParquet(rlPath, accepted.map((r, i) => toVerlRow(r, { index: i, split: 'train' })));
    const rl = await rows(`SELECT * FROM read_parquet('${rlPath}')`);
    expect(rl).toEqual(
      expectedVerlRows(accepted, 'train'),
    );
  });
});
