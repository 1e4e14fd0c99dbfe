import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { evaluateSlates, mrr, ndcgAtK, recallAtK } from '../../src/metrics/index.js';
import { discounts } from '../../src/metrics/kernels.js';
import { setSlatesWasm, slatesWasm, slatesWasmAvailable, type SlatesJob } from '../../src/metrics/slates_wasm.js';
import { buildAll } from '../../scripts/build_wasm.js';

afterEach(() => {
  setSlatesWasm(true);
});

/** Runs `evaluateSlates` with the WebAssembly kernel on or off; an error becomes its message. */
function both(S: { data: Float32Array | Float64Array; shape: number[] }, L: { data: Float32Array | Float64Array; shape: number[] }, metrics: string[], options: object) {
  const run = (on: boolean) => {
    setSlatesWasm(on);
    try {
      return evaluateSlates(S, L, metrics, options);
    } catch (e) {
      return `${(e as Error).name}: ${(e as Error).message}`;
    }
  };
  return [run(true), run(false)] as const;
}

describe('evaluateSlates WebAssembly kernel', () => {
  it('the committed module is a fresh assembly of slates.wat, and it loads here (so the other tests exercise it)', async () => {
    expect(await buildAll(false)).toEqual([]);
    expect(slatesWasmAvailable()).toBe(true);
  });

  it('finishes plain rows and hands back exactly the rows it must not finish, in row order', () => {
    // K = 3; rows: plain, no relevant item, relevant item tied with another, NaN score, grade Infinity, plain
    const K = 3;
    const sd = Float64Array.of(3, 2, 1, /**/ 1, 2, 3, /**/ 5, 5, 1, /**/ 1, NaN, 0, /**/ 1, 2, 3, /**/ 0.5, 0.25, 0.75);
    const ld = Float64Array.of(0, 2, 1, /**/ 0, 0, 0, /**/ 1, 0, 0, /**/ 1, 0, 0, /**/ 0, Infinity, 0, /**/ 1, 0, 0);
    const n = 6;
    const outs = [new Float64Array(n).fill(-1), new Float64Array(n).fill(-1), new Float64Array(n).fill(-1)];
    const job = (noRelevant: number | null): SlatesJob => ({
      sd,
      ld,
      n,
      K,
      codes: Int32Array.of(0, 1, 4), // ndcg@2, recall@1, mrr
      tops: Int32Array.of(2, 1, 3),
      cuts: Float64Array.of(2, 1, Infinity),
      disc: discounts(K),
      capDen: false,
      noRelevant,
      outs,
    });
    const handed: number[] = [];
    expect(slatesWasm(job(null), (q) => handed.push(q))).toBe(true);
    expect(handed).toEqual([1, 2, 3, 4]);
    // row 0: ranking (grades by position) 0, 2, 1; ideal 2, 1
    const d = [1, 1 / Math.log2(3), 0.5];
    expect(outs[0]![0]).toBe((0 * d[0]! + 2 * d[1]!) / (2 * d[0]! + 1 * d[1]!));
    expect(outs[1]![0]).toBe(0);
    expect(outs[2]![0]).toBe(1 / 2);
    // row 5: the relevant item has the middle score: position 1
    expect([outs[0]![5], outs[1]![5], outs[2]![5]]).toEqual([d[1]!, 0, 1 / 2]);
    // a policy value for rows without relevant items: the kernel finishes them
    handed.length = 0;
    expect(slatesWasm(job(Number.NaN), (q) => handed.push(q))).toBe(true);
    expect(handed).toEqual([2, 3, 4]);
    expect([outs[0]![1], outs[1]![1], outs[2]![1]]).toEqual([NaN, NaN, NaN]);
  });

  it('leaves empty slates, slates wider than 64 columns and absurd spec counts to the JavaScript loop', () => {
    const none = () => {
      throw new Error('not called');
    };
    const job = (K: number): SlatesJob => ({
      sd: new Float64Array(2 * K),
      ld: new Float64Array(2 * K),
      n: 2,
      K,
      codes: Int32Array.of(0),
      tops: Int32Array.of(1),
      cuts: Float64Array.of(1),
      disc: discounts(K),
      capDen: false,
      noRelevant: 0,
      outs: [new Float64Array(2)],
    });
    expect(slatesWasm(job(0), none)).toBe(false);
    expect(slatesWasm(job(65), none)).toBe(false);
    expect(slatesWasm(job(64), none)).toBe(true);
    // 700,000 specs: one row's spec table and outputs alone would take over 16 MiB of module memory
    const specs = 700_000;
    const many = { ...job(10), codes: new Int32Array(specs), tops: new Int32Array(specs).fill(1), cuts: new Float64Array(specs).fill(1), outs: Array.from({ length: specs }, () => new Float64Array(2)) };
    expect(slatesWasm(many, none)).toBe(false);
    setSlatesWasm(false);
    expect(slatesWasm(job(10), none)).toBe(false);
  });

  it('is bitwise the JavaScript loop: widths 1–70, several chunks, float32 and float64 inputs, ties, huge grades, every policy and error', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2, 3, 9, 10, 11, 33, 63, 64, 65, 70),
        fc.integer({ min: 1, max: 40 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom<'relevant' | 'min-relevant-k'>('relevant', 'min-relevant-k'),
        fc.constantFrom<'zero' | 'skip' | 'error'>('zero', 'skip', 'error'),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.constantFrom('none', 'none', 'scoreNaN', 'scoreInf', 'scoreNegInf', 'scoreNegZero', 'labelNeg', 'labelNaN', 'labelInf'),
        fc.nat(),
        (K, n, f32Scores, f32Labels, denominator, noRelevant, seed, inject, at) => {
          let x = seed || 1;
          const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
          const s = new Float64Array(n * K);
          const l = new Float64Array(n * K);
          const grid = [0, 3, 50][seed % 3]!; // real scores, heavy ties, some ties
          for (let i = 0; i < n * K; i++) {
            s[i] = grid === 0 ? rnd() * 10 - 5 : Math.floor(rnd() * grid);
            const u = rnd();
            l[i] = u < 0.7 ? 0 : u < 0.9 ? 1 : u < 0.97 ? 2.5 : f32Labels ? 7 : u < 0.985 ? 1e300 : 1.5e308; // sums of 1.5e308 overflow unscaled
          }
          // one special cell, anywhere (SIMD lanes and the odd last column alike)
          const cell = at % (n * K);
          const special: Record<string, () => void> = {
            none: () => {},
            scoreNaN: () => (s[cell] = NaN),
            scoreInf: () => (s[cell] = Infinity),
            scoreNegInf: () => (s[cell] = -Infinity),
            scoreNegZero: () => (s[cell] = -0),
            labelNeg: () => (l[cell] = -1),
            labelNaN: () => (l[cell] = NaN),
            labelInf: () => (l[cell] = Infinity),
          };
          special[inject]!();
          const S = { data: f32Scores ? Float32Array.from(s) : s, shape: [n, K] };
          const L = { data: f32Labels ? Float32Array.from(l) : l, shape: [n, K] };
          const ks = [...new Set([1, Math.min(5, K), K])];
          const metrics = ks.flatMap((k) => [`ndcg@${k}`, `recall@${k}`, `precision@${k}`, `hit@${k}`, `mrr@${k}`]).concat('mrr');
          const [a, b] = both(S, L, metrics, { denominator, noRelevant });
          if (typeof a === 'string' || typeof b === 'string') {
            expect(a).toBe(b);
            return;
          }
          for (const m of metrics) {
            for (let q = 0; q < n; q++) {
              if (!Object.is(a.perQuery[m]![q], b.perQuery[m]![q])) {
                expect.fail(`${m}, row ${q}: ${a.perQuery[m]![q]} (wasm) vs ${b.perQuery[m]![q]} (js)`);
              }
            }
          }
          expect(a.mean).toEqual(b.mean);
          expect(a.count).toEqual(b.count);
        },
      ),
      { numRuns: 600, seed: 5 },
    );
  });

  it('many chunks of tie-free slates: bitwise the per-query functions (an independent path)', () => {
    const K = 10;
    const n = 5000; // 16 Ki cells per chunk: four chunks
    let x = 99;
    const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const s = Float64Array.from({ length: n * K }, rnd);
    const l = Float32Array.from({ length: n * K }, () => (rnd() < 0.8 ? 0 : rnd() < 0.75 ? 1 : 2));
    const r = evaluateSlates({ data: s, shape: [n, K] }, { data: l, shape: [n, K] }, ['ndcg@5', 'recall@3', 'mrr'], { noRelevant: 'skip' });
    for (let q = 0; q < n; q++) {
      const scores = Array.from(s.subarray(q * K, q * K + K));
      const run = { ids: scores.map((_, i) => i), scores };
      const rel = new Map(Array.from(l.subarray(q * K, q * K + K), (g, i) => [i, g] as const));
      const o = { noRelevant: 'skip' as const };
      expect(Object.is(r.perQuery['ndcg@5']![q], ndcgAtK(run, rel, 5, o))).toBe(true);
      expect(Object.is(r.perQuery['recall@3']![q], recallAtK(run, rel, 3, o))).toBe(true);
      expect(Object.is(r.perQuery['mrr']![q], mrr(run, rel, o))).toBe(true);
    }
  });
});
