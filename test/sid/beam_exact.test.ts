/**
 * Beam encoding keeps the B best candidates by exact cost `Σ_t fl32(r_t − e_t)²` (float64 sum), ties to the earlier
 * (beam, code): the float32 `matMul` costs only screen candidates within a proven error bound. So beam codes are an
 * exact function of the codebooks — equal to an independent brute-force beam search and equal across backends,
 * including on data far from the origin (where float32 costs lose digits) and on integer data (exact ties).
 */
import { describe, expect, it } from 'vitest';
import { ResidualQuantizer } from '../../src/sid/residual_quantizer.js';
import { Random } from '../../src/sampling/random.js';

/** Brute force: every (beam, code) candidate's exact cost, a stable sort, the best B kept per level. */
function bruteForceBeam(rq: ResidualQuantizer, X: Float32Array, rows: number, B: number): number[] {
  const d = rq.dim;
  const books = rq.codebooks.map((b) => b.data);
  const out: number[] = [];
  for (let i = 0; i < rows; i++) {
    let beams = [{ r: X.slice(i * d, i * d + d), codes: [] as number[], err: 0 }];
    books.forEach((E, l) => {
      const cand: typeof beams = [];
      for (const bm of beams) {
        for (let j = 0; j < rq.codebookSizes[l]!; j++) {
          const r = new Float32Array(d);
          let err = 0;
          for (let t = 0; t < d; t++) {
            r[t] = bm.r[t]! - E[j * d + t]!;
            err += r[t]! * r[t]!;
          }
          cand.push({ r, codes: [...bm.codes, j], err });
        }
      }
      beams = cand.sort((a, b) => a.err - b.err).slice(0, B); // Array.prototype.sort is stable
    });
    let best = beams[0]!;
    for (const bm of beams) if (bm.err < best.err) best = bm;
    out.push(...best.codes);
  }
  return out;
}

function data(n: number, d: number, offset: number, integer: boolean, seed: number): Float32Array {
  const rng = new Random(seed);
  const C = Array.from({ length: 12 }, () => Array.from({ length: d }, () => 3 * rng.gauss()));
  const X = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < d; t++) {
      const v = C[i % 12]![t]! + rng.gauss();
      X[i * d + t] = offset + (integer ? Math.round(v) : v);
    }
  }
  return X;
}

describe('beam encode: exact selection', () => {
  const cases: [string, number, boolean][] = [
    ['centred real data', 0, false],
    ['far from the origin (offset 2000)', 2000, false],
    ['integer data (many exactly tied costs)', 0, true],
  ];
  for (const [label, offset, integer] of cases) {
    it(`equals a brute-force exact beam search and is the same on 'js' and 'onnx': ${label}`, async () => {
      const n = 600;
      const d = 10;
      const X = data(n, d, offset, integer, 3);
      const M = { data: X, shape: [n, d] as [number, number] };
      const rq = await ResidualQuantizer.train(M, { levels: 3, codebookSize: [16, 8, 8], seed: 2, backend: 'js', kmeans: { maxIterations: 5 } });
      const rows = 200;
      const sub = { data: X.subarray(0, rows * d), shape: [rows, d] as [number, number] };
      for (const B of [2, 5]) {
        const want = bruteForceBeam(rq, X, rows, B);
        const js = Array.from((await rq.encode(sub, { backend: 'js', beamWidth: B })).data);
        const onnx = Array.from((await rq.encode(sub, { backend: 'onnx', beamWidth: B })).data);
        expect(js).toEqual(want);
        expect(onnx).toEqual(want);
      }
    });
  }
});
