import { describe, expect, it } from 'vitest';
import { kmeans as mlKmeans } from 'ml-kmeans';
import { kmeans } from '../../src/sid/kmeans.js';
import { NumericError } from '../../src/errors.js';
import { env, type LogSink } from '../../src/env.js';
import { blobs, inertiaOf, sqDist } from './helpers.js';

const toRows = (X: Float32Array, d: number): number[][] =>
  Array.from({ length: X.length / d }, (_, i) => Array.from(X.subarray(i * d, i * d + d)));

describe('kmeans — exact small cases', () => {
  it('4-point fixture: two centroids at the pair means, inertia 1', async () => {
    const r = await kmeans([[0, 0], [0, 1], [10, 10], [10, 11]], 2, { seed: 1, backend: 'js' });
    const cs = [Array.from(r.centroids.data.subarray(0, 2)), Array.from(r.centroids.data.subarray(2, 4))].sort((a, b) => a[0]! - b[0]!);
    expect(cs).toEqual([[0, 0.5], [10, 10.5]]);
    expect(r.inertia).toBeCloseTo(4 * 0.25, 6);
    expect(r.converged).toBe(true);
    expect(r.assignments[0]).toBe(r.assignments[1]);
    expect(r.assignments[2]).toBe(r.assignments[3]);
    expect(r.assignments[0]).not.toBe(r.assignments[2]);
  });

  it('k = 1: the centroid is the mean and the inertia the total squared deviation, on js and onnx', async () => {
    const X = [[1, 2], [3, 2], [2, 5], [6, -1]];
    // mean (3, 2); deviations² 4 + 0 + 1 + 9 + 9 + 9 = 32
    for (const backend of ['js', 'onnx'] as const) {
      const r = await kmeans(X, 1, { backend });
      expect(Array.from(r.centroids.data)).toEqual([3, 2]);
      expect(r.inertia).toBeCloseTo(32, 5);
      expect(Array.from(r.assignments)).toEqual([0, 0, 0, 0]);
      expect(r.converged).toBe(true);
    }
  });

  it('mini-batch EMA step equals the documented formula (one batch, γ = 0.5)', async () => {
    const X = [[0, 0], [1, 0], [0, 1], [9, 9], [10, 9], [30, 30]];
    const C0 = [[0, 0], [10, 10]];
    const r = await kmeans(X, 2, {
      init: C0, mode: 'minibatch', batchSize: 6, maxIterations: 1, decay: 0.5, deadCodeThreshold: 0, tolerance: 0, backend: 'js',
    });
    // independent evaluation of: N_j = γ·n̄ + (1−γ)n_j, m_j = γ·c_j·n̄ + (1−γ)s_j, Ñ_j Laplace-smoothed, c_j = m_j/Ñ_j
    const g = 0.5, nbar = 3, eps = 1e-5;
    const counts = [3, 3];
    const sums = [[1, 1], [49, 48]];
    const N = counts.map((c) => g * nbar + (1 - g) * c);
    const total = N[0]! + N[1]!;
    const expected = [0, 1].flatMap((j) => {
      const Nt = ((N[j]! + eps) / (total + 2 * eps)) * total;
      return [0, 1].map((t) => (g * C0[j]![t]! * nbar + (1 - g) * sums[j]![t]!) / Nt);
    });
    Array.from(r.centroids.data).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
  });
});

describe('kmeans — properties', () => {
  const d = 8;
  const n = 600;
  const X = blobs(n, d, 12, 3);

  it('same seed gives identical centroids and assignments; the inertia history never increases', async () => {
    const a = await kmeans({ data: X, shape: [n, d] }, 12, { seed: 7, backend: 'js' });
    const b = await kmeans({ data: X, shape: [n, d] }, 12, { seed: 7, backend: 'js' });
    expect(Array.from(a.centroids.data)).toEqual(Array.from(b.centroids.data));
    expect(Array.from(a.assignments)).toEqual(Array.from(b.assignments));
    for (let i = 1; i < a.history.length; i++) expect(a.history[i]!).toBeLessThanOrEqual(a.history[i - 1]! * (1 + 1e-6));
    // returned assignments/distances refer to the returned centroids
    expect(a.inertia).toBeCloseTo(inertiaOf(X, a.centroids.data, n, 12, d), 1);
  });

  it('k-means++ (D² sampling) puts one initial centre in each of 10 far-apart tight clusters, for 5 seeds', async () => {
    // uniform sampling would hit all 10 clusters with probability 10!/10^10 ≈ 0.04 %
    const m = 500;
    const Y = blobs(m, 4, 10, 11, 1000, 0.01);
    for (let seed = 1; seed <= 5; seed++) {
      const r = await kmeans({ data: Y, shape: [m, 4] }, 10, { seed, maxIterations: 0, backend: 'js' });
      const clusters = new Set<number>();
      for (let j = 0; j < 10; j++) {
        let best = 0;
        for (let c = 1; c < 10; c++) if (sqDist(r.centroids.data, j, Y, c, 4) < sqDist(r.centroids.data, j, Y, best, 4)) best = c;
        clusters.add(best);
      }
      expect(clusters.size).toBe(10);
    }
  });

  it('greedy k-means++ (localTrials = 2 + ⌊ln k⌋) seeds with a lower potential than plain D² sampling, over 5 seeds', async () => {
    let plain = 0;
    let greedy = 0;
    for (let seed = 1; seed <= 5; seed++) {
      plain += (await kmeans({ data: X, shape: [n, d] }, 12, { seed, maxIterations: 0, backend: 'js' })).inertia;
      greedy += (await kmeans({ data: X, shape: [n, d] }, 12, { seed, maxIterations: 0, localTrials: 4, backend: 'js' })).inertia;
    }
    expect(greedy).toBeLessThan(plain * 0.95);
  });

  it('cross-check with ml-kmeans: same initial centroids → same final inertia within 1e-4 relative', async () => {
    for (const seed of [1, 2, 3]) {
      const init = await kmeans({ data: X, shape: [n, d] }, 12, { seed, maxIterations: 0, backend: 'js' });
      const initRows = toRows(init.centroids.data, d);
      const ours = await kmeans({ data: X, shape: [n, d] }, 12, { init: initRows, tolerance: 0, maxIterations: 500, emptyClusters: 'keep', backend: 'js' });
      const ref = mlKmeans(toRows(X, d), 12, { initialization: initRows.map((r) => [...r]), maxIterations: 500, tolerance: 1e-12 });
      const refC = Float32Array.from(ref.centroids.flat());
      const refInertia = inertiaOf(X, refC, n, 12, d);
      expect(ours.converged).toBe(true);
      expect(Math.abs(ours.inertia - refInertia) / refInertia).toBeLessThan(1e-4);
    }
  });

  it('onnx backend gives the same clustering as the js reference', async () => {
    const a = await kmeans({ data: X, shape: [n, d] }, 12, { seed: 5, backend: 'js' });
    const b = await kmeans({ data: X, shape: [n, d] }, 12, { seed: 5, backend: 'onnx' });
    expect(Array.from(b.assignments)).toEqual(Array.from(a.assignments));
    expect(b.inertia / a.inertia).toBeCloseTo(1, 5);
  });

  it("onnx on the CPU: the default centroid update (accumulate on onnx) is bitwise equal to accumulateBackend 'js'", async () => {
    const m = 3000;
    const Y = blobs(m, d, 24, 11).map((v) => v + 300); // far from 0: float sums depend on the summation order
    const M = { data: Y, shape: [m, d] as [number, number] };
    for (const mode of ['lloyd', 'minibatch'] as const) {
      const opts = { seed: 4, backend: 'onnx' as const, mode, batchSize: 512, maxIterations: 6, tolerance: 0 };
      const byDefault = await kmeans(M, 24, opts);
      const onJs = await kmeans(M, 24, { ...opts, accumulateBackend: 'js' });
      expect(Buffer.from(byDefault.centroids.data.buffer).equals(Buffer.from(onJs.centroids.data.buffer))).toBe(true);
      expect(Array.from(byDefault.assignments)).toEqual(Array.from(onJs.assignments));
    }
  });

  it('progress callback: one call per iteration plus iteration 0, inertia as in history', async () => {
    const seen: { iteration: number; inertia: number }[] = [];
    const r = await kmeans({ data: X, shape: [n, d] }, 12, { seed: 2, maxIterations: 4, tolerance: 0, backend: 'js', onIteration: (i) => seen.push(i) });
    expect(seen.map((s) => s.iteration)).toEqual(Array.from({ length: r.iterations + 1 }, (_, i) => i));
    expect(seen.map((s) => s.inertia)).toEqual(r.history);
  });

  it('mini-batch EMA reaches an inertia close to Lloyd on clustered data', async () => {
    const lloyd = await kmeans({ data: X, shape: [n, d] }, 12, { seed: 4, backend: 'js' });
    const mb = await kmeans({ data: X, shape: [n, d] }, 12, { seed: 4, mode: 'minibatch', batchSize: 100, decay: 0.95, maxIterations: 15, backend: 'js' });
    expect(mb.inertia).toBeLessThan(lloyd.inertia * 1.15);
    expect(mb.history.length).toBe(mb.iterations + 1);
  });
});

describe('kmeans — empty clusters and dead codes', () => {
  const d = 2;
  const X = blobs(200, d, 3, 9, 5, 0.5);
  const far = [[1000, 1000]];
  const init = () => [...toRows(X, d).slice(0, 3), ...far];

  it("'keep' leaves an empty cluster where it was; 'farthest' and 'split' re-use it", async () => {
    const keep = await kmeans({ data: X, shape: [200, d] }, 4, { init: init(), emptyClusters: 'keep', backend: 'js', maxIterations: 5 });
    expect(Array.from(keep.centroids.data.subarray(6, 8))).toEqual([1000, 1000]);
    expect(keep.emptyClusterEvents).toBeGreaterThan(0);
    for (const policy of ['farthest', 'split'] as const) {
      const r = await kmeans({ data: X, shape: [200, d] }, 4, { init: init(), emptyClusters: policy, backend: 'js', maxIterations: 10 });
      expect(r.emptyClusterEvents).toBeGreaterThan(0);
      expect(new Set(r.assignments).size).toBe(4);
      expect(r.inertia).toBeLessThan(keep.inertia);
    }
  });

  it('dead-code reset re-seeds a code unused for τ batches; τ = 0 disables it', async () => {
    const opts = { init: init(), mode: 'minibatch' as const, batchSize: 20, maxIterations: 2, backend: 'js' as const };
    const on = await kmeans({ data: X, shape: [200, d] }, 4, { ...opts, deadCodeThreshold: 3 });
    expect(on.deadCodeResets).toBeGreaterThan(0);
    expect(new Set(on.assignments).size).toBe(4);
    const off = await kmeans({ data: X, shape: [200, d] }, 4, { ...opts, deadCodeThreshold: 0 });
    expect(off.deadCodeResets).toBe(0);
    expect(new Set(off.assignments).size).toBe(3);
  });
});

describe('kmeans — warnings', () => {
  it('warns (does not throw) below 39 training rows per centroid, as faiss', async () => {
    const lines: string[] = [];
    const sink = env.sink;
    env.sink = ((level, message) => lines.push(`${level}: ${message}`)) as LogSink;
    try {
      await kmeans({ data: blobs(40, 2, 4, 1), shape: [40, 2] }, 4, { backend: 'js' });
    } finally {
      env.sink = sink;
    }
    expect(lines.some((l) => /^warning: kmeans: 40 training rows for k = 4 are fewer than 39 per centroid.*at least 156 rows/.test(l))).toBe(true);
  });
});

describe('kmeans — bad input', () => {
  const X = [[0, 0], [1, 1], [2, 2]];
  it('BAD CALL: k not a positive integer, k > n, NaN rows, bad options', async () => {
    await expect(kmeans(X, 1.5)).rejects.toThrow(RangeError);
    await expect(kmeans(X, 1.5)).rejects.toThrow(/kmeans: 'k' must be a positive integer; got 1\.5/);
    await expect(kmeans(X, 0)).rejects.toThrow(/'k'/);
    await expect(kmeans(X, 4)).rejects.toThrow(RangeError);
    await expect(kmeans(X, 4)).rejects.toThrow(/'vectors' must be at least k = 4 rows; got 3 rows/);
    await expect(kmeans([[0, 0], [NaN, 1]], 1)).rejects.toThrow(NumericError);
    await expect(kmeans([[0, 0], [Infinity, 1]], 1)).rejects.toThrow(/'vectors' contains NaN or Inf \(row 1/);
    await expect(kmeans(X, 2, { decay: 1 })).rejects.toThrow(/'options.decay'/);
    await expect(kmeans(X, 2, { mode: 'online' as never })).rejects.toThrow(/'options.mode' must be one of 'lloyd', 'minibatch'/);
    await expect(kmeans(X, 2, { init: [[0, 0]] })).rejects.toThrow(/'options.init' must be of shape \[2, 2\]/);
    await expect(kmeans(X, 2, { maxIterations: -1 })).rejects.toThrow(/'options.maxIterations'/);
    await expect(kmeans('x' as never, 2)).rejects.toThrow(TypeError);
  });
});
