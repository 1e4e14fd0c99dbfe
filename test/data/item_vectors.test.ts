import { beforeAll, describe, expect, it } from 'vitest';
import {
  ItemVectors,
  itemVectorsFromMatrix,
  itemVectorsFromSequences,
  leaveOneOut,
  loadBeauty,
  randomizedSvd,
  type SequenceDataset,
  type SparseMatrix,
} from '../../src/data/index.js';
import { Random } from '../../src/sampling/random.js';

/** Random orthonormal columns [n, k] by Gram–Schmidt on Gaussian vectors (test-side, independent of the library). */
function orthonormalColumns(n: number, k: number, rng: Random): number[][] {
  const cols: number[][] = [];
  while (cols.length < k) {
    const v = Array.from({ length: n }, () => rng.gauss());
    for (const c of cols) {
      const d = v.reduce((s, x, i) => s + x * c[i]!, 0);
      for (let i = 0; i < n; i++) v[i]! -= d * c[i]!;
    }
    const norm = Math.hypot(...v);
    cols.push(v.map((x) => x / norm));
  }
  return cols;
}

function denseToCsr(a: number[][]): SparseMatrix {
  const rows = a.length;
  const cols = a[0]!.length;
  const indptr = new Int32Array(rows + 1);
  const indices: number[] = [];
  const values: number[] = [];
  a.forEach((row, r) => {
    row.forEach((v, c) => {
      if (v !== 0) {
        indices.push(c);
        values.push(v);
      }
    });
    indptr[r + 1] = indices.length;
  });
  return { rows, cols, indptr, indices: Int32Array.from(indices), values: Float64Array.from(values) };
}

describe('randomizedSvd', () => {
  it('recovers a known spectrum and its singular vectors', async () => {
    const rng = new Random(3);
    const n = 80;
    const m = 50;
    const sigma = [10, 7, 5, 3, 2, 0.5];
    const U = orthonormalColumns(n, sigma.length, rng);
    const V = orthonormalColumns(m, sigma.length, rng);
    const A = Array.from({ length: n }, (_, i) =>
      Array.from({ length: m }, (_, j) => sigma.reduce((s, sg, t) => s + sg * U[t]![i]! * V[t]![j]!, 0)),
    );
    const res = await randomizedSvd(denseToCsr(A), 4, { backend: 'js', seed: 9 });
    for (let t = 0; t < 4; t++) {
      expect(res.s[t]).toBeCloseTo(sigma[t]!, 4);
      let dotU = 0;
      let dotV = 0;
      for (let i = 0; i < n; i++) dotU += res.u[i * 4 + t]! * U[t]![i]!;
      for (let j = 0; j < m; j++) dotV += res.v[j * 4 + t]! * V[t]![j]!;
      expect(Math.abs(dotU)).toBeCloseTo(1, 4);
      expect(dotU * dotV).toBeGreaterThan(0.999); // u and v signs agree: A v = σ u
    }
  });
  it('validates its input', async () => {
    const a = denseToCsr([[1, 0], [0, 2]]);
    await expect(randomizedSvd(a, 3)).rejects.toThrow(/'rank'/);
    await expect(randomizedSvd({} as SparseMatrix, 1)).rejects.toThrow(TypeError);
  });
});

describe('itemVectorsFromSequences', () => {
  let ds: SequenceDataset;
  beforeAll(async () => {
    ds = await loadBeauty();
  });

  it('places held-out co-purchased items closer than random pairs (Beauty, trained on the train split)', async () => {
    const split = leaveOneOut(ds.sequences);
    const vecs = await itemVectorsFromSequences(split.train, { numItems: ds.numItems, dim: 32, powerIterations: 2 });
    expect(vecs.shape).toEqual([12101, 32]);
    // pairs (last history item, test target) never appear in the training data
    const rng = new Random(5);
    let wins = 0;
    let gap = 0;
    for (const ex of split.test) {
      const a = ex.history[ex.history.length - 1]!;
      const co = vecs.cosine(a, ex.target);
      const rand = vecs.cosine(a, 1 + rng.int(ds.numItems));
      wins += co > rand ? 1 : co === rand ? 0.5 : 0;
      gap += co - rand;
    }
    expect(wins / split.test.length).toBeGreaterThan(0.62); // measured 0.69 at dim 64
    expect(gap / split.test.length).toBeGreaterThan(0.1);
  });

  it('is deterministic for a seed, maps row r to id r + 1, and gives unseen items a zero vector', async () => {
    const small = ds.sequences.slice(0, 1500);
    const a = await itemVectorsFromSequences(small, { dim: 8, numItems: 12200, seed: 4 });
    const b = await itemVectorsFromSequences(small, { dim: 8, numItems: 12200, seed: 4 });
    expect(b.data).toEqual(a.data);
    expect(a.rowOf(1)).toBe(0);
    expect(a.ids[41]).toBe(42);
    expect(Array.from(a.vector(12200))).toEqual(new Array(8).fill(0));
    const firstItem = small[0]!.items[0]!;
    const v = a.vector(firstItem);
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);
  });

  it('full rank, eigenWeight 1, no normalisation: V·Vᵀ = PPMI·PPMIᵀ of the documented formula (naive dense reference)', async () => {
    // 7 items (item 7 never co-occurs → zero row), window 2, smoothing 0.75: the PPMI is not symmetric
    const seqs = [
      { user: 1, items: [1, 2, 3, 4] },
      { user: 2, items: [2, 3, 5, 1] },
      { user: 3, items: [4, 5, 6, 2, 2, 3] },
      { user: 4, items: [7] },
    ];
    const n = 7;
    const window = 2;
    const smoothing = 0.75;
    const C = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (const { items } of seqs) {
      for (let i = 0; i < items.length; i++) {
        for (let j = 0; j < items.length; j++) {
          if (i !== j && Math.abs(i - j) <= window && items[i] !== items[j]) C[items[i]! - 1]![items[j]! - 1]! += 1;
        }
      }
    }
    const total = C.flat().reduce((a, b) => a + b, 0);
    const rowSum = C.map((r) => r.reduce((a, b) => a + b, 0));
    const colSum = C[0]!.map((_, b) => C.reduce((a, r) => a + r[b]!, 0));
    const ctxTotal = colSum.reduce((a, c) => a + c ** smoothing, 0);
    const P = C.map((r, a) => r.map((c, b) => (c === 0 ? 0 : Math.max(0, Math.log(c / total / ((rowSum[a]! / total) * (colSum[b]! ** smoothing / ctxTotal)))))));
    const vecs = await itemVectorsFromSequences(seqs, { dim: n, window, smoothing, eigenWeight: 1, normalize: false, numItems: n });
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        const want = P[a]!.reduce((acc, x, t) => acc + x * P[b]![t]!, 0);
        const va = vecs.vector(a + 1);
        const vb = vecs.vector(b + 1);
        const got = va.reduce((acc, x, t) => acc + x * vb[t]!, 0);
        expect(Math.abs(got - want)).toBeLessThan(1e-4 * (1 + Math.abs(want)));
      }
    }
    expect(Array.from(vecs.vector(7))).toEqual(new Array(n).fill(0));
  });

  it('validates options', async () => {
    await expect(itemVectorsFromSequences([{ user: 1, items: [1, 2] }], { dim: 5 })).rejects.toThrow(/'options.dim'/);
    await expect(itemVectorsFromSequences('x' as unknown as [])).rejects.toThrow(TypeError);
    await expect(itemVectorsFromSequences([{ user: 1, items: [1, 0] }])).rejects.toThrow(RangeError);
  });
});

describe('external vectors', () => {
  it('wraps a matrix with an explicit id mapping', () => {
    const v = itemVectorsFromMatrix([[1, 0], [0, 1], [1, 1]], [10, 20, 30]);
    expect(v).toBeInstanceOf(ItemVectors);
    expect(v.rowOf(20)).toBe(1);
    expect(v.rowOf(99)).toBe(-1);
    expect(v.cosine(10, 30)).toBeCloseTo(Math.SQRT1_2, 6);
    expect(() => itemVectorsFromMatrix([[1, 0]], [1, 2])).toThrow(/'ids'/);
    expect(() => itemVectorsFromMatrix([[1, 0], [0, 1]], [3, 3])).toThrow(RangeError);
  });
});
