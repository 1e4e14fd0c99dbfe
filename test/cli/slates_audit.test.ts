/**
 * `gr2 slates` and `gr2 audit-reward`, run as the built binary on the first 1500 users of the bundled Amazon Beauty
 * file: slates and the pre-rank baseline checked by hand from the sequences; the audit through built-in and
 * user-module rewards; bad input → one error line, non-zero exit, nothing written.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ensureBuilt, errorLines, gr2 } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'gr2-cli-slates-'));
const p = (f: string) => join(dir, f);
const USERS = 1500;
let sequences: number[][];

beforeAll(async () => {
  const lines = readFileSync(join(ROOT, 'examples', 'data', 'Beauty.txt'), 'utf8').split('\n').slice(0, USERS);
  writeFileSync(p('seq.txt'), lines.join('\n') + '\n');
  sequences = lines.map((l) => l.trim().split(/\s+/).map(Number));
  await ensureBuilt();
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface SlateRow {
  user: number;
  history: number[];
  candidates: number[];
  relevance: number[];
  target: number;
  targetRank: number;
}

describe('gr2 slates', () => {
  it("writes one 'inject' slate per user: the last item is the target, the rest the history; the baseline is the targets' ranks", async () => {
    const r = await gr2(['--json', 'slates', p('seq.txt'), '-o', p('slates.jsonl'), '--k', '10', '--seed', '5']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const slates = readFileSync(p('slates.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as SlateRow);
    expect(out.slates).toBe(slates.length);
    const byUser = new Map(sequences.map((s) => [s[0]!, s.slice(1)]));
    for (const s of slates) {
      const items = byUser.get(s.user)!;
      expect(s.target).toBe(items[items.length - 1]);
      expect(s.history).toEqual(items.slice(0, -1));
      expect(s.candidates).toHaveLength(10);
      expect(new Set(s.candidates).size).toBe(10);
      expect(s.candidates[s.targetRank - 1]).toBe(s.target);
      expect(s.relevance).toEqual(s.candidates.map((c) => (c === s.target ? 1 : 0)));
    }
    const ranks = slates.map((s) => s.targetRank);
    const mean = (f: (r: number) => number) => ranks.reduce((a, r) => a + f(r), 0) / ranks.length;
    expect(out.prerank.mean['recall@1']).toBeCloseTo(mean((r) => (r === 1 ? 1 : 0)), 12);
    expect(out.prerank.mean['recall@5']).toBeCloseTo(mean((r) => (r <= 5 ? 1 : 0)), 12);
    expect(out.prerank.mean['ndcg@5']).toBeCloseTo(mean((r) => (r <= 5 ? 1 / Math.log2(r + 1) : 0)), 12);
    const [lo, hi] = out.prerank.ci['ndcg@5'];
    expect(lo).toBeLessThan(out.prerank.mean['ndcg@5']);
    expect(hi).toBeGreaterThan(out.prerank.mean['ndcg@5']);
  });

  it("'filter' keeps only slates whose target the pre-ranker retrieved; --limit caps the file; human output names the file", async () => {
    const r = await gr2(['slates', p('seq.txt'), '-o', p('filter.jsonl'), '--policy', 'filter', '--limit', '20']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote ${p('filter.jsonl')}`);
    const rows = readFileSync(p('filter.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as SlateRow & { targetRetrieved: boolean });
    expect(rows.length).toBeLessThanOrEqual(20);
    expect(rows.every((s) => s.targetRetrieved)).toBe(true);
  });

  it('bad input: a missing file (66), a malformed sequence line (65, file and line), a bad --k (2); nothing written', async () => {
    const missing = await gr2(['slates', p('none.txt'), '-o', p('x.jsonl')]);
    expect(missing.code).toBe(66);
    expect(errorLines(missing)).toEqual([`gr2 slates: error: sequences file '${p('none.txt')}': no such file`]);
    writeFileSync(p('bad.txt'), '1 2 3 4\n2 5 x 7\n');
    const bad = await gr2(['slates', p('bad.txt'), '-o', p('x.jsonl')]);
    expect(bad.code).toBe(65);
    expect(errorLines(bad)).toHaveLength(1);
    expect(bad.stderr).toMatch(/^gr2 slates: error: .*bad\.txt: line 2: /);
    const k = await gr2(['slates', p('seq.txt'), '-o', p('x.jsonl'), '--k', '1']);
    expect(k.code).toBe(2);
    expect(errorLines(k)).toEqual(['gr2 slates: error: --k must be an integer in [2, 1000]; got "1".']);
    expect(existsSync(p('x.jsonl'))).toBe(false);
  });
});

describe('gr2 audit-reward', () => {
  it('the naive reward is flagged for order copying, the conditional one is not (--json)', async () => {
    const naive = JSON.parse((await gr2(['--json', 'audit-reward', 'builtin:naive', '-s', p('slates.jsonl'), '--max-slates', '200'])).stdout);
    const cond = JSON.parse((await gr2(['--json', 'audit-reward', 'builtin:conditional', '-s', p('slates.jsonl'), '--max-slates', '200'])).stdout);
    expect(naive.slates).toBe(200);
    expect(naive.passed.order_copying).toBe(false);
    expect(cond.passed.order_copying).toBe(true);
    // copying a non-optimal input order: the conditional reward gives 0 (the target is not promoted)
    expect(cond.copyMeanOnNonOptimal).toBe(0);
    expect(naive.copyMeanOnNonOptimal).toBeGreaterThan(0);
    expect(cond.table.map((r: { strategy: string }) => r.strategy)).toContain('copy_input');
  });

  it('a user reward module (default export) is audited; --strict turns a finding into exit 1 with one line', async () => {
    writeFileSync(p('constant.mjs'), 'export default function constant(samples) { return samples.map(() => 1); }\n');
    const text = await gr2(['audit-reward', p('constant.mjs'), '-s', p('slates.jsonl'), '--max-slates', '50']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/\| copy_input \| valid \| \d+ \| 1\.0000 \|/);
    const strict = await gr2(['audit-reward', p('constant.mjs'), '-s', p('slates.jsonl'), '--max-slates', '50', '--strict']);
    expect(strict.code).toBe(1);
    expect(errorLines(strict)).toEqual([expect.stringMatching(/^gr2 audit-reward: error: reward 'constant' was flagged: .*order_copying/)]);
  });

  it('bad input: missing module (66), a module without a reward (65), an unknown built-in (2), slates of the wrong shape (65)', async () => {
    const missing = await gr2(['audit-reward', p('none.mjs'), '-s', p('slates.jsonl')]);
    expect(missing.code).toBe(66);
    expect(errorLines(missing)).toHaveLength(1);
    writeFileSync(p('empty.mjs'), 'export const answer = 42;\n');
    const empty = await gr2(['audit-reward', p('empty.mjs'), '-s', p('slates.jsonl')]);
    expect(empty.code).toBe(65);
    expect(errorLines(empty)).toEqual([`gr2 audit-reward: error: reward module '${p('empty.mjs')}' exports no reward function as 'default' or 'reward' (exports: answer)`]);
    const builtin = await gr2(['audit-reward', 'builtin:bogus', '-s', p('slates.jsonl')]);
    expect(builtin.code).toBe(2);
    writeFileSync(p('ragged.jsonl'), JSON.stringify({ user: 1, history: [1], candidates: [1, 2, 3], relevance: [0, 1], target: 2, targetRank: 2 }) + '\n');
    const ragged = await gr2(['audit-reward', 'builtin:naive', '-s', p('ragged.jsonl')]);
    expect(ragged.code).toBe(65);
    expect(errorLines(ragged)).toEqual([`gr2 audit-reward: error: ${p('ragged.jsonl')}:1: wrong dimensions: "relevance" must hold 3 grades >= 0, one per candidate`]);
  });
});

describe('gr2 prompt', () => {
  const rows = (f: string) => readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const slates = () => readFileSync(p('slates.jsonl'), 'utf8').trim().split('\n').slice(0, 30).map((l) => JSON.parse(l) as SlateRow);

  it('renders [system, user] messages naming every candidate by its SID (from a --sids file); shuffled prompts map back through "order"', async () => {
    const items = new Set(slates().flatMap((s) => [...s.candidates, ...s.history]));
    const sidOf = (id: number) => [id % 256, (id >> 8) % 256, 7, 9];
    writeFileSync(p('item_sids.jsonl'), [...items].map((id) => JSON.stringify({ id, codes: sidOf(id) })).join('\n'));
    const sid = (id: number) => `<|sid_begin|>${sidOf(id).map((c, l) => `<s_${'abcd'[l]}_${c}>`).join('')}<|sid_end|>`;
    const r = await gr2(['prompt', p('slates.jsonl'), '-o', p('prompts.jsonl'), '--sids', p('item_sids.jsonl'), '--limit', '30', '--shuffle-seed', '3']);
    expect(r.code, r.stderr).toBe(0);
    const out = rows(p('prompts.jsonl'));
    expect(out).toHaveLength(30);
    slates().forEach((s, i) => {
      const row = out[i];
      expect(row.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user']);
      expect([...row.order].sort((a: number, b: number) => a - b)).toEqual([...Array(10).keys()]);
      expect(row.candidates).toEqual(row.order.map((j: number) => sid(s.candidates[j]!)));
      for (const c of row.candidates) expect(row.messages[1].content).toContain(c);
      expect(row.target).toBe(sid(s.target));
    });
    expect(out.some((row) => row.order.some((j: number, i: number) => j !== i))).toBe(true);
  });

  it('--no-reasoning renders the reasoning-free variant (a different, shorter instruction)', async () => {
    await gr2(['prompt', p('slates.jsonl'), '-o', p('with.jsonl'), '--limit', '3']);
    const r = await gr2(['--json', 'prompt', p('slates.jsonl'), '-o', p('without.jsonl'), '--limit', '3', '--no-reasoning']);
    expect(JSON.parse(r.stdout)).toMatchObject({ prompts: 3, reasoning: false });
    const a = rows(p('with.jsonl'));
    const b = rows(p('without.jsonl'));
    expect(b[0].candidates).toEqual(a[0].candidates);
    expect(JSON.stringify(b[0].messages)).not.toBe(JSON.stringify(a[0].messages));
  });

  it('an item without a SID → exit 65 naming the SIDs file; nothing written', async () => {
    writeFileSync(p('few_sids.jsonl'), '{"id": 1, "codes": [1, 2, 3, 4]}\n');
    const r = await gr2(['prompt', p('slates.jsonl'), '-o', p('never.jsonl'), '--sids', p('few_sids.jsonl')]);
    expect(r.code).toBe(65);
    expect(errorLines(r)).toEqual([expect.stringMatching(new RegExp(`^gr2 prompt: error: ${p('few_sids.jsonl')}: item \\d+ \\(of '.*slates\\.jsonl'\\) has no SID$`))]);
    expect(existsSync(p('never.jsonl'))).toBe(false);
  });
});
