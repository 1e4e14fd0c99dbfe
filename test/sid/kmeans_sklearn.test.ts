/**
 * gr2's Lloyd k-means against scikit-learn 1.2 (fixture written by scripts/gen_sid_fixtures.py): same data,
 * same initial centroids, both run to convergence → same labels, centroids and inertia.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kmeans } from '../../src/sid/kmeans.js';

interface Case {
  name: string; n: number; d: number; k: number; x: number[]; init: number[]; labels: number[]; centroids: number[]; inertia: number; iterations: number;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/sid_kmeans.json', import.meta.url), 'utf8')) as { sklearn: string; cases: Case[] };

describe(`kmeans vs scikit-learn ${fixture.sklearn} (Lloyd, same initial centroids)`, () => {
  for (const c of fixture.cases) {
    it(`${c.name}: same labels, centroids within 1e-4, inertia within 1e-5 relative`, async () => {
      const init = { data: Float32Array.from(c.init), shape: [c.k, c.d] };
      for (const backend of ['js', 'onnx'] as const) {
        const r = await kmeans({ data: Float32Array.from(c.x), shape: [c.n, c.d] }, c.k, { init, tolerance: 0, maxIterations: 500, emptyClusters: 'keep', backend });
        expect(r.converged).toBe(true);
        expect(Array.from(r.assignments)).toEqual(c.labels);
        r.centroids.data.forEach((v, i) => expect(Math.abs(v - c.centroids[i]!)).toBeLessThan(1e-4 * (1 + Math.abs(c.centroids[i]!))));
        expect(Math.abs(r.inertia - c.inertia) / c.inertia).toBeLessThan(1e-5);
      }
    });
  }
});
