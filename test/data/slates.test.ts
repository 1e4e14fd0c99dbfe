import { beforeAll, describe, expect, it } from 'vitest';
import { TransitionPreRanker, buildSlates, loadBeauty, type SequenceDataset, type SlateSet, type UserSequence } from '../../src/data/index.js';

describe('TransitionPreRanker', () => {
  it('scores a hand-worked example', () => {
    // forward C[1][2] = 1 + 1 (gap 1, two users), C[1][3] = C[1][4] = 0.5 (gap 2, decay 0.5); Σ C[1][·] = 3
    const pr = TransitionPreRanker.train([{ user: 1, items: [1, 2, 3] }, { user: 2, items: [1, 2, 4] }]);
    const r = pr.rank([1], 3);
    expect(Array.from(r.items)).toEqual([2, 3, 4]); // 3 and 4 tie on transitions and popularity → smaller id
    const popTerm = (count: number): number => (1e-4 * count) / 2; // max popularity 2 (items 1 and 2)
    expect(r.scores[0]).toBeCloseTo(2 / Math.sqrt(3) + popTerm(2), 12);
    expect(r.scores[1]).toBeCloseTo(0.5 / Math.sqrt(3) + popTerm(1), 12);
    // recency: history [1, 2] weights item 2 by 1 and item 1 by 0.5.
    // C[2][3] = 1, C[2][4] = 1, C[2][1] = 0.25·2 (backward) → Σ = 2.5
    const s = pr.score([1, 2], [3]);
    expect(s[0]).toBeCloseTo(1 / Math.sqrt(2.5) + 0.5 * (0.5 / Math.sqrt(3)) + popTerm(1), 12);
  });
  it('excludes the history and fills with popular items', () => {
    const pr = TransitionPreRanker.train([{ user: 1, items: [1, 2] }, { user: 2, items: [3, 3, 3] }], { numItems: 5 });
    const r = pr.rank([1], 4);
    expect(Array.from(r.items)).toEqual([2, 3, 4, 5]); // 2 by transition, then by popularity (3 has 3), then ids
    expect(Array.from(pr.rank([1], 4, { excludeHistory: false, exclude: [2] }).items)).toEqual([3, 1, 4, 5]);
  });
  it('never repeats an item when transition scores stay 0 (recency 0: earlier history items weigh 0)', () => {
    const pr = TransitionPreRanker.train([{ user: 1, items: [1, 2, 3] }, { user: 2, items: [4, 2] }, { user: 3, items: [5, 6] }], { recency: 0 });
    // only the last item (5 → 6) counts; 2 (popularity 2) and 3 (popularity 1) follow; 1, 4, 5 are the history.
    // Before the fix 2 came back three times (touched twice with weight 0, then again as a popular filler).
    expect(Array.from(pr.rank([1, 4, 5], 5).items)).toEqual([6, 2, 3]);
  });
  it('validates options', () => {
    expect(() => TransitionPreRanker.train([], { window: 0, numItems: 3 })).toThrow(/'options.window'/);
    expect(() => TransitionPreRanker.train([{ user: 1, items: [1, 0] }])).toThrow(RangeError);
    const pr = TransitionPreRanker.train([{ user: 1, items: [1, 2] }]);
    expect(() => pr.rank([1], 1.5)).toThrow(/'k'/);
    expect(() => pr.rank('1' as unknown as number[], 1)).toThrow(TypeError);
  });
});

describe('buildSlates on Beauty', () => {
  let ds: SequenceDataset;
  let inject: SlateSet; // default options, built once
  beforeAll(async () => {
    ds = await loadBeauty();
    inject = buildSlates(ds);
  });

  it("'inject' gives every user a K = 10 slate holding the target once, aligned labels, history excluded", () => {
    const { slates, stats } = inject;
    expect(slates.length).toBe(22363);
    expect(stats.users).toBe(22363);
    expect(stats.retrieved + stats.injected).toBe(22363);
    expect(stats.retrievalRate).toBeCloseTo(stats.retrieved / 22363, 12);
    const bad: string[] = [];
    for (let u = 0; u < slates.length; u++) {
      const s = slates[u]!;
      const seq = ds.sequences[u]!.items;
      const hist = new Set(s.history);
      const ok =
        s.target === seq[seq.length - 1] &&
        s.history.length === seq.length - 1 &&
        s.history.every((v, i) => v === seq[i]) &&
        s.candidates.length === 10 &&
        new Set(s.candidates).size === 10 &&
        s.relevance.reduce((a, b) => a + b, 0) === 1 &&
        s.candidates[s.targetRank! - 1] === s.target &&
        s.relevance[s.targetRank! - 1] === 1 &&
        s.candidates.every((c) => c === s.target || !hist.has(c));
      if (!ok) bad.push(`user ${s.user}`);
    }
    expect(bad).toEqual([]);
  });

  it('has no leakage: replacing every validation and test target leaves the retrieved candidates unchanged', () => {
    const other = (v: number, i: number): number => 1 + ((v + 7919 * i) % ds.numItems);
    const changed: UserSequence[] = ds.sequences.map((s, i) => {
      const n = s.items.length;
      return { user: s.user, items: [...s.items.slice(0, -2), other(s.items[n - 2]!, i + 1), other(s.items[n - 1]!, i)] };
    });
    const a = inject.preRanker;
    const b = buildSlates(changed, { policy: 'filter', k: 10 }).preRanker;
    for (let i = 0; i < 500; i++) {
      const h = ds.sequences[i * 40]!.items.slice(0, -1);
      expect(Array.from(b.rank(h, 10).items)).toEqual(Array.from(a.rank(h, 10).items));
    }
    // while changing a training item does change the model (the check above can fail)
    const trainChanged = ds.sequences.map((s) => ({ user: s.user, items: [s.items[1]!, s.items[0]!, ...s.items.slice(2)] }));
    const c = buildSlates(trainChanged, { policy: 'filter' }).preRanker;
    let differs = 0;
    for (let i = 0; i < 500; i++) {
      const h = ds.sequences[i * 40]!.items.slice(0, -1);
      if (Array.from(c.rank(h, 10).items).join() !== Array.from(a.rank(h, 10).items).join()) differs++;
    }
    expect(differs).toBeGreaterThan(0);
  });

  it("'filter' keeps exactly the retrieved users, with the pre-ranker's own ranks", () => {
    const filt = buildSlates(ds, { policy: 'filter' });
    expect(filt.stats.slates).toBe(inject.stats.retrieved);
    expect(filt.stats.filtered).toBe(22363 - inject.stats.retrieved);
    for (const s of filt.slates) {
      expect(s.targetRetrieved).toBe(true);
      for (let i = 1; i < s.scores!.length; i++) expect(s.scores![i]!).toBeLessThanOrEqual(s.scores![i - 1]!);
    }
  });

  it('injected targets land at seeded uniform positions; same seed → same slates', () => {
    const few = ds.sequences.slice(0, 3000);
    const ranksOf = (seed: number) => buildSlates(few, { seed }).slates.map((s) => s.targetRank);
    expect(ranksOf(7)).toEqual(ranksOf(7));
    expect(ranksOf(8)).not.toEqual(ranksOf(7));
    const a = inject;
    const counts = new Array(10).fill(0);
    for (const s of a.slates) if (!s.targetRetrieved) counts[s.targetRank! - 1]++;
    const expected = a.stats.injected / 10;
    for (const c of counts) expect(Math.abs(c - expected)).toBeLessThan(0.1 * expected);
    const last = buildSlates(ds, { unretrievedPosition: 'last' });
    for (const s of last.slates) if (!s.targetRetrieved) expect(s.targetRank).toBe(10);
  });

  it('validation split targets the second-to-last item', () => {
    const { slates } = buildSlates(ds.sequences.slice(0, 200), { split: 'validation' });
    slates.forEach((s, u) => {
      const seq = ds.sequences[u]!.items;
      expect(s.target).toBe(seq[seq.length - 2]);
      expect(s.history).toEqual(seq.slice(0, -2));
    });
  });

  it('multi-positive slates carry graded labels of the next items', () => {
    const { slates, stats } = buildSlates(ds, { multiPositive: { horizon: 3 } });
    expect(stats.slates + stats.filtered).toBe(22363);
    for (let i = 0; i < 300; i++) {
      const s = slates[i]!;
      const seq = ds.sequences.find((q) => q.user === s.user)!.items;
      const held = seq.slice(-3);
      expect(s.target).toBeNull();
      expect(s.history).toEqual(seq.slice(0, -3));
      const pos = s.candidates.filter((_, j) => s.relevance[j]! > 0);
      expect(new Set(pos)).toEqual(new Set(held));
      expect(s.relevance[s.candidates.indexOf(held[0]!)]).toBe(2);
      expect(s.relevance.some((g) => g === 0)).toBe(true);
    }
  });

  it('validates options', () => {
    expect(() => buildSlates(ds, { k: 1 })).toThrow(/'options.k'/);
    expect(() => buildSlates(ds, { policy: 'keep' as 'inject' })).toThrow(/'options.policy'/);
    expect(() => buildSlates(ds, { multiPositive: { horizon: 10 } })).toThrow(/'options.multiPositive.horizon'/);
    expect(() => buildSlates('x' as unknown as [])).toThrow(TypeError);
  });
});
