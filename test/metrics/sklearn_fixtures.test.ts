import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { auc, evaluateSlates, ndcgAtK } from '../../src/metrics/index.js';

interface Case {
  name: string;
  K: number;
  scores: number[][];
  labels: number[][];
  ndcg: Record<string, number[]>;
  ndcgExp: Record<string, number[]>;
  auc: (number | null)[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/metrics_sklearn.json', import.meta.url), 'utf8')) as { cases: Case[] };

describe('scikit-learn ndcg_score / roc_auc_score fixtures (scripts/gen_metrics_fixtures.py)', () => {
  for (const c of fixture.cases) {
    const ids = Array.from({ length: c.K }, (_, i) => i);
    const grades = (row: number[]) => new Map(row.map((g, i) => [i, g]));
    it(`${c.name}: per-query ndcgAtK (ties: 'average', ideal: 'ranking') matches sklearn`, () => {
      for (const k of Object.keys(c.ndcg)) {
        c.scores.forEach((scores, r) => {
          const opts = { ideal: 'ranking' as const };
          expect(ndcgAtK({ ids, scores }, grades(c.labels[r]!), Number(k), opts)).toBeCloseTo(c.ndcg[k]![r]!, 10);
          expect(ndcgAtK({ ids, scores }, grades(c.labels[r]!), Number(k), { ...opts, gain: 'exponential' })).toBeCloseTo(c.ndcgExp[k]![r]!, 10);
        });
      }
    });
    it(`${c.name}: batched evaluateSlates matches sklearn`, () => {
      const shape = [c.scores.length, c.K];
      const S = { data: Float32Array.from(c.scores.flat()), shape };
      const L = { data: Float32Array.from(c.labels.flat()), shape };
      const ks = Object.keys(c.ndcg);
      const lin = evaluateSlates(S, L, ks.map((k) => `ndcg@${k}`));
      const exp = evaluateSlates(S, L, ks.map((k) => `ndcg@${k}`), { gain: 'exponential' });
      for (const k of ks) {
        const want = c.ndcg[k]!;
        const got = lin.perQuery[`ndcg@${k}`]!;
        want.forEach((w, r) => expect(got[r]).toBeCloseTo(w, 10));
        c.ndcgExp[k]!.forEach((w, r) => expect(exp.perQuery[`ndcg@${k}`]![r]).toBeCloseTo(w, 10));
      }
      const a = evaluateSlates(S, L, ['auc'], { noRelevant: 'skip' }).perQuery['auc']!;
      c.auc.forEach((w, r) => {
        if (w === null) expect(a[r]).toBeNaN();
        else expect(a[r]).toBeCloseTo(w, 10);
      });
    });
    it(`${c.name}: per-query auc matches roc_auc_score`, () => {
      c.auc.forEach((w, r) => {
        const v = auc({ ids, scores: c.scores[r]! }, grades(c.labels[r]!), { noRelevant: 'skip' });
        if (w === null) expect(v).toBeNaN();
        else expect(v).toBeCloseTo(w, 10);
      });
    });
  }
});
