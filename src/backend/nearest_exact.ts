/**
 * The exact arithmetic of `nearest`, shared by the `'js'` reference kernel and the `'onnx'` kernel's
 * re-check, so both return bitwise-equal indices and distances.
 *
 * A distance is `Σ_t (x_t − c_t)²` with every difference, square and partial sum in float64, in one fixed
 * order: four interleaved partial sums `s_r = Σ_{t ≡ r (mod 4)}` (the `d mod 4` trailing terms go to `s_0`),
 * combined as `(s_0 + s_1) + (s_2 + s_3)` — four independent chains instead of one (the float64 error bound is
 * no larger). The lowest index wins exact ties. The scan over centres stops summing a candidate as soon as its
 * combined partial sums reach the best full sum so far: each partial sum of squares never decreases, and
 * rounding is monotone, so such a candidate could not have won and the result is unchanged.
 *
 * @packageDocumentation
 */

/** @internal float32 unit roundoff `2⁻²⁴` (the error bounds of the float32 screens). */
export const U32 = 2 ** -24;
/** @internal float64 unit roundoff `2⁻⁵³`. */
export const U64 = 2 ** -53;

/**
 * @internal The float64 mean of each column of the `[rows, d]` matrix `X` (rows summed in order; all zeros when
 * `rows` is 0): the centre both float32 screens subtract (the ONNX `nearest` centroids, the k-means++ sample).
 */
export function columnMeans(X: Float32Array, rows: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < rows; i++) for (let t = 0; t < d; t++) mean[t] += X[i * d + t]!;
  for (let t = 0; t < d; t++) mean[t] /= Math.max(rows, 1);
  return mean;
}

/**
 * `Σ_t (X[xo+t] − C[co+t])²` in float64, in the fixed order of this module (four interleaved partial sums).
 * @internal
 */
export function exactSquaredDistance(X: Float32Array, xo: number, C: Float32Array, co: number, d: number): number {
  return squaredDistanceBelow(X, xo, C, co, d, Number.POSITIVE_INFINITY);
}

/**
 * {@link exactSquaredDistance} that may stop early: the same float64 sums, whose combination
 * `(s_0 + s_1) + (s_2 + s_3)` is checked against `bound` after every 8 terms; once it reaches `bound` it is
 * returned as is (the full sum could not be below `bound`: partial sums of squares never decrease). A result
 * `< bound` is the exact full sum.
 * @internal
 */
export function squaredDistanceBelow(X: Float32Array, xo: number, C: Float32Array, co: number, d: number, bound: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let t = 0;
  for (; t + 8 <= d; t += 8) {
    const d0 = X[xo + t]! - C[co + t]!;
    const d1 = X[xo + t + 1]! - C[co + t + 1]!;
    const d2 = X[xo + t + 2]! - C[co + t + 2]!;
    const d3 = X[xo + t + 3]! - C[co + t + 3]!;
    const d4 = X[xo + t + 4]! - C[co + t + 4]!;
    const d5 = X[xo + t + 5]! - C[co + t + 5]!;
    const d6 = X[xo + t + 6]! - C[co + t + 6]!;
    const d7 = X[xo + t + 7]! - C[co + t + 7]!;
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
    s0 += d4 * d4;
    s1 += d5 * d5;
    s2 += d6 * d6;
    s3 += d7 * d7;
    const s = s0 + s1 + (s2 + s3);
    if (s >= bound) return s;
  }
  if (t + 4 <= d) {
    const d0 = X[xo + t]! - C[co + t]!;
    const d1 = X[xo + t + 1]! - C[co + t + 1]!;
    const d2 = X[xo + t + 2]! - C[co + t + 2]!;
    const d3 = X[xo + t + 3]! - C[co + t + 3]!;
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
    t += 4;
  }
  for (; t < d; t++) {
    const diff = X[xo + t]! - C[co + t]!;
    s0 += diff * diff;
  }
  return s0 + s1 + (s2 + s3);
}

/**
 * Nearest of the `k` centres `C` to row `X[xo..xo+d)` by {@link exactSquaredDistance}, lowest index on
 * exact ties; writes the index to `out[0]` and the float64 distance to `dist[0]`.
 * @internal
 */
export function exactNearestRow(X: Float32Array, xo: number, C: Float32Array, k: number, d: number, out: Int32Array, dist: Float64Array): void {
  let best = Infinity;
  let bestJ = 0;
  for (let j = 0; j < k; j++) {
    const s = squaredDistanceBelow(X, xo, C, j * d, d, best);
    if (s < best) {
      best = s;
      bestJ = j;
    }
  }
  out[0] = bestJ;
  dist[0] = best;
}
