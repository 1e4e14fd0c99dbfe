import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NumericError } from '../../src/errors.js';
import { groupAdvantages, isZeroVarianceGroup } from '../../src/rl/advantages.js';
import { BatchFillError, BatchFiller, filterZeroVarianceGroups } from '../../src/rl/dynamic_sampling.js';
import { sftLoss } from '../../src/rl/sft_loss.js';

const adv = JSON.parse(readFileSync(new URL('../fixtures/rl_advantages.json', import.meta.url), 'utf8')) as {
  cases: { rewards: number[]; groupSize: number; zscoreUnbiased: number[]; zscorePopulationEps1e4: number[]; meanOnly: number[] }[];
};
const sft = JSON.parse(readFileSync(new URL('../fixtures/rl_sft.json', import.meta.url), 'utf8')) as {
  cases: { inputs: { logProbs: number[][]; reasoningMask: number[][]; rankingMask: number[][] }; options: { reasoningWeight: number; rankingWeight: number; normalization: 'token-mean' | 'sum' }; expected: { loss: number; grad: number[] } }[];
};

const close = (a: ArrayLike<number>, b: readonly number[], tol = 1e-12) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[i]!)));
};

describe('groupAdvantages vs torch (fixtures)', () => {
  for (const [i, c] of adv.cases.entries()) {
    it(`case ${i}: G=${c.groupSize}`, () => {
      close(groupAdvantages(c.rewards, c.groupSize).advantages, c.zscoreUnbiased);
      close(groupAdvantages(c.rewards, c.groupSize, { std: 'population', epsilon: 1e-4 }).advantages, c.zscorePopulationEps1e4);
      close(groupAdvantages(c.rewards, c.groupSize, { normalize: 'mean' }).advantages, c.meanOnly);
      expect(groupAdvantages(c.rewards, c.groupSize).zeroVariance[0]).toBe(true);
    });
  }
});

describe('groupAdvantages conventions', () => {
  it('hand-worked z-score, population vs unbiased', () => {
    // group [1, 3]: mean 2, population std 1, unbiased std √2
    expect(Array.from(groupAdvantages([1, 3], 2, { std: 'population', epsilon: 0 }).advantages)).toEqual([-1, 1]);
    const u = groupAdvantages([1, 3], 2, { epsilon: 0 }).advantages;
    expect(u[0]).toBeCloseTo(-1 / Math.SQRT2, 15);
  });
  it('null rewards are excluded from the baseline and get advantage 0', () => {
    const r = groupAdvantages([1, null, 3, 5], 4, { std: 'population', epsilon: 0 });
    // valid: 1, 3, 5 → mean 3, population std √(8/3)
    const s = Math.sqrt(8 / 3);
    close(r.advantages, [-2 / s, 0, 0, 2 / s]);
    expect(r.validCount[0]).toBe(3);
    expect(groupAdvantages([null, 2, null, null], 4).advantages.every((v) => v === 0)).toBe(true);
  });
  it('tolerance-based zero-variance test: float noise counts as a tie', () => {
    const r = groupAdvantages([0.1 + 0.2, 0.3, 0.3, 0.30000000000000004], 4);
    expect(r.zeroVariance[0]).toBe(true);
    expect(r.advantages.every((v) => v === 0)).toBe(true);
    // exact-equality would have produced huge advantages here: (x − mean)/(1e-17 + 1e-6) ≈ ±3e-11 — still
    // nonzero; with a tolerance of 0 the group is kept
    expect(groupAdvantages([0.1 + 0.2, 0.3], 2, { zeroVarianceTolerance: 0 }).zeroVariance[0]).toBe(false);
    expect(isZeroVarianceGroup([0.1 + 0.2, 0.3])).toBe(true);
    expect(isZeroVarianceGroup([0, 1])).toBe(false);
  });
  it('property: z-scored advantages of a group with variance have mean 0 and (population) std ≈ 1', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 2, maxLength: 16 }), (r) => {
        const res = groupAdvantages(r, r.length, { std: 'population', epsilon: 0 });
        if (res.zeroVariance[0]) return;
        const a = Array.from(res.advantages);
        const m = a.reduce((s, v) => s + v, 0) / a.length;
        const sd = Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length);
        expect(Math.abs(m)).toBeLessThan(1e-9);
        expect(Math.abs(sd - 1)).toBeLessThan(1e-6);
      }),
    );
  });
  it('bad input', () => {
    expect(() => groupAdvantages([1, 2, 3], 2)).toThrow(RangeError);
    expect(() => groupAdvantages([1, 2, 3], 2)).toThrow(/'groupSize' must be a divisor of the batch size 3; got 2/);
    expect(() => groupAdvantages([1, 2], 0)).toThrow(RangeError);
    expect(() => groupAdvantages([1, 2], 0)).toThrow(/'groupSize'/);
    expect(() => groupAdvantages([1, 2], 1.5)).toThrow(RangeError);
    expect(() => groupAdvantages([1, NaN], 2)).toThrow(NumericError);
    expect(() => groupAdvantages([1, NaN], 2)).toThrow(/'rewards'/);
    expect(() => groupAdvantages([1, '2' as unknown as number], 2)).toThrow(TypeError);
    expect(() => groupAdvantages([1, '2' as unknown as number], 2)).toThrow(/'rewards\[1\]'/);
    expect(() => groupAdvantages('x' as never, 2)).toThrow(/'rewards'/);
    expect(() => groupAdvantages('x' as never, 2)).toThrow(TypeError);
    expect(() => groupAdvantages([1, 2], 2, { std: 'sample' as never })).toThrow(RangeError);
    expect(() => groupAdvantages([1, 2], 2, { std: 'sample' as never })).toThrow(/'std'/);
    expect(() => groupAdvantages([1, 2], 2, { epsilon: -1 })).toThrow(RangeError);
    expect(() => groupAdvantages([1, 2], 2, { epsilon: -1 })).toThrow(/'epsilon'/);
  });
});

describe('dynamic sampling', () => {
  it('filterZeroVarianceGroups keeps only groups with variance', () => {
    const g = [{ rewards: [1, 1, 1] }, { rewards: [0, 1, 1] }, { rewards: [0.2, 0.1 + 0.1, 0.2] }, { rewards: [null, 1, null] }];
    const r = filterZeroVarianceGroups(g);
    expect(r.kept).toEqual([g[1]]);
    expect(r.dropped).toEqual([g[0], g[2], g[3]]);
    expect(() => filterZeroVarianceGroups('x' as never)).toThrow(TypeError);
    expect(() => filterZeroVarianceGroups('x' as never)).toThrow(/'groups'/);
  });
  it('BatchFiller keeps generating until the batch is full, with statistics', async () => {
    // round r yields 3 groups of which only group index r%3 has variance, plus one more on even rounds
    const calls: number[] = [];
    const filler = new BatchFiller(
      (round, needed) => {
        calls.push(needed);
        return [0, 1, 2].map((i) => ({ id: `${round}.${i}`, rewards: i === round % 3 || (round % 2 === 0 && i === 2 && round % 3 !== 2) ? [0, 1] : [1, 1] }));
      },
      4,
      { maxRounds: 10 },
    );
    const { groups, stats } = await filler.fill();
    expect(groups.length).toBe(4);
    expect(groups.map((g) => g.id)).toEqual(['0.0', '0.2', '1.1', '2.2']);
    expect(stats).toEqual({ rounds: 3, generated: 9, kept: 4, dropped: 5, surplus: 0, partial: false });
    expect(calls).toEqual([4, 2, 1]);
    expect(filler.totalStats.fills).toBe(1);
  });
  it('truncates surplus groups of the last round', async () => {
    const filler = new BatchFiller(() => [{ rewards: [0, 1] }, { rewards: [1, 0] }, { rewards: [2, 0] }], 2);
    const { groups, stats } = await filler.fill();
    expect(groups.length).toBe(2);
    expect(stats.surplus).toBe(1);
  });
  it('maxRounds exhausted: clear error by default, partial batch on request', async () => {
    const gen = () => [{ rewards: [1, 1] }, { rewards: [0, 1] }];
    const strict = new BatchFiller(gen, 5, { maxRounds: 3 });
    await expect(strict.fill()).rejects.toThrow(BatchFillError);
    await expect(strict.fill()).rejects.toThrow(/only 3 of 5 groups with reward variance after 3 rounds \(3 of 6 generated groups were zero-variance\)/);
    const lenient = new BatchFiller(gen, 5, { maxRounds: 3, onExhausted: 'partial' });
    const { groups, stats } = await lenient.fill();
    expect(groups.length).toBe(3);
    expect(stats.partial).toBe(true);
  });
  it('bad options', () => {
    expect(() => new BatchFiller('x' as never, 2)).toThrow(TypeError);
    expect(() => new BatchFiller('x' as never, 2)).toThrow(/'generate'/);
    for (const [f, re] of [
      [() => new BatchFiller(() => [], 0), /'batchGroups'/],
      [() => new BatchFiller(() => [], 2, { maxRounds: 0 }), /'maxRounds'/],
      [() => new BatchFiller(() => [], 2, { onExhausted: 'skip' as never }), /'onExhausted'/],
    ] as const) {
      expect(f).toThrow(RangeError);
      expect(f).toThrow(re);
    }
  });
});

describe('sftLoss', () => {
  for (const [i, c] of sft.cases.entries()) {
    it(`vs torch, case ${i} (${c.options.normalization})`, () => {
      const r = sftLoss(c.inputs, c.options);
      expect(Math.abs(r.loss - c.expected.loss)).toBeLessThan(1e-12 * Math.max(1, Math.abs(c.expected.loss)));
      close(r.grad, c.expected.grad);
    });
  }
  it('hand-worked example and micro-batch invariance', () => {
    const r = sftLoss({ logProbs: [[-1, -2, -3]], reasoningMask: [[1, 1, 0]], rankingMask: [[0, 0, 1]] });
    expect(r.loss).toBeCloseTo(1.5, 15);
    expect(r.metrics.rankingNll).toBe(3);
    const a = sftLoss({ logProbs: [[-1, -2, -3]], reasoningMask: [[1, 1, 0]], rankingMask: [[0, 0, 1]] }, { globalTokenCount: 5 });
    const b = sftLoss({ logProbs: [[-4, -5]], reasoningMask: [[1, 0]], rankingMask: [[0, 1]] }, { globalTokenCount: 5 });
    const full = sftLoss({ logProbs: [[-1, -2, -3], [-4, -5, 0]], reasoningMask: [[1, 1, 0], [1, 0, 0]], rankingMask: [[0, 0, 1], [0, 1, 0]] });
    expect(a.loss + b.loss).toBeCloseTo(full.loss, 14);
  });
  it('bad input', () => {
    const ok = { logProbs: [[-1, -2]], reasoningMask: [[1, 0]], rankingMask: [[0, 1]] };
    for (const [f, re] of [
      [() => sftLoss(ok, { reasoningWeight: 1, rankingWeight: 1 }), /'reasoningWeight'/],
      [() => sftLoss({ ...ok, rankingMask: [[1, 1]] }), /'rankingMask' must be disjoint/],
      [() => sftLoss({ ...ok, reasoningMask: [[2, 0]] }), /'reasoningMask' must be a 0\/1 mask/],
      [() => sftLoss({ ...ok, rankingMask: [[0, 1, 0]] }), /'rankingMask' must be of shape/],
    ] as const) {
      expect(f).toThrow(RangeError);
      expect(f).toThrow(re);
    }
    expect(() => sftLoss({ ...ok, logProbs: [[NaN, -1]] })).toThrow(NumericError);
    expect(() => sftLoss({ ...ok, logProbs: [[NaN, -1]] })).toThrow(/'logProbs'/);
    expect(() => sftLoss(null as never)).toThrow(TypeError);
  });
});

describe('BatchFiller with an async generator', () => {
  it('awaits each round', async () => {
    let round = 0;
    const filler = new BatchFiller(async (r) => {
      round = r;
      await new Promise((res) => setTimeout(res, 1));
      return [{ rewards: r === 0 ? [1, 1] : [0, 1] }];
    }, 2);
    const { groups, stats } = await filler.fill();
    expect(groups.length).toBe(2);
    expect(stats.rounds).toBe(3);
    expect(round).toBe(2);
    await expect(new BatchFiller(() => 'x' as never, 1).fill()).rejects.toThrow(TypeError);
  });
});
