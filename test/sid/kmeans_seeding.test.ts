/**
 * The default k-means++ seeding runs as one fused pass per new centre over the D² array (triangle-inequality
 * and partial-sum shortcuts). It must choose exactly the centres that the generic per-centre `nearest` calls
 * choose (the path taken with a non-js `seedingBackend`), so seeded results do not move.
 */
import { describe, expect, it } from 'vitest';
import { kmeans } from '../../src/sid/kmeans.js';
import { Random } from '../../src/sampling/random.js';

function data(seed: number, n: number, d: number, clusters: number, offset = 0): Float32Array {
  const rng = new Random(seed);
  const c = new Float32Array(clusters * d).map(() => offset + 3 * rng.gauss());
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const j = rng.int(clusters);
    for (let t = 0; t < d; t++) x[i * d + t] = c[j * d + t]! + rng.gauss();
  }
  return x;
}

describe('kmeans++ fused seeding', () => {
  const cases: [string, number, number, number, number, number][] = [
    // label, n, d, k, clusters, offset
    ['clustered, fewer clusters than k', 3000, 16, 40, 12, 0],
    ['more clusters than k, far from the origin', 2500, 13, 32, 200, 500],
    ['d not a multiple of 8, tiny k', 800, 5, 3, 4, 0],
  ];
  for (const [label, n, d, k, clusters, offset] of cases) {
    it(`picks the same centres as the per-centre nearest path: ${label}`, async () => {
      const x = { data: data(n + d, n, d, clusters, offset), shape: [n, d] as [number, number] };
      for (const seed of [1, 99]) {
        const fused = await kmeans(x, k, { seed, maxIterations: 0, backend: 'js' });
        const generic = await kmeans(x, k, { seed, maxIterations: 0, backend: 'js', seedingBackend: 'onnx' });
        expect(Buffer.from(fused.centroids.data.buffer).equals(Buffer.from(generic.centroids.data.buffer))).toBe(true);
      }
    });
  }

  it('duplicated rows (D² = 0 for many rows) and a sample smaller than n', async () => {
    const rng = new Random(5);
    const d = 9;
    const base = new Float32Array(20 * d).map(() => rng.int(3));
    const n = 1200;
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) x.set(base.subarray((i % 20) * d, (i % 20) * d + d), i * d);
    const m = { data: x, shape: [n, d] as [number, number] };
    const fused = await kmeans(m, 25, { seed: 3, maxIterations: 0, backend: 'js', initSampleSize: 700 });
    const generic = await kmeans(m, 25, { seed: 3, maxIterations: 0, backend: 'js', initSampleSize: 700, seedingBackend: 'onnx' });
    expect(Array.from(fused.centroids.data)).toEqual(Array.from(generic.centroids.data));
  });
});
