import { describe, expect, it } from 'vitest';
import {
  bootstrapCi,
  compareEvaluations,
  evaluate,
  evaluateRanks,
  evaluateSlates,
  pairedTest,
  parseMetric,
  relativeLift,
} from '../../src/metrics/index.js';
import { Random } from '../../src/sampling/random.js';

describe('parseMetric', () => {
  it('parses names, aliases and cut-offs', () => {
    expect(parseMetric('NDCG@5')).toEqual({ key: 'NDCG@5', name: 'ndcg', k: 5 });
    expect(parseMetric('R@1')).toEqual({ key: 'R@1', name: 'recall', k: 1 });
    expect(parseMetric('mrr')).toEqual({ key: 'mrr', name: 'mrr', k: null });
    expect(parseMetric('auc').name).toBe('auc');
  });
  it.each(['map@5', 'ndcg', 'recall@0', 'auc@3', 'ndcg@x'])('rejects %s', (m) => {
    expect(() => parseMetric(m)).toThrow(RangeError);
    expect(() => parseMetric(m)).toThrow(/'metric'/);
  });
});

describe('evaluate', () => {
  it('per-query values and means over judged queries (hand-worked)', () => {
    const runs = { q1: [3, 1, 2], q2: [2, 1, 3], q3: [5, 6] };
    const qrels = { q1: 1, q2: 2, q3: [9], q4: 4 };
    const r = evaluate(runs, qrels, ['recall@1', 'ndcg@3', 'mrr']);
    expect(r.queries).toEqual(['q1', 'q2', 'q3', 'q4']);
    expect(Array.from(r.perQuery['recall@1']!)).toEqual([0, 1, 0, 0]); // q4 has no run → empty ranking
    expect(r.mean['ndcg@3']).toBeCloseTo((1 / Math.log2(3) + 1) / 4, 12);
    expect(r.mean['mrr']).toBeCloseTo((1 / 2 + 1) / 4, 12);
    expect(r.count['mrr']).toBe(4);
  });
  it("'skip' queries are excluded from the means and counts", () => {
    const r = evaluate(new Map([['a', [1, 2]], ['b', [1, 2]]]), new Map<string, number | number[]>([['a', 1], ['b', []]]), ['recall@1'], { noRelevant: 'skip' });
    expect(r.perQuery['recall@1']![1]).toBeNaN();
    expect(r.mean['recall@1']).toBe(1);
    expect(r.count['recall@1']).toBe(1);
  });
  it('rejects runs for unjudged queries and duplicate metrics', () => {
    expect(() => evaluate({ x: [1] }, { y: 1 }, ['mrr'])).toThrow(RangeError);
    expect(() => evaluate({ x: [1] }, { y: 1 }, ['mrr'])).toThrow(/'runs'/);
    expect(() => evaluate({}, { y: 1 }, ['mrr', 'mrr'])).toThrow(/'metrics'/);
    expect(() => evaluate({}, { y: 1 }, [])).toThrow(TypeError);
  });
  it('bootstrap intervals are seeded and contain the mean', () => {
    const rng = new Random(2);
    const runs: Record<string, number[]> = {};
    const qrels: Record<string, number> = {};
    for (let q = 0; q < 300; q++) {
      runs[`q${q}`] = rng.permutation(10);
      qrels[`q${q}`] = 0;
    }
    const a = evaluate(runs, qrels, ['ndcg@5'], { ci: { samples: 500, seed: 4 } });
    const b = evaluate(runs, qrels, ['ndcg@5'], { ci: { samples: 500, seed: 4 } });
    expect(a.ci).toEqual(b.ci);
    const [lo, hi] = a.ci!['ndcg@5']!;
    expect(lo).toBeLessThan(a.mean['ndcg@5']!);
    expect(hi).toBeGreaterThan(a.mean['ndcg@5']!);
  });
});

describe('batched forms', () => {
  it('evaluateRanks equals evaluateSlates on single-target slates', () => {
    const rng = new Random(8);
    const n = 500;
    const K = 10;
    const ranks = new Int32Array(n);
    const scores = new Float32Array(n * K);
    const labels = new Float32Array(n * K);
    for (let q = 0; q < n; q++) {
      const r = 1 + rng.int(K);
      ranks[q] = r;
      for (let i = 0; i < K; i++) scores[q * K + i] = K - i;
      labels[q * K + r - 1] = 1;
    }
    const metrics = ['recall@1', 'recall@5', 'ndcg@5', 'hit@3', 'precision@5', 'mrr', 'auc'];
    const a = evaluateRanks(ranks, metrics);
    const b = evaluateSlates({ data: scores, shape: [n, K] }, { data: labels, shape: [n, K] }, metrics);
    for (const m of metrics) expect(a.mean[m]).toBeCloseTo(b.mean[m]!, 12);
  });
  it('evaluateRanks hand-worked values and validation', () => {
    const r = evaluateRanks(Int32Array.of(1, 3, 0), ['recall@1', 'ndcg@5', 'mrr', 'auc']);
    expect(r.mean['recall@1']).toBeCloseTo(1 / 3, 12);
    expect(r.mean['ndcg@5']).toBeCloseTo(0.5, 12);
    expect(r.mean['mrr']).toBeCloseTo((1 + 1 / 3) / 3, 12);
    expect(r.mean['auc']).toBeCloseTo((1 + 7 / 9 + 0) / 3, 12);
    expect(() => evaluateRanks([1, 11], ['mrr'])).toThrow(/'ranks\[1\]'/);
    expect(() => evaluateRanks([1.5], ['mrr'])).toThrow(RangeError);
  });
  it('evaluateSlates validates shapes, NaN scores and negative labels', () => {
    const S = { data: Float32Array.of(1, 2, 3, 4), shape: [2, 2] };
    expect(() => evaluateSlates(S, { data: Float32Array.of(1, 0), shape: [1, 2] }, ['mrr'])).toThrow(/'labels'/);
    expect(() => evaluateSlates({ data: Float32Array.of(1, NaN), shape: [1, 2] }, { data: Float32Array.of(1, 0), shape: [1, 2] }, ['mrr'])).toThrow(/'scores'/);
    expect(() => evaluateSlates(S, { data: Float32Array.of(1, -1, 0, 0), shape: [2, 2] }, ['mrr'])).toThrow(/'labels'/);
    expect(() => evaluateSlates(S, S, ['ndcg@3'], { kBeyondList: 'error' })).toThrow(/'k'/);
  });

  it('evaluateSlates keeps float64 scores distinct (number[][], Float64Array); float32 data ties them', () => {
    // 1 + 1e-9 and 1 are equal in float32: the relevant item (score 1) is rank 2 in float64, tied 1–2 in float32
    const scores = [1 + 1e-9, 1, 0.5];
    const labels = [[0, 1, 0]];
    const rank2 = 1 / Math.log2(3);
    expect(evaluateSlates([scores], labels, ['ndcg@3']).mean['ndcg@3']).toBeCloseTo(rank2, 12);
    expect(evaluateSlates({ data: Float64Array.from(scores), shape: [1, 3] }, labels, ['ndcg@3']).mean['ndcg@3']).toBeCloseTo(rank2, 12);
    expect(evaluateSlates({ data: scores, shape: [1, 3] }, labels, ['ndcg@3']).mean['ndcg@3']).toBeCloseTo(rank2, 12);
    expect(evaluateSlates({ data: Float32Array.from(scores), shape: [1, 3] }, labels, ['ndcg@3']).mean['ndcg@3']).toBeCloseTo((1 + rank2) / 2, 12);
  });

  it('evaluateSlates reads float64 inputs in place and still validates their structure with typed errors', () => {
    const L = { data: Float64Array.of(0, 1), shape: [1, 2] };
    expect(() => evaluateSlates({ data: Float64Array.of(1, 2, 3), shape: [1, 2] }, L, ['mrr'])).toThrow(/evaluateSlates: 'scores.data' must be of length rows\*cols = 2/);
    expect(() => evaluateSlates({ data: Float64Array.of(1, 2), shape: [2] }, L, ['mrr'])).toThrow(/'scores.shape' must be \[rows, cols\]/);
    expect(() => evaluateSlates({ data: Float64Array.of(1, 2), shape: [-1, -2] }, L, ['mrr'])).toThrow(RangeError);
    expect(() => evaluateSlates({ data: Float64Array.of(1, 2), shape: [0.5, 4] }, L, ['mrr'])).toThrow(/non-negative integers/);
    expect(() => evaluateSlates([[1, 2], [3]], [[0, 1], [1, 0]], ['mrr'])).toThrow(/rows of equal length 2/);
    expect(() => evaluateSlates([[1, 2], null as never], [[0, 1], [1, 0]], ['mrr'])).toThrow(TypeError);
    expect(() => evaluateSlates({ data: Float64Array.of(1, NaN), shape: [1, 2] }, L, ['mrr'])).toThrow(/'scores' must be free of NaN/);
    // the caller's array is not modified and the values equal the float32-free per-row reference
    const data = Float64Array.of(0.3, 0.1, 0.2, 0.9);
    const r = evaluateSlates({ data, shape: [2, 2] }, { data: Float64Array.of(1, 0, 0, 1), shape: [2, 2] }, ['mrr']);
    expect(Array.from(r.perQuery['mrr']!)).toEqual([1, 1]);
    expect(Array.from(data)).toEqual([0.3, 0.1, 0.2, 0.9]);
  });
});

describe('uncertainty and comparison', () => {
  it('bootstrapCi: a constant sample has a zero-width interval; the interval narrows with n', () => {
    expect(bootstrapCi([0.3, 0.3, 0.3])).toEqual([0.3, 0.3]);
    const rng = new Random(1);
    const small = Array.from({ length: 100 }, () => rng.random());
    const large = Array.from({ length: 2500 }, () => rng.random());
    const w = (ci: [number, number]) => ci[1] - ci[0];
    expect(w(bootstrapCi(large))).toBeLessThan(w(bootstrapCi(small)) / 3);
    // normal approximation: width ≈ 2·1.96·σ/√n with σ = 1/√12
    expect(w(bootstrapCi(large, { samples: 2000 }))).toBeCloseTo((2 * 1.96) / Math.sqrt(12 * 2500), 2);
  });
  it('randomization p-value matches the exact sign-flip enumeration', () => {
    const d = [0.5, -0.1, 0.3, 0.2, 0, 0.4, -0.2, 0.1, 0.3, 0.25];
    const b = d.map(() => 0.5);
    const a = d.map((x, i) => b[i]! + x);
    const t = Math.abs(d.reduce((s, x) => s + x, 0) / d.length);
    let extreme = 0;
    for (let mask = 0; mask < 1 << d.length; mask++) {
      const m = d.reduce((s, x, i) => s + ((mask >> i) & 1 ? -x : x), 0) / d.length;
      if (Math.abs(m) >= t - 1e-12) extreme++;
    }
    const exact = extreme / (1 << d.length);
    const res = pairedTest(a, b, { samples: 20000, seed: 5 });
    expect(res.pValue).toBeCloseTo(exact, 1);
    expect(Math.abs(res.pValue - exact)).toBeLessThan(0.01);
    expect(res.difference).toBeCloseTo(0.175, 12);
    expect(res.relativeLift).toBeCloseTo(0.175 / 0.5, 12);
  });
  it('identical systems give p = 1; a consistent gain gives a small p under both methods', () => {
    const rng = new Random(6);
    const base = Array.from({ length: 400 }, () => rng.random());
    expect(pairedTest(base, base).pValue).toBe(1);
    const better = base.map((x) => x + 0.05 + 0.01 * rng.gauss());
    for (const method of ['randomization', 'bootstrap'] as const) {
      const r = pairedTest(better, base, { method, samples: 2000 });
      expect(r.pValue).toBeLessThan(0.001);
      expect(r.ci[0]).toBeGreaterThan(0);
    }
    expect(() => pairedTest([1, 2], [1])).toThrow(/'b'/);
    expect(() => pairedTest([1], [1], { method: 'ttest' as 'bootstrap' })).toThrow(/'options.method'/);
  });
  it('relativeLift and compareEvaluations', () => {
    expect(relativeLift(0.2369, 0.1995)).toBeCloseTo(0.1875, 4); // GR2 TR R@1 +18.7 %
    expect(() => relativeLift(1, 0)).toThrow(/relativeLift: 'baseline' must be a finite non-zero number; got 0\./);
    const a = evaluateRanks(Int32Array.of(1, 1, 2, 1), ['recall@1']);
    const b = evaluateRanks(Int32Array.of(2, 1, 2, 3), ['recall@1']);
    const cmp = compareEvaluations(a, b, { samples: 1000 });
    expect(cmp['recall@1']!.difference).toBeCloseTo(0.5, 12);
    expect(cmp['recall@1']!.relativeLift).toBeCloseTo(2, 12);
    expect(() => compareEvaluations(a, evaluateRanks([1], ['recall@1']))).toThrow(/'b'/);
  });
});
