/**
 * `gr2 eval` through the built binary against trec_eval-style reference values (test/fixtures/cli, written by
 * scripts/gen_trec_eval_fixtures.py from trec_eval's definitions), on TREC run/qrels files and on the same data as
 * ranx / pytrec_eval JSON; paired comparison; bad input.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ensureBuilt, errorLines, gr2 } from './helpers.js';

const FIX = join(ROOT, 'test', 'fixtures', 'cli');
const ref = JSON.parse(readFileSync(join(FIX, 'trec_eval_reference.json'), 'utf8')) as {
  queries: string[];
  mean: Record<string, number>;
  perQuery: Record<string, Record<string, number>>;
};
const TREC_METRICS = Object.keys(ref.mean);
const dir = mkdtempSync(join(tmpdir(), 'gr2-cli-eval-'));
const p = (f: string) => join(dir, f);

beforeAll(() => ensureBuilt(), 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** gr2's name of a trec_eval measure. */
const gr2Name = (m: string) =>
  m.replace(/^P_(\d+)$/, 'precision@$1').replace(/^recall_(\d+)$/, 'recall@$1').replace(/^success_(\d+)$/, 'hit@$1').replace(/^ndcg_cut_(\d+)$/, 'ndcg@$1').replace(/^recip_rank$/, 'mrr');

async function evalJson(args: string[]) {
  const r = await gr2(['--json', 'eval', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('gr2 eval', () => {
  for (const [format, run, qrels] of [
    ['TREC run/qrels', 'run.trec', 'qrels.trec'],
    ['ranx / pytrec_eval JSON', 'run.json', 'qrels.json'],
    ['a JSON run with TREC qrels', 'run.json', 'qrels.trec'],
  ] as const) {
    it(`agrees with the trec_eval reference on ${format} (means and every per-query value)`, async () => {
      const out = await evalJson(['-r', join(FIX, run), '-q', join(FIX, qrels), '-m', ...TREC_METRICS, '--ci', '0']);
      expect(out.queries).toBe(ref.queries.length);
      expect(out.unjudgedRunQueries).toBe(1);
      for (const m of TREC_METRICS) {
        const g = gr2Name(m);
        expect(out.metrics[g].mean, m).toBeCloseTo(ref.mean[m]!, 12);
        for (const q of ref.queries) expect(out.perQuery[g][q], `${m} ${q}`).toBeCloseTo(ref.perQuery[q]![m]!, 12);
      }
    });
  }

  it('--complete scores the judged query the run does not answer as 0 (trec_eval -c)', async () => {
    const out = await evalJson(['-r', join(FIX, 'run.trec'), '-q', join(FIX, 'qrels.trec'), '-m', 'P_5', '--ci', '0', '--complete']);
    expect(out.queries).toBe(ref.queries.length + 1);
    expect(out.perQuery['precision@5'].q13).toBe(0);
    expect(out.metrics['precision@5'].mean).toBeCloseTo((ref.mean.P_5! * ref.queries.length) / (ref.queries.length + 1), 12);
  });

  it('a baseline run gives a paired comparison whose difference is the difference of the two means', async () => {
    // the baseline: every score negated (the ranking reversed)
    const run = JSON.parse(readFileSync(join(FIX, 'run.json'), 'utf8')) as Record<string, Record<string, number>>;
    const reversed = Object.fromEntries(Object.entries(run).map(([q, d]) => [q, Object.fromEntries(Object.entries(d).map(([k, s]) => [k, -s]))]));
    writeFileSync(p('reversed.json'), JSON.stringify(reversed));
    const a = await evalJson(['-r', join(FIX, 'run.json'), '-q', join(FIX, 'qrels.json'), '-m', 'ndcg@5', 'mrr', '--ci', '200']);
    const b = await evalJson(['-r', p('reversed.json'), '-q', join(FIX, 'qrels.json'), '-m', 'ndcg@5', 'mrr', '--ci', '200']);
    const c = await evalJson(['-r', join(FIX, 'run.json'), '-q', join(FIX, 'qrels.json'), '-b', p('reversed.json'), '-m', 'ndcg@5', 'mrr', '--ci', '200']);
    for (const m of ['ndcg@5', 'mrr']) {
      const cmp = c.metrics[m].comparison;
      expect(cmp.difference).toBeCloseTo(a.metrics[m].mean - b.metrics[m].mean, 12);
      expect(cmp.pValue).toBeGreaterThanOrEqual(0);
      expect(cmp.pValue).toBeLessThanOrEqual(1);
      expect(cmp.ci[0]).toBeLessThanOrEqual(cmp.difference);
      expect(cmp.ci[1]).toBeGreaterThanOrEqual(cmp.difference);
      const [lo, hi] = a.metrics[m].ci;
      expect(lo).toBeLessThanOrEqual(a.metrics[m].mean);
      expect(hi).toBeGreaterThanOrEqual(a.metrics[m].mean);
    }
    const text = await gr2(['eval', '-r', join(FIX, 'run.json'), '-q', join(FIX, 'qrels.json'), '-b', p('reversed.json'), '-m', 'ndcg@5']);
    expect(text.stdout).toMatch(/^ndcg@5\s+\| \d\.\d{4} \| \d\.\d{4}\s+\| [+-]\d\.\d{4} \| \[/m);
  });

  it('bad input → one error line and a non-zero exit: malformed run, unknown metric, missing file, JSON of the wrong shape', async () => {
    writeFileSync(p('bad.trec'), 'q1 Q0 d001 1 3.5 tag\nq1 Q0 d002 2 tag\n');
    writeFileSync(p('score.trec'), 'q1 Q0 d001 1 high tag\n');
    writeFileSync(p('array.json'), '{"q1": [1, 2]}');
    const cases: [string[], number, string | RegExp][] = [
      [['-r', p('bad.trec'), '-q', join(FIX, 'qrels.trec')], 65, `gr2 eval: error: ${p('bad.trec')}:2: a TREC run line has 6 columns (qid Q0 docno rank score tag); got 5`],
      [['-r', p('score.trec'), '-q', join(FIX, 'qrels.trec')], 65, `gr2 eval: error: ${p('score.trec')}:1: the score (column 5) must be a number; got "high"`],
      [['-r', p('array.json'), '-q', join(FIX, 'qrels.trec')], 65, /array\.json: query "q1": expected an object \{doc: score\}; got an array$/],
      [['-r', join(FIX, 'run.trec'), '-q', join(FIX, 'qrels.trec'), '-m', 'ndcg@5', 'map@7'], 2, /^gr2 eval: error: --metric "map@7" is not a known metric; use recall@k/],
      [['-r', join(FIX, 'run.trec'), '-q', p('none.qrels')], 66, `gr2 eval: error: qrels file '${p('none.qrels')}': no such file`],
      [['-q', join(FIX, 'qrels.trec')], 2, "gr2 eval: error: required option '-r, --run <file>' not specified"],
    ];
    for (const [args, code, line] of cases) {
      const r = await gr2(['eval', ...args]);
      expect(r.code, r.stderr).toBe(code);
      const lines = errorLines(r);
      expect(lines).toHaveLength(1);
      if (typeof line === 'string') expect(lines[0]).toBe(line);
      else expect(lines[0]).toMatch(line);
      expect(r.stdout).toBe('');
    }
    expect(existsSync(p('none.qrels'))).toBe(false);
  });
});
