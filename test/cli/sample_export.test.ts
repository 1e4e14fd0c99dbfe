/**
 * `gr2 sample` and `gr2 export`, run as the built binary: rejection sampling against a real local OpenAI-compatible
 * server (`startOpenAIServer`, injecting 429s, 500s, connection resets, truncated bodies and hung requests) backed
 * by a seeded in-process teacher; every accepted record checked against the teacher recomputed by hand; a run cut
 * short by its request budget resumes to exactly the records of an uninterrupted run (no duplicates); two shards
 * partition the job; exports read back with DuckDB; bad input → one error line, non-zero exit, nothing written.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateRequest, GenerateResult, Generator } from '../../src/generate/types.js';
import { Random } from '../../src/sampling/random.js';
import { attemptSeed } from '../../src/sampling/shard.js';
import { parseSids } from '../../src/sid/sid_string.js';
import { startOpenAIServer, type OpenAIServer } from '../../src/testing/openai_server.js';
import { ROOT, ensureBuilt, errorLines, gr2 } from './helpers.js';
import { teacherAnswer } from '../sampling/teachers.js';

const dir = mkdtempSync(join(tmpdir(), 'gr2-cli-sample-'));
const p = (f: string) => join(dir, f);
const SLATES = 36;
const K = 5;
const MAX_ATTEMPTS = 6;
let server: OpenAIServer;
let db: DuckDBInstance;
let con: DuckDBConnection;

/** The candidate SIDs of a GR2 prompt, in prompt order (the user message after the candidates heading). */
function promptCandidates(req: GenerateRequest): string[] {
  const user = req.messages[req.messages.length - 1]!.content;
  const at = user.lastIndexOf('Candidates (');
  return [...new Set(parseSids(user.slice(at)).map((m) => m.text))];
}

/** A teacher answering GR2 JSON with a uniformly random ranking drawn from `Random(request.seed)`. */
const teacher: Generator = {
  name: 'seeded-teacher',
  async generate(req: GenerateRequest): Promise<GenerateResult> {
    const text = teacherAnswer(promptCandidates(req), req.seed!);
    return { generations: [{ text, finishReason: 'stop' }], usage: { promptTokens: 10, completionTokens: text.length }, latencyMs: 0 };
  },
};

interface Rec {
  id: string;
  status: 'accepted' | 'dropped';
  attempt: number;
  attempts: number;
  seed: number;
  completion: string;
  candidates: string[];
  target: string;
  order: number[];
  messages: { role: string; content: string }[];
}
const records = (f: string): Rec[] => readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);
const byId = (rs: Rec[]) => [...rs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

const common = () => ['--base-url', server.baseURL, '--max-attempts', String(MAX_ATTEMPTS), '--concurrency', '6', '--timeout', '400', '--retry-delay', '5', '--max-retries', '12', '--seed', '77'];

beforeAll(async () => {
  const lines = readFileSync(join(ROOT, 'examples', 'data', 'Beauty.txt'), 'utf8').split('\n').slice(0, 300);
  writeFileSync(p('seq.txt'), lines.join('\n') + '\n');
  await ensureBuilt();
  const r = await gr2(['slates', p('seq.txt'), '-o', p('slates.jsonl'), '--k', String(K), '--limit', String(SLATES)]);
  expect(r.code, r.stderr).toBe(0);
  server = await startOpenAIServer({
    generator: teacher,
    model: 'gr2-teacher',
    faults: { seed: 5, rate429: 0.06, retryAfterSeconds: 0.02, rate500: 0.06, rateReset: 0.04, rateTruncated: 0.03, rateHang: 0.01 },
  });
  db = await DuckDBInstance.create(':memory:');
  con = await db.connect();
}, 300_000);
afterAll(async () => {
  con?.closeSync();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  const r = await con.runAndReadAll(`SELECT to_json(t)::VARCHAR AS j FROM (${sql}) t`);
  return r.getRows().map((row) => JSON.parse(String(row[0])) as Record<string, unknown>);
}

describe('gr2 sample', () => {
  it('samples every slate through a faulty server: each accepted trace is the first attempt whose top pick is the target; stats add up', async () => {
    const before = server.stats();
    const r = await gr2(['--json', 'sample', p('slates.jsonl'), '-o', p('full.jsonl'), ...common()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    const s = out.stats;
    expect(out.slates).toBe(SLATES);
    expect(s.examples).toBe(SLATES - out.noTarget);
    expect(s.accepted + s.dropped).toBe(s.examples);
    expect(s.unfinished).toBe(0);
    expect(s.accepted).toBeGreaterThan(0);
    expect(s.dropped).toBeGreaterThan(0); // (4/5)^6 ≈ 26 % of examples fail every attempt
    expect(s.attemptsHistogram.reduce((a: number, b: number) => a + b, 0)).toBe(s.accepted);
    // faults were injected and retried (never counted as rejections)
    const faults = Object.values(server.stats().faults).reduce((a, b) => a + b, 0) - Object.values(before.faults).reduce((a, b) => a + b, 0);
    expect(faults).toBeGreaterThan(0);
    expect(s.retries).toBeGreaterThanOrEqual(faults);
    expect(s.samples).toBe(s.accepted + s.rejected);
    const recs = records(p('full.jsonl'));
    expect(new Set(recs.map((x) => x.id)).size).toBe(recs.length);
    expect(recs.filter((x) => x.status === 'accepted')).toHaveLength(s.accepted);
    expect(out.checkpoint).toEqual({ accepted: s.accepted, dropped: s.dropped });
    for (const x of recs) {
      if (x.status === 'dropped') {
        expect(x.attempts).toBe(MAX_ATTEMPTS);
        continue;
      }
      // the teacher recomputed by hand: attempt a draws Random(attemptSeed(77, id, a)).permutation(K)
      const top = (a: number) => new Random(attemptSeed(77, x.id, a)).permutation(K)[0]!;
      const first = [...Array(MAX_ATTEMPTS).keys()].map((i) => i + 1).find((a) => x.candidates[top(a)] === x.target);
      expect(x.attempt).toBe(first);
      expect(x.seed).toBe(attemptSeed(77, x.id, x.attempt));
      expect(x.candidates[x.order[0]!]).toBe(x.target);
      expect(x.candidates).toContain(x.target);
      // the teacher prompt does not reveal the target
      expect(x.messages.map((m) => m.role)).toEqual(['system', 'user']);
      expect(x.messages[1]!.content).not.toMatch(/target|ground truth/i);
    }
  }, 30_000);

  it('a run cut short (--max-requests) exits 1 and resumes on rerun to the records of the uninterrupted run, without duplicates; a finished checkpoint reruns with no request', async () => {
    const cut = await gr2(['sample', p('slates.jsonl'), '-o', p('resumed.jsonl'), ...common(), '--max-requests', '25']);
    expect(cut.code).toBe(1);
    expect(errorLines(cut)).toEqual([expect.stringMatching(/^gr2 sample: error: \d+ examples not finished \(budget\); run the same command again to resume from .*resumed\.jsonl$/)]);
    const partial = records(p('resumed.jsonl')).length;
    expect(partial).toBeGreaterThan(0);
    const again = await gr2(['--json', 'sample', p('slates.jsonl'), '-o', p('resumed.jsonl'), ...common()]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).stats.skipped).toBe(partial);
    const resumed = records(p('resumed.jsonl'));
    expect(new Set(resumed.map((x) => x.id)).size).toBe(resumed.length);
    expect(byId(resumed)).toEqual(byId(records(p('full.jsonl'))));
    const before = readFileSync(p('resumed.jsonl'));
    const noop = await gr2(['--json', 'sample', p('slates.jsonl'), '-o', p('resumed.jsonl'), ...common()]);
    expect(noop.code, noop.stderr).toBe(0);
    const n = JSON.parse(noop.stdout).stats;
    expect([n.skipped, n.requests, n.accepted]).toEqual([resumed.length, 0, 0]);
    expect(readFileSync(p('resumed.jsonl')).equals(before)).toBe(true);
  }, 30_000);

  it('--shard 0/2 and 1/2 partition the examples; together they hold the records of the unsharded run (human output)', async () => {
    const a = await gr2(['sample', p('slates.jsonl'), '-o', p('shard0.jsonl'), ...common(), '--shard', '0/2']);
    const b = await gr2(['sample', p('slates.jsonl'), '-o', p('shard1.jsonl'), ...common(), '--shard', '1/2']);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    expect(a.stdout).toMatch(/^\d+ examples in shard 0\/2 /);
    expect(a.stdout).toMatch(/acceptance rate \d+\.\d %/);
    const s0 = records(p('shard0.jsonl'));
    const s1 = records(p('shard1.jsonl'));
    expect(s0.length).toBeGreaterThan(0);
    expect(s1.length).toBeGreaterThan(0);
    expect(s0.some((x) => s1.some((y) => y.id === x.id))).toBe(false);
    expect(byId([...s0, ...s1])).toEqual(byId(records(p('full.jsonl'))));
  }, 30_000);

  it('bad input: missing slates (66), malformed slates line (65, file:line), bad --shard (2), unreachable endpoint (1); no checkpoint written', async () => {
    const missing = await gr2(['sample', p('none.jsonl'), '-o', p('x.jsonl'), ...common()]);
    expect(missing.code).toBe(66);
    expect(errorLines(missing)).toEqual([`gr2 sample: error: slates file '${p('none.jsonl')}': no such file`]);
    const good = readFileSync(p('slates.jsonl'), 'utf8').trim().split('\n');
    writeFileSync(p('bad_slates.jsonl'), [good[0], good[1], '{"user": 3, "history": [1], "candidates": [1, 2', good[2]].join('\n') + '\n');
    const bad = await gr2(['sample', p('bad_slates.jsonl'), '-o', p('x.jsonl'), ...common()]);
    expect(bad.code).toBe(65);
    expect(errorLines(bad)).toEqual([expect.stringMatching(new RegExp(`^gr2 sample: error: ${p('bad_slates.jsonl')}:3: not valid JSON`))]);
    const shard = await gr2(['sample', p('slates.jsonl'), '-o', p('x.jsonl'), ...common(), '--shard', '2/2']);
    expect(shard.code).toBe(2);
    expect(errorLines(shard)).toEqual(['gr2 sample: error: --shard must be i/n with 0 <= i < n (e.g. 0/4); got "2/2".']);
    // a port nothing listens on
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    const url = `http://127.0.0.1:${port}/v1`;
    const down = await gr2(['sample', p('slates.jsonl'), '-o', p('x.jsonl'), '--base-url', url]);
    expect(down.code).toBe(1);
    expect(errorLines(down)).toEqual([`gr2 sample: error: --base-url ${url}: endpoint unreachable (ECONNREFUSED)`]);
    expect(existsSync(p('x.jsonl'))).toBe(false);
    // a checkpoint another running job holds (this test process stands in for it): 75, nothing written
    writeFileSync(p('held.jsonl.lock'), JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() }));
    const held = await gr2(['sample', p('slates.jsonl'), '-o', p('held.jsonl'), ...common()]);
    expect(held.code).toBe(75);
    expect(errorLines(held)).toEqual([expect.stringContaining(`gr2 sample: error: rejectionSample: checkpoint ${p('held.jsonl')} is in use by process ${process.pid} on ${hostname()}`)]);
    expect(existsSync(p('held.jsonl'))).toBe(false);
    const cap = await gr2(['sample', p('slates.jsonl'), '-o', p('x.jsonl'), ...common(), '--max-retry-after', '-1']);
    expect(cap.code).toBe(2);
    expect(errorLines(cap)).toEqual([expect.stringContaining('--max-retry-after must be an integer in [0, ')]);
  }, 30_000);

  it('--max-retry-after cuts a server\'s hour-long Retry-After: the run finishes', async () => {
    const limited = await startOpenAIServer({ generator: teacher, model: 'gr2-teacher', faults: { seed: 9, rate429: 0.3, retryAfterSeconds: 3600 } });
    try {
      const t0 = performance.now();
      const r = await gr2(['--json', 'sample', p('slates.jsonl'), '-o', p('capped.jsonl'), ...common(), '--base-url', limited.baseURL, '--limit', '4', '--max-retry-after', '20']);
      expect(r.code, r.stderr).toBe(0);
      expect(limited.stats().faults['429']).toBeGreaterThan(0);
      expect(JSON.parse(r.stdout).stats.unfinished).toBe(0);
      expect(performance.now() - t0).toBeLessThan(25_000);
    } finally {
      await limited.close();
    }
  }, 30_000);
});

describe('gr2 export', () => {
  it("TRL 'messages' and 'prompt-completion' JSONL read back with DuckDB: one row per accepted trace, the completion as the assistant turn", async () => {
    const accepted = records(p('full.jsonl')).filter((x) => x.status === 'accepted');
    const r = await gr2(['--json', 'export', p('full.jsonl'), '-o', p('out/sft.jsonl')]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ format: 'messages', rows: accepted.length, dropped: records(p('full.jsonl')).length - accepted.length });
    const got = await rows(`SELECT * FROM read_json('${p('out/sft.jsonl')}', format = 'newline_delimited')`);
    expect(got).toEqual(accepted.map((x) => ({ messages: [...x.messages, { role: 'assistant', content: x.completion }] })));
    const pc = await gr2(['export', p('full.jsonl'), '-o', p('out/pc.jsonl'), '--format', 'prompt-completion']);
    expect(pc.code, pc.stderr).toBe(0);
    expect(pc.stdout).toContain(`wrote ${accepted.length} accepted traces (TRL prompt-completion JSONL`);
    const got2 = await rows(`SELECT * FROM read_json('${p('out/pc.jsonl')}', format = 'newline_delimited')`);
    expect(got2).toEqual(accepted.map((x) => ({ prompt: x.messages, completion: [{ role: 'assistant', content: x.completion }] })));
  });

  it('verl Parquet of two shard checkpoints read back with DuckDB: prompt, rule reward with the target, candidates in extra_info', async () => {
    const accepted = byId([...records(p('shard0.jsonl')), ...records(p('shard1.jsonl'))].filter((x) => x.status === 'accepted'));
    const r = await gr2(['export', p('shard0.jsonl'), p('shard1.jsonl'), '-o', p('out/rl.parquet'), '--format', 'verl', '--split', 'test']);
    expect(r.code, r.stderr).toBe(0);
    const got = await rows(`SELECT * FROM read_parquet('${p('out/rl.parquet')}') ORDER BY extra_info.id`);
    expect(got).toHaveLength(accepted.length);
    got.forEach((row, i) => {
      const x = accepted[i]!;
      expect(row).toMatchObject({ data_source: 'gr2/rerank', ability: 'rerank', prompt: x.messages, reward_model: { style: 'rule', ground_truth: x.target } });
      expect(row.extra_info).toMatchObject({ split: 'test', id: x.id, candidates: x.candidates });
    });
  });

  it('bad input: unknown --format (2), missing checkpoint (66), malformed checkpoint line (65, file:line); nothing written', async () => {
    const fmt = await gr2(['export', p('full.jsonl'), '-o', p('never.jsonl'), '--format', 'csv']);
    expect(fmt.code).toBe(2);
    expect(errorLines(fmt)).toEqual([expect.stringMatching(/^gr2 export: error: option '--format <format>' argument 'csv' is invalid\. Allowed choices are messages, prompt-completion, verl\.$/)]);
    const missing = await gr2(['export', p('none.jsonl'), '-o', p('never.jsonl')]);
    expect(missing.code).toBe(66);
    expect(errorLines(missing)).toEqual([`gr2 export: error: checkpoint '${p('none.jsonl')}': no such file`]);
    const lines = readFileSync(p('full.jsonl'), 'utf8').trim().split('\n');
    writeFileSync(p('corrupt.jsonl'), [lines[0], lines[1], '{"id": "user-1", "status": "acc', lines[2]].join('\n') + '\n');
    const corrupt = await gr2(['export', p('corrupt.jsonl'), '-o', p('never.jsonl'), '--format', 'verl']);
    expect(corrupt.code).toBe(65);
    expect(errorLines(corrupt)).toEqual([expect.stringMatching(new RegExp(`^gr2 export: error: ${p('corrupt.jsonl')}:3: is not JSON`))]);
    expect(existsSync(p('never.jsonl'))).toBe(false);
  });
});
