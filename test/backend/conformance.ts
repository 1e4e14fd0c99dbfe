/**
 * The backend conformance suite: every kernel of a backend against independent references
 * (numpy/torch fixtures from scripts/gen_backend_fixtures.py) and against the `'js'` reference on random data
 * over several seeds and shapes (the `policyLoss` kernel of gr2/rl included, see policy_loss_conformance.ts).
 * `describeConformance(name, options)` defines the suite for one backend
 * (tfjs `describeWithFlags`); test/backend/js.test.ts and test/backend/onnx.test.ts call it.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor, accumulate, initBackend, logSoftmaxGather, matMul, nearest, type TensorBackend } from '../../src/backend/index.js';
import { nearestInto } from '../../src/backend/ops.js';
import { Random } from '../../src/sampling/random.js';
import { describePolicyLossConformance } from './policy_loss_conformance.js';

/** Options of {@link describeConformance}. */
export interface ConformanceOptions {
  /** Options passed to `initBackend(name, options)`. */
  readonly backendOptions?: unknown;
  /** Relative tolerance. @defaultValue 1e-5 */
  readonly rtol?: number;
  /** Absolute tolerance. @defaultValue 1e-6 */
  readonly atol?: number;
  /** Seeds of the random cases. @defaultValue [1, 2, 3] */
  readonly seeds?: readonly number[];
  /** Label shown in the suite name (e.g. the device). */
  readonly label?: string;
}

// ---------------------------------------------------------------- helpers

/** First index where |got − want| > atol + rtol·scale (scale = |want| unless given), or −1. */
export function firstMismatch(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  rtol: number,
  atol: number,
  scale?: ArrayLike<number>,
): number {
  if (got.length !== want.length) return -2;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w) || Number.isNaN(g)) {
      if (Number.isNaN(w) && Number.isNaN(g)) continue;
      return i;
    }
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      if (g === w) continue;
      return i;
    }
    const s = scale ? scale[i]! : Math.abs(w);
    if (Math.abs(g - w) > atol + rtol * s) return i;
  }
  return -1;
}

function expectClose(what: string, got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, atol: number, scale?: ArrayLike<number>): void {
  const i = firstMismatch(got, want, rtol, atol, scale);
  const detail = i === -2 ? `length ${got.length} vs ${want.length}` : i >= 0 ? `at ${i}: got ${got[i]}, want ${want[i]}` : 'ok';
  expect(detail, what).toBe('ok');
}

function gaussMatrix(rng: Random, rows: number, cols: number, scale = 1, offset = 0): Tensor<'float32'> {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = offset + scale * rng.gauss();
  return new Tensor('float32', data, [rows, cols]);
}

/** Exact (float64) squared distances of every row of x to every centre: the best, second best and argmin. */
function exactNearest(x: Tensor<'float32'>, c: Tensor<'float32'>): { index: Int32Array; best: Float64Array; gap: Float64Array } {
  const [n, d] = x.dims as [number, number];
  const k = c.dims[0]!;
  const index = new Int32Array(n);
  const best = new Float64Array(n);
  const gap = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let b1 = Infinity;
    let b2 = Infinity;
    let j1 = 0;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) {
        const diff = x.data[i * d + t]! - c.data[j * d + t]!;
        s += diff * diff;
      }
      if (s < b1) {
        b2 = b1;
        b1 = s;
        j1 = j;
      } else if (s < b2) b2 = s;
    }
    index[i] = j1;
    best[i] = b1;
    gap[i] = b2 - b1;
  }
  return { index, best, gap };
}

/** Checks a nearest result: distances always; indices where the best/second-best gap exceeds the tolerance. */
function expectNearest(
  what: string,
  got: { index: Int32Array; distance: Float32Array },
  want: { index: ArrayLike<number>; best: ArrayLike<number>; gap: ArrayLike<number> },
  rtol: number,
  atol: number,
): void {
  expectClose(`${what}: distance`, got.distance, want.best, rtol, atol);
  let compared = 0;
  for (let i = 0; i < want.index.length; i++) {
    const tol = atol + rtol * Math.abs(want.best[i]!);
    if (want.gap[i]! > tol) {
      compared++;
      if (got.index[i] !== want.index[i]) expect(`${what}: index[${i}] = ${got.index[i]}`).toBe(`${what}: index[${i}] = ${want.index[i]}`);
    }
  }
  expect(compared, `${what}: some indices are compared`).toBeGreaterThan(want.index.length > 0 ? 0 : -1);
}

interface Fixtures {
  nearest: { name: string; x: number[]; xShape: [number, number]; c: number[]; cShape: [number, number]; index: number[]; distance: number[]; gap: number[] }[];
  accumulate: { name: string; x: number[]; xShape: [number, number]; index: number[]; k: number; sums: number[]; counts: number[] }[];
  matMul: {
    name: string;
    a: number[];
    aShape: [number, number];
    b: number[];
    bShape: [number, number];
    transposeA: boolean;
    transposeB: boolean;
    y: number[];
    yShape: [number, number];
    absBound: number[];
  }[];
  logSoftmaxGather: { name: string; logits: (number | string)[]; dims: [number, number, number]; ids: number[]; logp: (number | string)[] }[];
}

const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v));
let fixtureCache: Fixtures | undefined;
function fixtures(): Fixtures {
  fixtureCache ??= JSON.parse(readFileSync(new URL('../fixtures/backend_kernels.json', import.meta.url), 'utf8')) as Fixtures;
  return fixtureCache;
}
const mat = (data: number[], shape: readonly number[]): Tensor<'float32'> => new Tensor('float32', Float32Array.from(data), shape);

// ---------------------------------------------------------------- the suite

/**
 * Defines the conformance suite for backend `name` (initialised with `options.backendOptions`).
 * Float kernels must agree within `|got − want| ≤ atol + rtol·|want|`; `matMul` within
 * `atol + rtol·(|op(a)|·|op(b)|)`, the standard error bound of a float32 dot product.
 */
export function describeConformance(name: string, options: ConformanceOptions = {}): void {
  const rtol = options.rtol ?? 1e-5;
  const atol = options.atol ?? 1e-6;
  const seeds = options.seeds ?? [1, 2, 3];
  describe(`backend conformance: ${name}${options.label ? ` (${options.label})` : ''}`, () => {
    let backend: TensorBackend;
    let ref: TensorBackend;
    beforeAll(async () => {
      backend = await initBackend(name, options.backendOptions);
      ref = await initBackend('js');
    });

    describe('nearest', () => {
      it('matches the numpy fixtures (ties → lowest index; exact distances far from the origin)', async () => {
        for (const f of fixtures().nearest) {
          const got = await nearest(mat(f.x, f.xShape), mat(f.c, f.cShape), { backend, chunkSize: 7 });
          expectNearest(f.name, got, { index: f.index, best: f.distance, gap: f.gap }, rtol, atol);
        }
      });

      it('resolves exact ties (including duplicated centres) to the lowest index', async () => {
        const f = fixtures().nearest.find((c) => c.name.startsWith('grid'))!;
        const got = await nearest(mat(f.x, f.xShape), mat(f.c, f.cShape), { backend });
        expect([...got.index]).toEqual(f.index);
      });

      const shapes: [string, number, number, number, number][] = [
        // label, n, d, k, chunkSize
        ['n not divisible by the chunk size', 1001, 16, 37, 128],
        ['k = 1', 77, 5, 1, 10],
        ['d = 1', 300, 1, 9, 64],
        ['one chunk', 50, 64, 256, 4096],
        ['chunk of one row', 9, 3, 4, 1],
      ];
      for (const [label, n, d, k, chunkSize] of shapes) {
        it(`agrees with the js reference: ${label} (n=${n}, d=${d}, k=${k}, chunk=${chunkSize})`, async () => {
          for (const seed of seeds) {
            const rng = new Random(seed);
            const x = gaussMatrix(rng, n, d);
            const c = gaussMatrix(rng, k, d);
            const got = await nearest(x, c, { backend, chunkSize });
            const js = await nearest(x, c, { backend: ref, chunkSize });
            const exact = exactNearest(x, c);
            expectNearest(`seed ${seed}`, got, exact, rtol, atol);
            expectNearest(`seed ${seed} (js)`, js, exact, rtol, atol);
            expectClose(`seed ${seed}: distance vs js`, got.distance, js.distance, rtol, atol);
          }
        });
      }

      it('keeps distances exact when ‖x‖² ≫ distance (codebook far from the origin)', async () => {
        for (const seed of seeds) {
          const rng = new Random(seed);
          const c = gaussMatrix(rng, 64, 32, 1, 50); // centres around 50·1
          const n = 500;
          const x = new Float32Array(n * 32);
          for (let i = 0; i < n; i++) {
            const j = rng.int(64);
            for (let t = 0; t < 32; t++) x[i * 32 + t] = c.data[j * 32 + t]! + 1e-2 * rng.gauss();
          }
          const X = new Tensor('float32', x, [n, 32]);
          const got = await nearest(X, c, { backend, chunkSize: 100 });
          expectNearest(`seed ${seed}`, got, exactNearest(X, c), rtol, atol);
        }
      });

      it('nearestInto writes the result of nearest into the caller arrays, whatever they held before', async () => {
        const cases: [number, number, number][] = [
          [1001, 16, 37], // one chunk (the default is ⌊2^20 / 37⌋ rows)
          [5000, 8, 256], // two chunks (the default is 4096 rows for k = 256)
          [77, 5, 1], // k = 1
          [13, 0, 3], // d = 0: every centre at distance 0, index 0
        ];
        for (const [n, d, k] of cases) {
          const rng = new Random(n + k);
          const x = gaussMatrix(rng, n, d);
          const c = gaussMatrix(rng, k, d);
          const want = await nearest(x, c, { backend });
          const out = { index: new Int32Array(n).fill(-7), distance: new Float32Array(n).fill(Number.NaN) };
          for (let pass = 0; pass < 2; pass++) {
            const got = await nearestInto(x, c, out, backend);
            expect(got.index, `n=${n} d=${d} k=${k}`).toBe(out.index);
            expect(got.distance).toBe(out.distance);
            expect([...out.index], `n=${n} d=${d} k=${k} pass ${pass}`).toEqual([...want.index]);
            expect([...out.distance]).toEqual([...want.distance]);
            out.index.fill(k + 3); // stale values from an earlier pass
            out.distance.fill(-1);
          }
        }
      });

      it('nearestInto rejects arrays of the wrong length, naming the function and argument', async () => {
        const x = new Tensor('float32', new Float32Array(6), [3, 2]);
        const c = new Tensor('float32', new Float32Array(4), [2, 2]);
        const out = { index: new Int32Array(2), distance: new Float32Array(3) };
        await expect(nearestInto(x, c, out, backend)).rejects.toThrow(/nearestInto: 'out' must be index and distance arrays of length n = 3/);
        await expect(nearestInto(x, new Tensor('float32', new Float32Array(3), [1, 3]), { index: new Int32Array(3), distance: new Float32Array(3) }, backend)).rejects.toThrow(RangeError);
      });

      it('returns empty arrays for n = 0', async () => {
        const got = await nearest(new Tensor('float32', new Float32Array(0), [0, 4]), [[1, 2, 3, 4]], { backend });
        expect(got.index).toEqual(new Int32Array(0));
        expect(got.distance).toEqual(new Float32Array(0));
      });

      it('property: the returned distance is never above the distance to any centre', async () => {
        await fc.assert(
          fc.asyncProperty(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 1e6 }), async (n, d, k, seed) => {
            const rng = new Random(seed);
            const x = gaussMatrix(rng, n, d, 3);
            const c = gaussMatrix(rng, k, d, 3);
            const got = await nearest(x, c, { backend, chunkSize: 5 });
            const exact = exactNearest(x, c);
            for (let i = 0; i < n; i++) {
              expect(got.index[i]).toBeGreaterThanOrEqual(0);
              expect(got.index[i]).toBeLessThan(k);
              expect(got.distance[i]! - exact.best[i]!).toBeLessThanOrEqual(atol + rtol * exact.best[i]!);
            }
          }),
          { numRuns: 25, seed: 42 },
        );
      });
    });

    describe('accumulate', () => {
      it('matches the numpy fixtures (np.add.at, bincount)', async () => {
        for (const f of fixtures().accumulate) {
          const got = await accumulate(mat(f.x, f.xShape), f.index, f.k, { backend, chunkSize: 4 });
          expectClose(`${f.name}: sums`, got.sums, f.sums, rtol, atol);
          expect([...got.counts], f.name).toEqual(f.counts);
        }
      });

      const shapes: [string, number, number, number, number][] = [
        ['n not divisible by the chunk size', 1003, 8, 10, 100],
        ['k = 1', 64, 3, 1, 64],
        ['d = 1', 500, 1, 7, 33],
        ['more clusters than rows (empty clusters)', 5, 4, 12, 2],
        ['n a multiple of the chunk size', 600, 3, 5, 200],
        ['fewer rows than the chunk size', 7, 3, 4, 100],
      ];
      for (const [label, n, d, k, chunkSize] of shapes) {
        it(`agrees with the js reference: ${label} (n=${n}, d=${d}, k=${k})`, async () => {
          for (const seed of seeds) {
            const rng = new Random(seed);
            const x = gaussMatrix(rng, n, d, 2);
            const index = Int32Array.from({ length: n }, () => rng.int(k));
            const got = await accumulate(x, index, k, { backend, chunkSize });
            const js = await accumulate(x, index, k, { backend: ref });
            expectClose(`seed ${seed}: sums`, got.sums, js.sums, rtol, atol);
            expect(got.counts).toEqual(js.counts);
          }
        });
      }

      it('returns zeros for n = 0', async () => {
        const got = await accumulate(new Tensor('float32', new Float32Array(0), [0, 3]), [], 2, { backend });
        expect(got.sums).toEqual(new Float32Array(6));
        expect(got.counts).toEqual(new Int32Array(2));
      });

      it('sums in float64: 1e8 + many small values in one cluster loses nothing before the final rounding', async () => {
        const n = 2001;
        const x = new Float32Array(n).fill(1);
        x[0] = 1e8;
        const got = await accumulate(new Tensor('float32', x, [n, 1]), new Int32Array(n), 1, { backend, chunkSize: 500 });
        expect(got.sums[0]).toBe(Math.fround(1e8 + 2000));
      });
    });

    describe('matMul', () => {
      it('matches the numpy fixtures within the float32 dot-product bound', async () => {
        for (const f of fixtures().matMul) {
          const got = await matMul(mat(f.a, f.aShape), mat(f.b, f.bShape), { backend, transposeA: f.transposeA, transposeB: f.transposeB });
          expect(got.dims, f.name).toEqual(f.yShape);
          expectClose(f.name, got.data, f.y, rtol, atol, f.absBound);
        }
      });

      it('agrees with the js reference for every transpose combination and odd shapes', async () => {
        const shapes: [number, number, number][] = [
          [1, 1, 1],
          [17, 33, 9],
          [64, 1, 5],
          [3, 200, 2],
        ];
        for (const seed of seeds) {
          const rng = new Random(seed);
          for (const [m, inner, p] of shapes) {
            for (const transposeA of [false, true]) {
              for (const transposeB of [false, true]) {
                const a = gaussMatrix(rng, transposeA ? inner : m, transposeA ? m : inner);
                const b = gaussMatrix(rng, transposeB ? p : inner, transposeB ? inner : p);
                const got = await matMul(a, b, { backend, transposeA, transposeB });
                const js = await matMul(a, b, { backend: ref, transposeA, transposeB });
                const absA = new Tensor('float32', a.data.map(Math.abs), a.dims);
                const absB = new Tensor('float32', b.data.map(Math.abs), b.dims);
                const bound = await matMul(absA, absB, { backend: ref, transposeA, transposeB });
                expect(got.dims).toEqual([m, p]);
                expectClose(`seed ${seed} [${m},${inner},${p}] tA=${transposeA} tB=${transposeB}`, got.data, js.data, rtol, atol, bound.data);
              }
            }
          }
        }
      });

      it('property: (A·B)ᵀ = Bᵀ·Aᵀ through the transpose flags', async () => {
        await fc.assert(
          fc.asyncProperty(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 1e6 }), async (m, inner, p, seed) => {
            const rng = new Random(seed);
            const a = gaussMatrix(rng, m, inner);
            const b = gaussMatrix(rng, inner, p);
            const ab = await matMul(a, b, { backend });
            const btat = await matMul(b, a, { backend, transposeA: true, transposeB: true }); // [p, m]
            for (let i = 0; i < m; i++) for (let j = 0; j < p; j++) expect(btat.data[j * m + i]).toBeCloseTo(ab.data[i * p + j]!, 4);
          }),
          { numRuns: 20, seed: 7 },
        );
      });

      it('returns zeros for an empty inner dimension', async () => {
        const got = await matMul(new Tensor('float32', new Float32Array(0), [2, 0]), new Tensor('float32', new Float32Array(0), [0, 3]), { backend });
        expect(got.dims).toEqual([2, 3]);
        expect([...got.data]).toEqual([0, 0, 0, 0, 0, 0]);
      });
    });

    describe('logSoftmaxGather', () => {
      it('matches the torch fixtures (log_softmax + gather in float64)', async () => {
        for (const f of fixtures().logSoftmaxGather) {
          const [b, s, v] = f.dims;
          const logits = new Tensor('float32', Float32Array.from(f.logits.map(num)), [b, s, v]);
          const ids = new Tensor('int32', Int32Array.from(f.ids), [b, s]);
          const got = await logSoftmaxGather(logits, ids, { backend, chunkSize: 2 });
          expectClose(f.name, got.data, f.logp.map(num), rtol, atol);
        }
      });

      const shapes: [string, number, number, number, number][] = [
        ['rows not divisible by the chunk size', 3, 7, 1000, 4],
        ['one row', 1, 1, 5, 1],
        ['vocab 1 (log-prob 0)', 2, 2, 1, 3],
      ];
      for (const [label, b, s, v, chunkSize] of shapes) {
        it(`agrees with the js reference: ${label} (b=${b}, s=${s}, v=${v})`, async () => {
          for (const seed of seeds) {
            const rng = new Random(seed);
            const logits = new Tensor('float32', gaussMatrix(rng, b * s, v, 4).data, [b, s, v]);
            const ids = new Tensor('int32', Int32Array.from({ length: b * s }, () => rng.int(v)), [b, s]);
            const got = await logSoftmaxGather(logits, ids, { backend, chunkSize });
            const js = await logSoftmaxGather(logits, ids, { backend: ref, chunkSize });
            expectClose(`seed ${seed}`, got.data, js.data, rtol, atol);
          }
        });
      }

      it('handles a 151,936-token vocabulary (Qwen3) in row chunks', async () => {
        const rng = new Random(seeds[0]);
        const v = 151_936;
        const logits = new Tensor('float32', gaussMatrix(rng, 3, v, 3).data, [1, 3, v]);
        const ids = new Tensor('int32', Int32Array.from([0, 77_777, v - 1]), [1, 3]);
        const got = await logSoftmaxGather(logits, ids, { backend, chunkSize: 2 });
        const js = await logSoftmaxGather(logits, ids, { backend: ref });
        expectClose('vocab 151936', got.data, js.data, rtol, atol);
      });

      it('propagates NaN for rows holding NaN or +Inf or only −Inf, and −Inf for a −Inf target', async () => {
        const logits = new Tensor('float32', Float32Array.from([0, NaN, 1, 0, Infinity, 1, -Infinity, -Infinity, -Infinity, -Infinity, 0, 1]), [1, 4, 3]);
        const ids = new Tensor('int32', Int32Array.from([0, 0, 1, 0]), [1, 4]);
        const got = await logSoftmaxGather(logits, ids, { backend });
        expect(Number.isNaN(got.data[0])).toBe(true);
        expect(Number.isNaN(got.data[1])).toBe(true);
        expect(Number.isNaN(got.data[2])).toBe(true);
        expect(got.data[3]).toBe(-Infinity);
      });
    });

    describePolicyLossConformance(() => backend, () => ref, rtol, atol);
  });
}
