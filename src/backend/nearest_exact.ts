/**
 * The exact arithmetic of `nearest`, shared by the `'js'` reference kernel and the `'onnx'` kernel's
 * re-check, so both return bitwise-equal indices and distances.
 *
 * A distance is `Σ_t (x_t − c_t)²` with every difference, square and partial sum in float64, summed in
 * `t` order; the lowest index wins exact ties. The scan over centres stops summing a candidate as soon as
 * its partial sum reaches the best full sum so far: partial sums of squares never decrease in floating
 * point (rounding is monotone), so such a candidate could not have won and the result is unchanged.
 *
 * @packageDocumentation
 */

/**
 * `Σ_t (X[xo+t] − C[co+t])²` in float64, in `t` order.
 * @internal
 */
export function exactSquaredDistance(X: Float32Array, xo: number, C: Float32Array, co: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) {
    const diff = X[xo + t]! - C[co + t]!;
    s += diff * diff;
  }
  return s;
}

/**
 * {@link exactSquaredDistance} that may stop early: the same float64 sum in `t` order, checked against `bound` after
 * every block of 8 terms; once a partial sum reaches `bound` it is returned as is (the full sum could not be below
 * `bound`: partial sums of squares never decrease). A result `< bound` is the exact full sum.
 * @internal
 */
export function squaredDistanceBelow(X: Float32Array, xo: number, C: Float32Array, co: number, d: number, bound: number): number {
  let s = 0;
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
    s += d0 * d0;
    s += d1 * d1;
    s += d2 * d2;
    s += d3 * d3;
    s += d4 * d4;
    s += d5 * d5;
    s += d6 * d6;
    s += d7 * d7;
    if (s >= bound) return s;
  }
  for (; t < d; t++) {
    const diff = X[xo + t]! - C[co + t]!;
    s += diff * diff;
  }
  return s;
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
