/** Shared test data for the sid tests: seeded Gaussian blobs. */
import { Random } from '../../src/sampling/random.js';

/** `n` rows of dimension `d` around `centers` random centres (std `spread`, centre scale `scale`). */
export function blobs(n: number, d: number, centers: number, seed = 1, scale = 3, spread = 1): Float32Array {
  const rng = new Random(seed);
  const C = Array.from({ length: centers }, () => Array.from({ length: d }, () => rng.gauss() * scale));
  const X = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = C[i % centers]!;
    for (let t = 0; t < d; t++) X[i * d + t] = c[t]! + rng.gauss() * spread;
  }
  return X;
}

/** Exact float64 squared distance between row `i` of `a` and row `j` of `b`. */
export function sqDist(a: Float32Array, i: number, b: Float32Array, j: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) {
    const e = a[i * d + t]! - b[j * d + t]!;
    s += e * e;
  }
  return s;
}

/** Float64 inertia of centroids `C` [k,d] over rows `X` [n,d] (nearest-centroid, exact). */
export function inertiaOf(X: Float32Array, C: Float32Array, n: number, k: number, d: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let j = 0; j < k; j++) best = Math.min(best, sqDist(X, i, C, j, d));
    total += best;
  }
  return total;
}
