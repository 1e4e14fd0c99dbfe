/**
 * The 'onnx' CPU `nearest` screens with float32 scores and re-checks only rows whose top-two gap is inside
 * the proven error bound: its indices AND distances must be bitwise those of the 'js' float64 reference,
 * also on data built to sit on or next to ties, far from the origin, with duplicated centres, and whatever
 * the chunking.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Tensor, initBackend, nearest, type TensorBackend } from '../../src/backend/index.js';
import { centreCentroids, nearestMargin } from '../../src/backend/onnx/kernels/nearest.js';
import { Random } from '../../src/sampling/random.js';

let onnx: TensorBackend;
let js: TensorBackend;
beforeAll(async () => {
  onnx = await initBackend('onnx', { device: 'cpu' });
  js = await initBackend('js');
});

async function expectBitwiseEqual(label: string, x: Float32Array, c: Float32Array, d: number, chunkSizes: readonly number[]): Promise<void> {
  const X = new Tensor('float32', x, [x.length / d, d]);
  const C = new Tensor('float32', c, [c.length / d, d]);
  const ref = await nearest(X, C, { backend: js });
  for (const chunkSize of chunkSizes) {
    const got = await nearest(X, C, { backend: onnx, chunkSize });
    const bad = got.index.findIndex((j, i) => j !== ref.index[i] || !Object.is(got.distance[i], ref.distance[i]));
    expect(bad, `${label}, chunk ${chunkSize}: first differing row ${bad}`).toBe(-1);
  }
}

/** Rows on the midpoint of two centres, nudged by a few float32 ulps either way. */
function nearTies(rng: Random, c: Float32Array, k: number, d: number, n: number, offset = 0): Float32Array {
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const a = rng.int(k);
    const b = rng.int(k);
    const nudge = rng.int(7) - 3;
    for (let t = 0; t < d; t++) {
      const m = Math.fround((c[a * d + t]! + c[b * d + t]!) / 2);
      const ulp = Math.max(Math.abs(m) * 2 ** -23, 1e-30);
      x[i * d + t] = Math.fround(m + nudge * ulp * (t % 2 === 0 ? 1 : -1)) + offset;
    }
  }
  return x;
}

describe('onnx nearest: screened fast path is bitwise the js reference', () => {
  it('midpoints of centre pairs nudged by ±3 ulp (gaussian centres, d = 64, k = 256)', async () => {
    const rng = new Random(7);
    const d = 64;
    const k = 256;
    const c = new Float32Array(k * d).map(() => rng.gauss());
    await expectBitwiseEqual('near ties', nearTies(rng, c, k, d, 3000), c, d, [4096, 777]);
  });

  it('centre counts that do not fill the score grid (k = 3, 100, 257: padded with +Inf scores), near ties', async () => {
    const rng = new Random(17);
    for (const [k, d] of [[3, 5], [100, 24], [257, 16]] as const) {
      const c = new Float32Array(k * d).map(() => rng.gauss());
      await expectBitwiseEqual(`k = ${k}`, nearTies(rng, c, k, d, 1200), c, d, [1200, 301]);
    }
  });

  it('exact ties on an integer grid and duplicated centres: the lowest index wins, as in the reference', async () => {
    const rng = new Random(8);
    const d = 8;
    const k = 40;
    const c = new Float32Array(k * d).map(() => rng.int(5));
    c.copyWithin(10 * d, 3 * d, 4 * d); // centre 10 = centre 3
    c.copyWithin(30 * d, 3 * d, 4 * d); // centre 30 = centre 3
    const x = new Float32Array(2000 * d).map(() => rng.int(5) + (rng.random() < 0.5 ? 0.5 : 0));
    await expectBitwiseEqual('grid', x, c, d, [2000, 64]);
  });

  it('far from the origin: centres and points around 1e4 with spread 1e-2, near ties included', async () => {
    const rng = new Random(9);
    const d = 32;
    const k = 64;
    const c = new Float32Array(k * d).map(() => 1e4 + 1e-2 * rng.gauss());
    const x = new Float32Array(1500 * d);
    x.set(nearTies(rng, c, k, d, 500));
    for (let i = 500 * d; i < x.length; i++) x[i] = 1e4 + 1e-2 * rng.gauss();
    await expectBitwiseEqual('offset 1e4', x, c, d, [1500, 333]);
    // an offset only on the points (centres at the origin): ‖x‖ ≫ spread
    const c0 = new Float32Array(k * d).map(() => rng.gauss());
    const x0 = nearTies(rng, c0, k, d, 400, 300);
    await expectBitwiseEqual('points far from centred codebook', x0, c0, d, [400]);
  });

  it('property: random small shapes, values on a coarse grid (many ties), any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 1, max: 13 }),
        fc.integer({ min: 0, max: 1e6 }),
        async (n, d, k, chunk, seed) => {
          const rng = new Random(seed);
          const c = new Float32Array(k * d).map(() => rng.int(4) / 2 - 1);
          const x = new Float32Array(n * d).map(() => rng.int(9) / 4 - 1);
          await expectBitwiseEqual(`seed ${seed}`, x, c, d, [chunk]);
        },
      ),
      { numRuns: 40, seed: 15 },
    );
  });

  it('the error bound dominates the observed float32 score error (exact scores from float64 arithmetic)', () => {
    const rng = new Random(10);
    for (const [d, k, offset, scale] of [[64, 64, 0, 1], [16, 32, 1000, 0.1], [5, 9, -3, 100]] as const) {
      const c = new Float32Array(k * d).map(() => offset + scale * rng.gauss());
      const { cs, cc, mu, b } = centreCentroids(c, k, d);
      for (let i = 0; i < 200; i++) {
        const x = new Float32Array(d).map(() => offset + scale * 2 * rng.gauss());
        const xs = x.map((v, t) => v - mu[t]!); // float32 Sub, as the graph
        let a = 0;
        for (let t = 0; t < d; t++) a += (x[t]! - mu[t]!) ** 2;
        const e = nearestMargin(d, Math.sqrt(a), b) / 2.1 / 2; // ≈ the per-score bound e (without the js term)
        for (let j = 0; j < k; j++) {
          // float32 score as a float32 dot product would give it, vs the exact relative score
          let dot = 0;
          let exact = 0;
          for (let t = 0; t < d; t++) {
            dot = Math.fround(dot + Math.fround(xs[t]! * cs[j * d + t]!));
            const bj = c[j * d + t]! - mu[t]!;
            exact += bj * bj - 2 * (x[t]! - mu[t]!) * bj;
          }
          const score = Math.fround(cc[j]! - 2 * dot);
          expect(Math.abs(score - exact)).toBeLessThanOrEqual(e);
        }
      }
    }
  });
});
