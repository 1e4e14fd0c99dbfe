import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auc, evaluateSlates, hitRateAtK, mrr, ndcgAtK, precisionAtK, recallAtK, type TieBreaking } from '../../src/metrics/index.js';

// ---- naive reference implementations over a plain ranked list of grades (test-side, independent) ----
const naive = {
  recall: (g: number[], k: number, numRel: number) => g.slice(0, k).filter((x) => x > 0).length / numRel,
  precision: (g: number[], k: number) => g.slice(0, k).filter((x) => x > 0).length / k,
  hit: (g: number[], k: number) => (g.slice(0, k).some((x) => x > 0) ? 1 : 0),
  rr: (g: number[]) => {
    const i = g.findIndex((x) => x > 0);
    return i < 0 ? 0 : 1 / (i + 1);
  },
  ndcg: (g: number[], k: number, exp: boolean) => {
    const gain = (x: number) => (exp ? 2 ** x - 1 : x);
    const dcg = (a: number[]) => a.slice(0, k).reduce((s, x, i) => s + gain(x) / Math.log2(i + 2), 0);
    const idcg = dcg([...g].sort((a, b) => b - a));
    return idcg === 0 ? 0 : dcg(g) / idcg;
  },
  auc: (g: number[]) => {
    let c = 0;
    let t = 0;
    for (let i = 0; i < g.length; i++)
      for (let j = i + 1; j < g.length; j++) {
        const a = g[i]! > 0 ? 1 : 0;
        const b = g[j]! > 0 ? 1 : 0;
        if (a !== b) {
          t++;
          if (a > b) c++;
        }
      }
    return t === 0 ? NaN : c / t;
  },
};

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

/** Every ordering consistent with the scores (tie groups permuted), as grade lists. */
function allTieOrders(scores: number[], grades: number[]): number[][] {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const groups: number[][] = [];
  for (const i of idx) {
    const last = groups[groups.length - 1];
    if (last && scores[last[0]!] === scores[i]) last.push(i);
    else groups.push([i]);
  }
  let orders: number[][] = [[]];
  for (const g of groups) orders = orders.flatMap((o) => permutations(g).map((p) => [...o, ...p]));
  return orders.map((o) => o.map((i) => grades[i]!));
}

const slateArb = (maxK: number) =>
  fc.integer({ min: 2, max: maxK }).chain((K) =>
    fc.record({
      scores: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: K, maxLength: K }),
      grades: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: K, maxLength: K }),
      k: fc.integer({ min: 1, max: K }),
    }),
  );

describe('properties (fast-check)', () => {
  it("'average' ties equal the mean over every tie ordering (brute force), for every metric", () => {
    fc.assert(
      fc.property(slateArb(6), ({ scores, grades, k }) => {
        const numRel = grades.filter((g) => g > 0).length;
        fc.pre(numRel > 0);
        const ids = scores.map((_, i) => i);
        const run = { ids, scores };
        const rel = new Map(grades.map((g, i) => [i, g]));
        const orders = allTieOrders(scores, grades);
        const mean = (f: (g: number[]) => number) => orders.reduce((s, o) => s + f(o), 0) / orders.length;
        expect(recallAtK(run, rel, k)).toBeCloseTo(mean((o) => naive.recall(o, k, numRel)), 10);
        expect(precisionAtK(run, rel, k)).toBeCloseTo(mean((o) => naive.precision(o, k)), 10);
        expect(hitRateAtK(run, rel, k)).toBeCloseTo(mean((o) => naive.hit(o, k)), 10);
        expect(mrr(run, rel)).toBeCloseTo(mean((o) => naive.rr(o)), 10);
        expect(ndcgAtK(run, rel, k)).toBeCloseTo(mean((o) => naive.ndcg(o, k, false)), 10);
        expect(ndcgAtK(run, rel, k, { gain: 'exponential' })).toBeCloseTo(mean((o) => naive.ndcg(o, k, true)), 10);
        if (numRel < grades.length) expect(auc(run, rel)).toBeCloseTo(mean((o) => naive.auc(o)), 10);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('every metric lies in [0, 1], and optimistic ≥ average ≥ pessimistic', () => {
    fc.assert(
      fc.property(slateArb(12), ({ scores, grades, k }) => {
        const run = { ids: scores.map((_, i) => i), scores };
        const rel = new Map(grades.map((g, i) => [i, g]));
        const fns = [
          (t: TieBreaking) => recallAtK(run, rel, k, { ties: t }),
          (t: TieBreaking) => precisionAtK(run, rel, k, { ties: t }),
          (t: TieBreaking) => hitRateAtK(run, rel, k, { ties: t }),
          (t: TieBreaking) => mrr(run, rel, { ties: t }),
          (t: TieBreaking) => ndcgAtK(run, rel, k, { ties: t, gain: 'exponential' }),
          (t: TieBreaking) => auc(run, rel, { ties: t }),
        ];
        for (const f of fns) {
          const [o, a, p, s] = (['optimistic', 'average', 'pessimistic', 'stable'] as const).map(f);
          for (const v of [o, a, p, s]) {
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThanOrEqual(1 + 1e-12);
          }
          expect(o! + 1e-12).toBeGreaterThanOrEqual(a!);
          expect(a! + 1e-12).toBeGreaterThanOrEqual(p!);
        }
      }),
      { numRuns: 300, seed: 12 },
    );
  });

  it('a perfect ranking scores 1', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 2, maxLength: 15 }), (grades) => {
        const numRel = grades.filter((g) => g > 0).length;
        fc.pre(numRel > 0 && numRel < grades.length);
        const ranking = grades.map((_, i) => i).sort((a, b) => grades[b]! - grades[a]!);
        const rel = new Map(grades.map((g, i) => [i, g]));
        expect(ndcgAtK(ranking, rel, grades.length)).toBeCloseTo(1, 12);
        expect(ndcgAtK(ranking, rel, 1, { gain: 'exponential' })).toBeCloseTo(1, 12);
        expect(recallAtK(ranking, rel, numRel)).toBe(1);
        expect(precisionAtK(ranking, rel, numRel)).toBe(1);
        expect(hitRateAtK(ranking, rel, 1)).toBe(1);
        expect(mrr(ranking, rel)).toBe(1);
        expect(auc(ranking, rel)).toBe(1);
        expect(auc(ranking, rel, { pairs: 'graded' })).toBe(1);
      }),
      { numRuns: 200, seed: 13 },
    );
  });

  it('moving the single target up never lowers any metric', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 20 }).chain((K) =>
          fc.record({ K: fc.constant(K), from: fc.integer({ min: 1, max: K }), to: fc.integer({ min: 1, max: K }), k: fc.integer({ min: 1, max: K }) }),
        ),
        ({ K, from, to, k }) => {
          fc.pre(to < from);
          const place = (r: number) => {
            const list = Array.from({ length: K }, (_, i) => i + 100);
            list.splice(r - 1, 0, 7);
            return list.slice(0, K);
          };
          const lo = place(from);
          const hi = place(to);
          expect(recallAtK(hi, 7, k)).toBeGreaterThanOrEqual(recallAtK(lo, 7, k));
          expect(ndcgAtK(hi, 7, k)).toBeGreaterThanOrEqual(ndcgAtK(lo, 7, k));
          expect(hitRateAtK(hi, 7, k)).toBeGreaterThanOrEqual(hitRateAtK(lo, 7, k));
          expect(precisionAtK(hi, 7, k)).toBeGreaterThanOrEqual(precisionAtK(lo, 7, k));
          expect(mrr(hi, 7)).toBeGreaterThan(mrr(lo, 7));
          expect(auc(hi, 7)).toBeGreaterThan(auc(lo, 7));
        },
      ),
      { numRuns: 300, seed: 14 },
    );
  });

  it("evaluateSlates without auc ('average' ties: the relevant-groups loop) is bitwise the per-query functions", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 10 }).chain((K) =>
          fc.array(
            fc.record({
              // ties, ±Infinity, and tie-free real scores; grades 0/1/2/3.5
              scores: fc.array(fc.oneof(fc.integer({ min: 0, max: 3 }), fc.double({ min: -5, max: 5, noNaN: true }), fc.constantFrom(-Infinity, Infinity)), { minLength: K, maxLength: K }),
              grades: fc.array(fc.constantFrom(0, 0, 1, 2, 3.5), { minLength: K, maxLength: K }),
            }),
            { minLength: 1, maxLength: 8 },
          ),
        ),
        fc.constantFrom<'linear' | 'exponential'>('linear', 'exponential'),
        fc.boolean(),
        (rows, gain, capDen) => {
          const K = rows[0]!.scores.length;
          const shape = [rows.length, K];
          const S = { data: Float64Array.from(rows.flatMap((r) => r.scores)), shape };
          const L = { data: Float64Array.from(rows.flatMap((r) => r.grades)), shape };
          const ks = [...new Set([1, Math.min(3, K), K])];
          const metrics = ks.flatMap((k) => [`recall@${k}`, `ndcg@${k}`, `hit@${k}`, `precision@${k}`, `mrr@${k}`]).concat(['mrr']);
          const denominator = capDen ? ('min-relevant-k' as const) : ('relevant' as const);
          const res = evaluateSlates(S, L, metrics, { gain, denominator });
          rows.forEach((r, q) => {
            const run = { ids: r.scores.map((_, i) => i), scores: r.scores };
            const rel = new Map(r.grades.map((g, i) => [i, g]));
            for (const m of metrics) {
              const [name, kStr] = m.split('@') as [string, string | undefined];
              const k = kStr === undefined ? undefined : Number(kStr);
              const want =
                name === 'recall' ? recallAtK(run, rel, k!, { denominator })
                : name === 'ndcg' ? ndcgAtK(run, rel, k!, { gain })
                : name === 'hit' ? hitRateAtK(run, rel, k!)
                : name === 'precision' ? precisionAtK(run, rel, k!)
                : mrr(run, rel, k === undefined ? {} : { k });
              expect(Object.is(res.perQuery[m]![q], want), `${m}, row ${q}: ${res.perQuery[m]![q]} vs ${want}`).toBe(true);
            }
          });
        },
      ),
      { numRuns: 300, seed: 21 },
    );
  });

  it('evaluateSlates equals the per-query functions for every tie policy', () => {
    const ties: TieBreaking[] = ['average', 'optimistic', 'pessimistic', 'stable'];
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 10 }).chain((K) =>
          fc.array(
            fc.record({
              // ±Infinity as masked logits: equal infinities are ties too
              scores: fc.array(fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom(-Infinity, Infinity)), { minLength: K, maxLength: K }),
              grades: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: K, maxLength: K }),
            }),
            { minLength: 1, maxLength: 8 },
          ),
        ),
        fc.constantFrom(...ties),
        (rows, tie) => {
          const K = rows[0]!.scores.length;
          const shape = [rows.length, K];
          const S = { data: Float32Array.from(rows.flatMap((r) => r.scores)), shape };
          const L = { data: Float32Array.from(rows.flatMap((r) => r.grades)), shape };
          const ks = [1, Math.min(3, K), K];
          const metrics = [...new Set(ks)].flatMap((k) => [`recall@${k}`, `ndcg@${k}`, `hit@${k}`, `precision@${k}`]).concat(['mrr', 'auc']);
          const res = evaluateSlates(S, L, metrics, { ties: tie, gain: 'exponential' });
          rows.forEach((r, q) => {
            const run = { ids: r.scores.map((_, i) => i), scores: r.scores };
            const rel = new Map(r.grades.map((g, i) => [i, g]));
            const o = { ties: tie };
            for (const m of metrics) {
              const [name, kStr] = m.split('@') as [string, string | undefined];
              const k = Number(kStr);
              const want =
                name === 'recall' ? recallAtK(run, rel, k, o)
                : name === 'ndcg' ? ndcgAtK(run, rel, k, { ...o, gain: 'exponential' })
                : name === 'hit' ? hitRateAtK(run, rel, k, o)
                : name === 'precision' ? precisionAtK(run, rel, k, o)
                : name === 'mrr' ? mrr(run, rel, o)
                : auc(run, rel, o);
              expect(res.perQuery[m]![q]).toBeCloseTo(want, 10);
            }
          });
        },
      ),
      { numRuns: 150, seed: 15 },
    );
  });
});
