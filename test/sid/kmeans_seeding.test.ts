/**
 * k-means++ seeding has three D² update paths: the fused JS pass (triangle-inequality and partial-sum shortcuts,
 * `seedingBackend: 'js'`), the Gemm-screened pass (ONNX Runtime on the CPU: a float32 screen with a proven error
 * bound, exact distances for the rest), and the generic per-centre `nearest` calls (any other backend — here a
 * renamed JS backend carrying only the reference `nearest` kernel). All three must choose exactly the same centres,
 * so seeded results do not depend on the backend.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { JsBackend, matMul, registerBackend, registerKernel, removeBackend } from '../../src/backend/index.js';
import { exactSquaredDistance } from '../../src/backend/nearest_exact.js';
import { nearestConfig } from '../../src/backend/js/kernels/nearest.js';
import { d2Screen, kmeans, screenedD2Update, type KMeansOptions } from '../../src/sid/kmeans.js';
import { Random } from '../../src/sampling/random.js';

registerBackend('nearest-only', () => new JsBackend('nearest-only'), { priority: -1 });
registerKernel({ ...nearestConfig, backendName: 'nearest-only' });
afterAll(async () => {
  await removeBackend('nearest-only');
});

/** Seeded centres (no Lloyd iteration) through each of the three D² update paths. */
async function seedsByPath(x: { data: Float32Array; shape: [number, number] }, k: number, options: KMeansOptions) {
  const run = async (seedingBackend: 'js' | 'onnx' | 'nearest-only') =>
    (await kmeans(x, k, { ...options, maxIterations: 0, backend: 'js', seedingBackend })).centroids.data;
  return { fused: await run('js'), screened: await run('onnx'), generic: await run('nearest-only') };
}

function expectSame(a: Float32Array, b: Float32Array): void {
  expect(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))).toBe(true);
}

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

describe('kmeans++ seeding: fused, screened and generic paths', () => {
  const cases: [string, number, number, number, number, number][] = [
    // label, n, d, k, clusters, offset
    ['clustered, fewer clusters than k', 3000, 16, 40, 12, 0],
    ['more clusters than k, far from the origin', 2500, 13, 32, 200, 500],
    ['d not a multiple of 8, tiny k', 800, 5, 3, 4, 0],
    ['d = 64, far from the origin (the screen must widen its bound)', 3000, 64, 48, 30, 1e4],
  ];
  for (const [label, n, d, k, clusters, offset] of cases) {
    it(`all three paths pick the same centres: ${label}`, async () => {
      const x = { data: data(n + d, n, d, clusters, offset), shape: [n, d] as [number, number] };
      for (const seed of [1, 99]) {
        const { fused, screened, generic } = await seedsByPath(x, k, { seed });
        expectSame(fused, generic);
        expectSame(screened, generic);
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
    const { fused, screened, generic } = await seedsByPath(m, 25, { seed: 3, initSampleSize: 700 });
    expect(Array.from(fused)).toEqual(Array.from(generic));
    expect(Array.from(screened)).toEqual(Array.from(generic));
  });

  it("the default seeding of backend 'onnx' (the screened path) gives the seeds of backend 'js' (the fused path)", async () => {
    const x = { data: data(7, 2000, 24, 20), shape: [2000, 24] as [number, number] };
    const onnx = await kmeans(x, 30, { seed: 4, maxIterations: 0, backend: 'onnx' });
    const js = await kmeans(x, 30, { seed: 4, maxIterations: 0, backend: 'js' });
    expectSame(onnx.centroids.data, js.centroids.data);
  });
});

describe('screenedD2Update (the Gemm screen of the D² update)', () => {
  // best[i] = min(best[i], fl32(‖x_i − c‖²)) with the reference's float64 distance, whatever the screen says
  function reference(X: Float32Array, m: number, d: number, c: Float32Array, best: Float64Array): Float64Array {
    const out = Float64Array.from(best);
    for (let i = 0; i < m; i++) {
      const v = Math.fround(exactSquaredDistance(X, i * d, c, 0, d));
      if (v < out[i]!) out[i] = v;
    }
    return out;
  }

  // the float32 `k` units in the last place away from the positive float32 `f`
  const bits = new Float32Array(1);
  const asInt = new Int32Array(bits.buffer);
  function ulpsAway(f: number, k: number): number {
    bits[0] = f;
    asInt[0]! += k;
    return bits[0]!;
  }

  for (const [label, offset] of [['centred data', 0], ['data far from the origin', 3e3]] as const) {
    it(`equals the exact update on rows whose D² sits within float32 rounding of the new distance: ${label}`, async () => {
      const rng = new Random(17);
      const m = 4000;
      const d = 48;
      const X = new Float32Array(m * d).map(() => offset + rng.gauss());
      const screen = d2Screen(X, m, d);
      const pick = 123;
      const c = X.slice(pick * d, pick * d + d);
      const b = screen.xs.subarray(pick * d, pick * d + d);
      const dot = (await matMul({ data: screen.xs, shape: [m, d] }, { data: b, shape: [d, 1] }, { backend: 'onnx' })).data;
      // D² values within ±2 float32 ulps of the new distance (the screen's hardest rows), plus far and near ones
      const best = new Float64Array(m);
      for (let i = 0; i < m; i++) {
        const t = exactSquaredDistance(X, i * d, c, 0, d);
        const u = rng.random();
        best[i] = u < 0.8 ? ulpsAway(Math.fround(t), rng.int(5) - 2) : u < 0.9 ? Math.fround(t * 3) : Math.fround(t / 3);
      }
      const want = reference(X, m, d, c, best);
      const got = Float64Array.from(best);
      screenedD2Update(X, m, d, c, 0, got, screen, b, dot);
      const changed = want.reduce((a, v, i) => a + Number(v !== best[i]), 0);
      expect(changed).toBeGreaterThan(1000); // the fixture does exercise both sides of the boundary
      expect(Array.from(got)).toEqual(Array.from(want));
    });
  }
});
