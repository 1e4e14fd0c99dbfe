import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  compressorScore,
  conditionalScore,
  conditionalSlateScore,
  naiveScore,
  outputRank,
  overlongPenalty,
  rankPromotion,
  slateAuc,
  slateNdcg,
} from '../../src/rewards/index.js';

// Independent references, written from the formulas in the paper digest (§6), not from the implementation.
const refAuc = (order: number[], labels: number[]): number | null => {
  const rank = new Map(order.map((c, r) => [c, r]));
  let pairs = 0;
  let good = 0;
  labels.forEach((li, i) =>
    labels.forEach((lj, j) => {
      if (li > 0 && lj === 0) {
        pairs++;
        if (rank.get(i)! < rank.get(j)!) good++;
      }
    }),
  );
  return pairs === 0 ? null : good / pairs;
};
const refNdcg = (order: number[], grades: number[], k = order.length): number => {
  const dcg = order.slice(0, k).reduce((s, c, r) => s + (2 ** grades[c]! - 1) / Math.log2(r + 2), 0);
  const ideal = [...grades].sort((a, b) => b - a).slice(0, k).reduce((s, g, r) => s + (2 ** g - 1) / Math.log2(r + 2), 0);
  return ideal === 0 ? 0 : dcg / ideal;
};
const permutation = (k: number) =>
  fc.array(fc.nat(), { minLength: k, maxLength: k }).map((keys) => keys.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((p) => p[1]));

describe('paper-digest §11 vectors', () => {
  it('rankPromotion(4→1, 10) = 0.3 and (4→7, 10) = −0.3', () => {
    expect(rankPromotion(4, 1, 10)).toBeCloseTo(0.3, 12);
    expect(rankPromotion(4, 7, 10)).toBeCloseTo(-0.3, 12);
  });
  it('AUC((1..5), (1,0,1,0,0)) = 0.8333', () => {
    expect(slateAuc([0, 1, 2, 3, 4], [1, 0, 1, 0, 0])).toBeCloseTo(5 / 6, 12);
    expect(slateAuc([0, 1, 2, 3, 4], [1, 0, 1, 0, 0])).toBeCloseTo(0.8333, 4);
  });
  it('NDCG((1..5), (2,0,1,0,0)) = 0.9639', () => {
    const expected = (3 + 1 / Math.log2(4)) / (3 + 1 / Math.log2(3));
    expect(slateNdcg([0, 1, 2, 3, 4], [2, 0, 1, 0, 0])).toBeCloseTo(expected, 12);
    expect(slateNdcg([0, 1, 2, 3, 4], [2, 0, 1, 0, 0])).toBeCloseTo(0.9639, 4);
  });
  it('single-target NDCG@5 at rank 3 = 0.5', () => {
    expect(slateNdcg([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [0, 0, 1, 0, 0, 0, 0, 0, 0, 0], 5)).toBeCloseTo(0.5, 12);
  });
  it('compressorScore(s=1, p=6, q=9, 1000→180, α=0.5, λ=1) = 0.83', () => {
    const r = compressorScore({ solvable: true, preservation: 6, quality: 9, originalLength: 1000, compressedLength: 180 });
    expect(r).toBeCloseTo(0.5 * 0.82 + 0.5 * (0.2 * 0.6 + 0.8 * 0.9), 12);
    expect(r).toBeCloseTo(0.83, 12);
  });
  it('overlongPenalty(18000, 20480, 4096) = −0.3945', () => {
    expect(overlongPenalty(18000, 20480, 4096)).toBeCloseTo((16384 - 18000) / 4096, 12);
    expect(overlongPenalty(18000, 20480, 4096)).toBeCloseTo(-0.3945, 4);
  });
  it('P1 conditional: identity with the target pre-ranked 3 → 0; promotion 3→1 with α=0.2 → 0.4', () => {
    expect(conditionalScore(3, 3, 10)).toBe(0);
    expect(conditionalScore(3, 1, 10, { alpha: 0.2 })).toBeCloseTo(0.4, 12);
    expect(conditionalScore(3, outputRank([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 2, 10), 10)).toBe(0);
    expect(conditionalScore(3, outputRank([2, 0, 1, 3, 4, 5, 6, 7, 8, 9], 2, 10), 10)).toBeCloseTo(0.4, 12);
  });
  it('TR conditional: identity output with labels (0,1,0,…) → α', () => {
    const labels = [0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
    const id = labels.map((_, i) => i);
    expect(conditionalSlateScore(id, labels)).toBe(0.2);
    expect(conditionalSlateScore(id, labels, { alpha: 0.3 })).toBe(0.3);
    expect(conditionalSlateScore(id, labels, { metric: 'ndcg', alpha: 0.3 })).toBe(0.3);
  });
});

describe('P1 rewards', () => {
  it('the naive reward pays α for copying; the conditional does not', () => {
    for (let pre = 2; pre <= 10; pre++) {
      expect(naiveScore(pre, pre, 10)).toBeCloseTo(0.2, 12);
      expect(conditionalScore(pre, pre, 10)).toBe(0);
    }
  });
  it('rank-1 case: strict pays only when kept first, loose whenever pre-rank is 1', () => {
    expect(conditionalScore(1, 1, 10)).toBeCloseTo(0.2, 12);
    expect(conditionalScore(1, 3, 10)).toBeCloseTo(-0.2, 12); // strict: demoting a rank-1 target earns no bonus
    expect(conditionalScore(1, 3, 10, { variant: 'loose' })).toBeCloseTo(0.0, 12); // loose: −0.2 + 0.2
    expect(conditionalScore(5, 7, 10, { variant: 'loose' })).toBeCloseTo(-0.2, 12);
  });
  it('invalid output gets invalidReward (default −1, configurable)', () => {
    expect(conditionalScore(3, null, 10)).toBe(-1);
    expect(conditionalScore(3, null, 10, { invalidReward: -0.9 })).toBe(-0.9);
    expect(naiveScore(3, null, 10)).toBe(-1);
    expect(conditionalScore(3, outputRank(null, 2, 10), 10)).toBe(-1);
    expect(conditionalScore(1, outputRank([0, 0, 1], 0, 3), 3)).toBe(-1);
    expect(conditionalScore(1, outputRank([0, 1], 0, 3), 3)).toBe(-1);
    expect(conditionalScore(1, outputRank([0, 1, 3], 0, 3), 3)).toBe(-1);
  });
  it('conditionalScore on outputRank(order) equals the formula on the target ranks (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }).chain((k) => fc.tuple(fc.constant(k), permutation(k), fc.integer({ min: 0, max: k - 1 }), fc.constantFrom('strict', 'loose') as fc.Arbitrary<'strict' | 'loose'>)),
        ([k, order, t, variant]) => {
          const out = order.indexOf(t) + 1;
          const expected = (t + 1 - out) / k + ((t + 1 - out) / k > 0 || (t === 0 && (variant === 'loose' || out === 1)) ? 0.2 : 0);
          expect(conditionalScore(t + 1, outputRank(order, t, k), k, { variant })).toBeCloseTo(expected, 12);
          expect(conditionalScore(t + 1, out, k, { variant })).toBeCloseTo(expected, 12);
        },
      ),
    );
  });
  it('validates arguments with the argument name', () => {
    expect(() => rankPromotion(0, 1, 10)).toThrow(RangeError);
    expect(() => rankPromotion(0, 1, 10)).toThrow(/rankPromotion: 'preRank' must be an integer in \[1, 10\]/);
    expect(() => rankPromotion(1, 11, 10)).toThrow(/'outRank'/);
    expect(() => rankPromotion(1, 1, 0)).toThrow(/'n'/);
    expect(() => rankPromotion('1' as unknown as number, 1, 10)).toThrow(TypeError);
    expect(() => conditionalScore(3, 1, 10, { alpha: NaN })).toThrow(/'options.alpha'/);
    expect(() => conditionalScore(3, 1, 10, { variant: 'x' as 'strict' })).toThrow(/'options.variant'/);
    expect(() => outputRank([0, 1], 5, 2)).toThrow(/'targetIndex'/);
    expect(() => outputRank([0, 1], 0, 0)).toThrow(/'k'/);
  });
});

describe('TR slate rewards', () => {
  it('slateAuc / slateNdcg match brute-force references (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }).chain((k) =>
          fc.tuple(permutation(k), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: k, maxLength: k }), fc.integer({ min: 1, max: k })),
        ),
        ([order, labels, k]) => {
          const a = slateAuc(order, labels);
          const r = refAuc(order, labels);
          if (r === null) expect(a).toBeNull();
          else expect(a).toBeCloseTo(r, 12);
          expect(slateNdcg(order, labels, k)).toBeCloseTo(refNdcg(order, labels, k), 12);
        },
      ),
      { numRuns: 300 },
    );
  });
  it('conditionalSlateScore: Ω-gate, identity zeroing, optimal identity keeps its credit (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 10 }).chain((k) => fc.tuple(permutation(k), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: k, maxLength: k }))),
        fc.constantFrom('auc', 'ndcg') as fc.Arbitrary<'auc' | 'ndcg'>,
        ([order, labels], metric) => {
          const m = metric === 'auc' ? refAuc(order, labels) : refNdcg(order, labels);
          const got = conditionalSlateScore(order, labels, { metric });
          if (m === null) return void expect(got).toBeNull();
          const identity = order.every((v, i) => v === i);
          // TR Eq. 7: zeroed iff R_AUC(identity, y) < 1 (binary view y = label > 0), in both metric modes
          const aucOfIdentity = refAuc(labels.map((_, i) => i), labels);
          const expected = identity && aucOfIdentity !== null && aucOfIdentity < 1 ? 0.2 : m + 0.2;
          expect(got).toBeCloseTo(expected, 12);
          // invalid outputs
          expect(conditionalSlateScore(null, labels, { metric })).toBe(0);
          expect(conditionalSlateScore([...order.slice(1), order[1]!], labels, { metric, invalidReward: -1 })).toBe(-1);
        },
      ),
      { numRuns: 300 },
    );
  });
  it('identity zeroing can be switched off; an optimal identity is paid in full', () => {
    expect(conditionalSlateScore([0, 1, 2], [0, 1, 0], { identityZeroing: false })).toBeCloseTo(0.5 + 0.2, 12);
    expect(conditionalSlateScore([0, 1, 2], [1, 0, 0])).toBeCloseTo(1.2, 12);
  });
  it('validates labels, order and options', () => {
    expect(() => slateAuc([0, 1], [1, -1])).toThrow(/slateAuc: 'labels\[1\]'/);
    expect(() => slateAuc([0, 0], [1, 0])).toThrow(/'order' must be a permutation of 0..1/);
    expect(() => slateNdcg([0, 1], [1, 0], 0)).toThrow(/'k'/);
    expect(() => conditionalSlateScore([0, 1], [1, 0], { metric: 'map' as 'auc' })).toThrow(/'options.metric'/);
  });
});

describe('overlong and compressor rewards', () => {
  it('overlongPenalty follows DAPO Eq. 13 piecewise', () => {
    expect(overlongPenalty(100, 1024, 256)).toBe(0);
    expect(overlongPenalty(768, 1024, 256)).toBe(0);
    expect(overlongPenalty(896, 1024, 256)).toBeCloseTo(-0.5, 12);
    expect(overlongPenalty(1024, 1024, 256)).toBeCloseTo(-1, 12);
    expect(overlongPenalty(5000, 1024, 256)).toBe(-1);
    expect(overlongPenalty(5000, 1024, 256, 0.5)).toBe(-0.5);
    expect(() => overlongPenalty(10, 100, 200)).toThrow(/'cacheLength'/);
    expect(() => overlongPenalty(-1, 100, 20)).toThrow(/'length'/);
  });
  it('compressorScore: unsolvable swaps the judge weights; λ scales; minmax normalisation', () => {
    const j = { solvable: false, preservation: 6, quality: 9, originalLength: 1000, compressedLength: 180 };
    expect(compressorScore(j)).toBeCloseTo(0.5 * 0.82 + 0.5 * (0.8 * 0.6 + 0.2 * 0.9), 12);
    expect(compressorScore({ ...j, ellipsisPenalty: 0.5 })).toBeCloseTo(0.5 * (0.5 * 0.82 + 0.5 * 0.66), 12);
    expect(compressorScore({ ...j, compressedLength: 2000 }, { alpha: 1 })).toBe(0);
    expect(compressorScore(j, { normalisation: 'minmax' })).toBeCloseTo(0.5 * 0.82 + 0.5 * (0.8 * (5 / 9) + 0.2 * (8 / 9)), 12);
    expect(() => compressorScore({ ...j, quality: 11 })).toThrow(/'judgement.quality'/);
    expect(() => compressorScore(j, { alpha: 2 })).toThrow(/'options.alpha'/);
  });
});
