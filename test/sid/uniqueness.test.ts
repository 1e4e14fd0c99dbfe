import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SidCollisionError, collisionAwareLastLevel, randomLastLevel } from '../../src/sid/uniqueness.js';
import { sidCollisionGroups, sidStatistics, sidUniqueness } from '../../src/sid/sid_stats.js';
import { ResidualQuantizer } from '../../src/sid/residual_quantizer.js';
import { Random } from '../../src/sampling/random.js';
import { blobs } from './helpers.js';

describe('SID statistics', () => {
  it('uniqueness, collision groups and per-level usage by hand', () => {
    const codes = [[0, 1], [0, 1], [1, 0], [0, 1], [2, 3]];
    expect(sidUniqueness(codes)).toBeCloseTo(3 / 5, 12);
    expect(sidCollisionGroups(codes)).toEqual([[0, 1, 3]]);
    const s = sidStatistics(codes, [4, 4]);
    expect(s).toMatchObject({ items: 5, distinct: 3, collisionGroups: 1, collidedItems: 3, largestGroup: 3 });
    expect(s.collisionRate).toBeCloseTo(0.4, 12);
    // level 0 counts [3, 1, 1, 0]
    expect(Array.from(s.levels[0]!.counts)).toEqual([3, 1, 1, 0]);
    expect(s.levels[0]!.used).toBe(3);
    expect(s.levels[0]!.dead).toBe(1);
    const h = -(0.6 * Math.log2(0.6) + 2 * 0.2 * Math.log2(0.2));
    expect(s.levels[0]!.entropy).toBeCloseTo(h, 12);
    expect(s.levels[0]!.normalizedEntropy).toBeCloseTo(h / 2, 12);
    expect(s.levels[0]!.perplexity).toBeCloseTo(2 ** h, 12);
    expect(sidUniqueness([])).toBe(1);
  });

  it('BAD CALL: a code outside its codebook names the cell; sizes must match the levels', () => {
    expect(() => sidStatistics([[0, 1], [4, 0]], 4)).toThrow(RangeError);
    expect(() => sidStatistics([[0, 1], [4, 0]], 4)).toThrow(/'codes\[1\]\[0\]' must be in \[0, 4\); got 4/);
    expect(() => sidStatistics([[0, 1]], [4])).toThrow(/'codebookSizes' must be of length 2/);
    expect(() => sidUniqueness([[0, 1], [2]])).toThrow(/'codes' must be rows of equal length 2/);
  });
});

describe('randomLastLevel', () => {
  const codes = Array.from({ length: 300 }, (_, i) => [i % 3, 7]);

  it('uniform: keeps the prefix, draws the last level uniformly, reproducibly per seed', () => {
    const a = randomLastLevel(codes, [4, 16], { seed: 9 });
    const b = randomLastLevel(codes, [4, 16], { seed: 9 });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const counts = new Array(16).fill(0);
    for (let i = 0; i < 300; i++) {
      expect(a.data[i * 2]).toBe(i % 3);
      counts[a.data[i * 2 + 1]!]++;
    }
    // χ² test, 15 degrees of freedom: 99.9th percentile is 37.7
    const chi2 = counts.reduce((s, c) => s + (c - 300 / 16) ** 2 / (300 / 16), 0);
    expect(chi2).toBeLessThan(37.7);
    expect(counts.every((c) => c > 0)).toBe(true);
  });

  it("'free': SIDs are unique whenever no prefix holds more items than the suffix space (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 2 }), (K, seed, M) => {
        const rng = new Random(seed);
        const space = K ** M;
        const rows: number[][] = [];
        for (let p = 0; p < 4; p++) {
          const load = 1 + rng.int(space);
          for (let i = 0; i < load; i++) rows.push([p, rng.int(K), rng.int(K)]);
        }
        const out = randomLastLevel(rows, K < 4 ? [4, K, K] : K, { mode: 'free', seed, levels: M });
        expect(sidUniqueness(out)).toBe(1);
        for (let i = 0; i < rows.length; i++) for (let l = 0; l < 3 - M; l++) expect(out.data[i * 3 + l]).toBe(rows[i]![l]);
      }),
      { numRuns: 60, seed: 42 },
    );
  });

  it('BAD CALL: levels out of range, unknown mode, codebook sizes of the wrong length, value or kind', () => {
    expect(() => randomLastLevel(codes, 4, { levels: 3 })).toThrow(/'options.levels' must be at most the number of levels 2; got 3/);
    expect(() => randomLastLevel(codes, 4, { mode: 'x' as never })).toThrow(/'options.mode' must be one of 'uniform', 'free'/);
    expect(() => randomLastLevel(codes, [4], {})).toThrow(RangeError);
    expect(() => randomLastLevel(codes, [4], {})).toThrow(/randomLastLevel: 'codebookSizes' must be of length 2/);
    expect(() => randomLastLevel(codes, [4, 0], {})).toThrow(/'codebookSizes\[1\]' must be a positive integer/);
    expect(() => randomLastLevel(codes, '4' as never, {})).toThrow(TypeError);
    expect(() => sidStatistics(codes, { n: 4 } as never)).toThrow(/sidStatistics: 'codebookSizes' must be a number or number\[\]/);
  });
});

describe('collisionAwareLastLevel', () => {
  it('hand-worked case: the closest claimant keeps the code, the other moves to the nearest free code', async () => {
    // residuals 0.1 and 0.2, codes at 0 and 1: distances item0 → (0.01, 0.81), item1 → (0.04, 0.64)
    const { codes, certificate } = await collisionAwareLastLevel([[0, 0], [0, 0]], [[0.1], [0.2]], [[0], [1]], { backend: 'js' });
    expect(Array.from(codes.data)).toEqual([0, 0, 0, 1]);
    expect(certificate).toMatchObject({ unique: true, items: 2, maxPrefixLoad: 2, lastCodebookSize: 2, movedItems: 1, resolvedPrefixes: 1 });
    expect(certificate.addedDistortion).toBeCloseTo(0.64 - 0.04, 5);
    expect(certificate.addedDistortionPerItem).toBeCloseTo(0.3, 5);
  });

  it('property: unique, prefixes kept, non-colliding groups untouched, each moved item got its nearest code among those left free, certificate exact', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 0, max: 10_000 }), async (K, seed) => {
        const rng = new Random(seed);
        const d = 3;
        const E = Array.from({ length: K }, () => Array.from({ length: d }, () => rng.gauss()));
        const rows: number[][] = [];
        const res: number[][] = [];
        for (let p = 0; p < 5; p++) {
          const load = 1 + rng.int(K);
          for (let i = 0; i < load; i++) {
            const r = Array.from({ length: d }, () => rng.gauss());
            let best = 0;
            const dist = (j: number) => r.reduce((s, v, t) => s + (v - E[j]![t]!) ** 2, 0);
            for (let j = 1; j < K; j++) if (dist(j) < dist(best)) best = j;
            rows.push([p % 2, p, best]);
            res.push(r);
          }
        }
        const { codes, certificate } = await collisionAwareLastLevel(rows, res, E, { backend: 'js' });
        expect(sidUniqueness(codes)).toBe(1);
        const dist = (i: number, j: number) => res[i]!.reduce((s, v, t) => s + (v - E[j]![t]!) ** 2, 0);
        let moved = 0;
        let added = 0;
        const groups = new Map<number, number[]>();
        rows.forEach((r, i) => groups.set(r[1]!, [...(groups.get(r[1]!) ?? []), i]));
        for (const g of groups.values()) {
          const collided = new Set(g.map((i) => rows[i]![2])).size < g.length;
          const used = new Set(g.map((i) => codes.data[i * 3 + 2]!));
          const free = Array.from({ length: K }, (_, j) => j).filter((j) => !used.has(j));
          for (const i of g) {
            expect(codes.data[i * 3]).toBe(rows[i]![0]);
            expect(codes.data[i * 3 + 1]).toBe(rows[i]![1]);
            const z = codes.data[i * 3 + 2]!;
            if (!collided) expect(z).toBe(rows[i]![2]);
            for (const f of free) expect(dist(i, z)).toBeLessThanOrEqual(dist(i, f) + 1e-5);
            if (z !== rows[i]![2]) {
              moved++;
              added += dist(i, z) - dist(i, rows[i]![2]!);
            }
          }
        }
        expect(certificate.movedItems).toBe(moved);
        expect(certificate.addedDistortion).toBeCloseTo(added, 4);
        expect(certificate.maxPrefixLoad).toBe(Math.max(...[...groups.values()].map((g) => g.length)));
      }),
      { numRuns: 80, seed: 7 },
    );
  });

  it('EXPECTED FAILURE: an overfull prefix throws SidCollisionError naming the prefixes and the remedies', async () => {
    const rows = [[3, 0], [3, 0], [3, 1], [5, 0]];
    const p = collisionAwareLastLevel(rows, [[0], [0], [1], [0]], [[0], [1]], { backend: 'js' });
    await expect(p).rejects.toThrow(SidCollisionError);
    try {
      await collisionAwareLastLevel(rows, [[0], [0], [1], [0]], [[0], [1]], { backend: 'js' });
    } catch (e) {
      const err = e as SidCollisionError;
      expect(err.message).toMatch(/\[3\] holds 3/);
      expect(err.message).toMatch(/larger last codebook \(codebookSize ≥ 3/);
      expect(err.message).toMatch(/TIGER/);
      expect(err.overfullPrefixes).toEqual([{ prefix: [3], load: 3 }]);
    }
    await expect(collisionAwareLastLevel(rows, [[0], [0]], [[0], [1]])).rejects.toThrow(/'residuals' must be of 4 rows \(as codes\); got 2 rows/);
  });
});

describe('ResidualQuantizer.assignSids', () => {
  it('collision-aware is 100 % unique; random-free ≥ random; greedy keeps encode()', async () => {
    const n = 2000;
    const d = 8;
    const X = { data: blobs(n, d, 25, 5), shape: [n, d] as [number, number] };
    const rq = await ResidualQuantizer.train(X, { codebookSize: [16, 16, 128], seed: 1, backend: 'js' });
    const greedy = await rq.assignSids(X, { lastLevel: 'greedy', backend: 'js' });
    expect(Array.from(greedy.codes.data)).toEqual(Array.from((await rq.encode(X, { backend: 'js' })).data));
    expect(greedy.certificate).toBeNull();
    const random = await rq.assignSids(X, { lastLevel: 'random', backend: 'js', seed: 3 });
    const free = await rq.assignSids(X, { lastLevel: 'random-free', backend: 'js', seed: 3 });
    const aware = await rq.assignSids(X, { backend: 'js' });
    expect(aware.statistics.uniqueness).toBe(1);
    expect(aware.certificate!.maxPrefixLoad).toBeLessThanOrEqual(128);
    expect(free.statistics.uniqueness).toBe(1);
    expect(random.statistics.uniqueness).toBeLessThan(1);
    expect(greedy.statistics.uniqueness).toBeLessThan(aware.statistics.uniqueness);
    // the certificate's added distortion is the measured increase of the reconstruction error
    const e0 = await rq.reconstructionError(X, { codes: greedy.codes });
    const e1 = await rq.reconstructionError(X, { codes: aware.codes });
    expect(e1.meanSquaredError - e0.meanSquaredError).toBeCloseTo(aware.certificate!.addedDistortionPerItem, 3);
  });
});
