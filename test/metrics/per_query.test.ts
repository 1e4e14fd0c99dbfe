import { describe, expect, it } from 'vitest';
import { auc, hitRateAtK, mrr, ndcgAtK, precisionAtK, recallAtK } from '../../src/metrics/index.js';

const L = Math.log2;

describe('digest §11 hand-worked vectors', () => {
  it('single target at rank 3 → NDCG@5 = 1/log2(4) = 0.5', () => {
    expect(ndcgAtK([5, 9, 81, 2, 6], 81, 5)).toBeCloseTo(0.5, 12);
  });
  it('AUC((1..5), (1,0,1,0,0)) = 5/6', () => {
    // positives at ranks 1 and 3; negatives at 2, 4, 5: rank1 beats 3, rank3 beats 2 → 5 of 6 pairs
    expect(auc([1, 2, 3, 4, 5], [1, 3])).toBeCloseTo(5 / 6, 12);
    expect(auc([1, 2, 3, 4, 5], new Map([[1, 1], [2, 0], [3, 1], [4, 0], [5, 0]]))).toBeCloseTo(5 / 6, 12);
  });
  it('graded NDCG((1..5), (2,0,1,0,0)) with 2^g−1 gains = 3.5 / (3 + 1/log2 3) = 0.9639', () => {
    const grades = new Map([[1, 2], [3, 1]]);
    const expected = (3 / L(2) + 1 / L(4)) / (3 / L(2) + 1 / L(3));
    expect(ndcgAtK([1, 2, 3, 4, 5], grades, 5, { gain: 'exponential' })).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(0.9639, 4);
  });
});

describe('single-target metrics (P1 protocol)', () => {
  const slate = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
  it.each([1, 2, 3, 5, 7, 10])('target at rank %i', (r) => {
    const target = slate[r - 1]!;
    expect(recallAtK(slate, target, 5)).toBe(r <= 5 ? 1 : 0);
    expect(hitRateAtK(slate, target, 1)).toBe(r === 1 ? 1 : 0);
    expect(ndcgAtK(slate, target, 5)).toBeCloseTo(r <= 5 ? 1 / L(r + 1) : 0, 12);
    expect(mrr(slate, target)).toBeCloseTo(1 / r, 12);
    expect(precisionAtK(slate, target, 5)).toBeCloseTo(r <= 5 ? 1 / 5 : 0, 12);
    expect(auc(slate, target)).toBeCloseTo((10 - r) / 9, 12);
  });
});

describe('multi-positive and graded', () => {
  const ranking = ['a', 'b', 'c', 'd', 'e'];
  it('recall denominators', () => {
    expect(recallAtK(ranking, ['b', 'd', 'x'], 2)).toBeCloseTo(1 / 3, 12);
    expect(recallAtK(ranking, ['b', 'd', 'x'], 2, { denominator: 'min-relevant-k' })).toBeCloseTo(1 / 2, 12);
  });
  it('ideal DCG from the judgments vs from the ranking', () => {
    // 'x' is relevant but not ranked: trec_eval-style IDCG counts it, sklearn-style does not
    const rel = { b: 1, x: 1 };
    expect(ndcgAtK(ranking, rel, 5)).toBeCloseTo(1 / L(3) / (1 + 1 / L(3)), 12);
    expect(ndcgAtK(ranking, rel, 5, { ideal: 'ranking' })).toBeCloseTo(1 / L(3), 12);
  });
  it('linear vs exponential gain', () => {
    const rel = new Map<string, number>([['a', 1], ['b', 2]]);
    const lin = (1 + 2 / L(3)) / (2 + 1 / L(3));
    const exp = (1 + 3 / L(3)) / (3 + 1 / L(3));
    expect(ndcgAtK(ranking, rel, 3)).toBeCloseTo(lin, 12);
    expect(ndcgAtK(ranking, rel, 3, { gain: 'exponential' })).toBeCloseTo(exp, 12);
  });
  it('graded AUC counts every pair of different grades', () => {
    // grades in rank order: 1, 2, 0, 0 → pairs (1,2) wrong, (1,0)x2 right, (2,0)x2 right → 4/5
    const rel = new Map<string, number>([['a', 1], ['b', 2]]);
    expect(auc(['a', 'b', 'c', 'd'], rel, { pairs: 'graded' })).toBeCloseTo(4 / 5, 12);
    expect(auc(['a', 'b', 'c', 'd'], rel)).toBe(1);
  });
  it('a judged positive missing from the ranking loses to every negative in AUC', () => {
    // ranked: a(+), b(−), c(−); missing x(+): pairs a>b, a>c right; x vs b, c wrong → 2/4
    expect(auc(['a', 'b', 'c'], ['a', 'x'])).toBeCloseTo(0.5, 12);
  });
  it("numeric ranked ids match the string keys of a {id: grade} object (not counted as missing in AUC)", () => {
    // ranked 1(+), 2(−), 3(−): both pairs right → 1; before the fix '1' was also counted as a missing positive → 0.5
    expect(auc([1, 2, 3], { 1: 1 })).toBe(1);
    expect(auc([2, 1, 3], { 1: 1, 9: 1 })).toBeCloseTo((1 + 0 + 0 + 0) / 4, 12); // 1 beats 3; missing 9 loses to 2 and 3
    expect(auc([1, 2, 3], { 1: 1 })).toBe(auc([1, 2, 3], new Map([[1, 1]])));
  });
  it('MRR over several positives uses the first one', () => {
    expect(mrr(ranking, ['d', 'b'])).toBeCloseTo(1 / 2, 12);
    expect(mrr(ranking, ['d'], { k: 3 })).toBe(0);
  });
});

describe('ties in scored runs', () => {
  // scores: a=3, b=2, c=2, d=2, e=1; relevant c only → c shares ranks 2..4
  const run = { ids: ['a', 'b', 'c', 'd', 'e'], scores: [3, 2, 2, 2, 1] };
  it('average = expectation over the tie group', () => {
    expect(ndcgAtK(run, 'c', 5)).toBeCloseTo((1 / L(3) + 1 / L(4) + 1 / L(5)) / 3, 12);
    expect(recallAtK(run, 'c', 3)).toBeCloseTo(2 / 3, 12);
    expect(hitRateAtK(run, 'c', 2)).toBeCloseTo(1 / 3, 12);
    expect(mrr(run, 'c')).toBeCloseTo((1 / 2 + 1 / 3 + 1 / 4) / 3, 12);
    // c vs negatives a (wrong), e (right), b and d (tied → ½ each): (0 + 1 + 0.5 + 0.5)/4
    expect(auc(run, 'c')).toBeCloseTo(0.5, 12);
  });
  it('optimistic / pessimistic / stable', () => {
    expect(ndcgAtK(run, 'c', 5, { ties: 'optimistic' })).toBeCloseTo(1 / L(3), 12);
    expect(ndcgAtK(run, 'c', 5, { ties: 'pessimistic' })).toBeCloseTo(1 / L(5), 12);
    expect(ndcgAtK(run, 'c', 5, { ties: 'stable' })).toBeCloseTo(1 / L(4), 12);
    expect(auc(run, 'c', { ties: 'optimistic' })).toBeCloseTo(3 / 4, 12);
    expect(auc(run, 'c', { ties: 'pessimistic' })).toBeCloseTo(1 / 4, 12);
  });
  it('equal infinite scores (masked logits) are a tie group like any other', () => {
    const masked = { ids: [1, 2, 3], scores: [-Infinity, -Infinity, 5] };
    // 3 first; 1 and 2 tied at ranks 2..3; relevant 2
    expect(ndcgAtK(masked, 2, 3, { ties: 'optimistic' })).toBeCloseTo(1 / L(3), 12);
    expect(ndcgAtK(masked, 2, 3, { ties: 'pessimistic' })).toBeCloseTo(1 / L(4), 12);
    expect(ndcgAtK(masked, 2, 3)).toBeCloseTo((1 / L(3) + 1 / L(4)) / 2, 12);
    expect(mrr({ ids: [1, 2], scores: [Infinity, Infinity] }, 2, { ties: 'optimistic' })).toBe(1);
  });
  it('hit rate with two relevant in a straddling group: 1 − C(g−r, m)/C(g, m)', () => {
    const tied = { ids: [1, 2, 3, 4], scores: [0, 0, 0, 0] };
    // g = 4, r = 2, m = 1 → 1/2; m = 2 → 1 − (2/4)(1/3) = 5/6
    expect(hitRateAtK(tied, [2, 3], 1)).toBeCloseTo(1 / 2, 12);
    expect(hitRateAtK(tied, [2, 3], 2)).toBeCloseTo(5 / 6, 12);
    // MRR: P(J=1)=1/2, P(J=2)=1/3, P(J=3)=1/6
    expect(mrr(tied, [2, 3])).toBeCloseTo(1 / 2 + 1 / 3 / 2 + 1 / 6 / 3, 12);
  });
});

describe('edge conventions', () => {
  it('no relevant item: zero / skip / error', () => {
    expect(recallAtK([1, 2], [], 1)).toBe(0);
    expect(recallAtK([1, 2], [], 1, { noRelevant: 'skip' })).toBeNaN();
    expect(() => ndcgAtK([1, 2], new Map(), 1, { noRelevant: 'error' })).toThrow(RangeError);
    expect(() => ndcgAtK([1, 2], new Map(), 1, { noRelevant: 'error' })).toThrow(/'relevant'/);
    expect(auc([1, 2], [1, 2])).toBe(0); // no negative
    expect(auc([1, 2], [1, 2], { noRelevant: 'skip' })).toBeNaN();
  });
  it('k beyond the list: pad / clamp / error', () => {
    expect(precisionAtK([1, 2], [2], 4)).toBeCloseTo(1 / 4, 12);
    expect(precisionAtK([1, 2], [2], 4, { kBeyondList: 'clamp' })).toBeCloseTo(1 / 2, 12);
    expect(() => precisionAtK([1, 2], [2], 4, { kBeyondList: 'error' })).toThrow(RangeError);
    expect(() => precisionAtK([1, 2], [2], 4, { kBeyondList: 'error' })).toThrow(/'k'/);
    expect(mrr([1, 2], [2], { k: 4 })).toBe(0.5);
    expect(() => mrr([1, 2], [2], { k: 4, kBeyondList: 'error' })).toThrow(RangeError);
    expect(() => mrr([1, 2], [2], { k: 4, kBeyondList: 'error' })).toThrow(/'options.k'/);
  });
  it('duplicates: error / first', () => {
    expect(() => recallAtK([1, 2, 1], 1, 2)).toThrow(RangeError);
    expect(() => recallAtK([1, 2, 1], 1, 2)).toThrow(/'ranking'/);
    expect(recallAtK([2, 2, 1], 1, 2, { duplicates: 'first' })).toBe(1);
  });
});

describe('bad input', () => {
  it.each([1.5, 0, -1])('k = %s → RangeError naming k', (k) => {
    expect(() => recallAtK([1, 2], 1, k)).toThrow(RangeError);
    expect(() => ndcgAtK([1, 2], 1, k)).toThrow(/'k'/);
  });
  it('non-number k → TypeError', () => {
    expect(() => recallAtK([1, 2], 1, '3' as unknown as number)).toThrow(TypeError);
    expect(() => recallAtK([1, 2], 1, '3' as unknown as number)).toThrow(/'k'/);
  });
  it('unknown ids against candidates', () => {
    expect(() => recallAtK([1, 7], 1, 1, { candidates: [1, 2, 3] })).toThrow(RangeError);
    expect(() => auc([1, 7], 1, { candidates: [1, 2, 3] })).toThrow(/'ranking'/);
  });
  it('NaN scores and mismatched lengths', () => {
    expect(() => ndcgAtK({ ids: [1, 2], scores: [1, Number.NaN] }, 1, 2)).toThrow(RangeError);
    expect(() => ndcgAtK({ ids: [1, 2], scores: [1, Number.NaN] }, 1, 2)).toThrow(/'ranking.scores'/);
    expect(() => ndcgAtK({ ids: [1, 2], scores: [1] }, 1, 2)).toThrow(/'ranking.scores'/);
  });
  it('wrong kinds', () => {
    expect(() => recallAtK(5 as unknown as number[], 1, 1)).toThrow(TypeError);
    expect(() => recallAtK(5 as unknown as number[], 1, 1)).toThrow(/'ranking'/);
    expect(() => recallAtK([1], null as unknown as number, 1)).toThrow(/'relevant'/);
    expect(() => recallAtK([1, {} as unknown as number], 1, 1)).toThrow(TypeError);
    expect(() => ndcgAtK([1], new Map([[1, -1]]), 1)).toThrow(RangeError);
    expect(() => ndcgAtK([1], 1, 1, { gain: 'cubic' as 'linear' })).toThrow(/'options.gain'/);
    expect(() => ndcgAtK([1], 1, 1, { ties: 'random' as 'average' })).toThrow(/'options.ties'/);
  });
});
