/**
 * Internal metric kernels over one ranked list: position-ordered grades plus tie-group boundaries. Shared by
 * the per-query functions and the batched `evaluate*` paths.
 *
 * @packageDocumentation
 * @internal
 */

/** @internal One ranked list, ready for the kernels. */
export interface RowView {
  /** Grade at each position (0-based), length ≥ n. */
  grades: Float64Array;
  /** List length. */
  n: number;
  /** Tie groups: group g spans positions `[bounds[g], bounds[g+1])`; `bounds[groups] = n`. */
  bounds: Int32Array;
  /** Number of groups. */
  groups: number;
  /** Ideal grades, descending (length ≥ nIdeal). */
  ideal: Float64Array;
  nIdeal: number;
}

let DISCOUNTS = new Float64Array(0);

/** @internal `1 / log₂(p + 2)` for 0-based positions `p < n` (a cached, growing table). */
export function discounts(n: number): Float64Array {
  if (DISCOUNTS.length < n) {
    const next = new Float64Array(Math.max(n, 2 * DISCOUNTS.length, 64));
    for (let p = 0; p < next.length; p++) next[p] = 1 / Math.log2(p + 2);
    DISCOUNTS = next;
  }
  return DISCOUNTS;
}

/**
 * @internal The gain of grade `g` scaled by a common factor chosen so that huge grades cannot overflow (NDCG is a
 * ratio, so the factor cancels): exponential `(2^g − 1)·2^−shift`, linear `g·2^−shift`. `shift` is 0 for
 * ordinary grades (exact, unchanged values).
 */
export function gainOf(g: number, exponential: boolean, shift: number): number {
  if (!exponential) return shift === 0 ? g : g * 2 ** -shift;
  return shift === 0 ? 2 ** g - 1 : 2 ** (g - shift) - 2 ** -shift;
}

/** @internal The gain shift for the largest grade `gmax` (see {@link gainOf}). */
export function gainShift(gmax: number, exponential: boolean): number {
  if (exponential) return gmax > 1000 ? gmax - 1000 : 0;
  return gmax > 1e290 ? Math.ceil(Math.log2(gmax)) - 960 : 0;
}

/** @internal Σ over items with grade > 0 of `f(grade)` × (expected) positional weight `w(pos)` (1-based). */
export function expectedWeighted(
  v: RowView,
  kk: number,
  discount: boolean,
  exponential: boolean,
  countOnly: boolean,
  shift = 0,
): number {
  const { grades, bounds, groups } = v;
  const disc = discount ? discounts(v.n) : DISCOUNTS;
  let total = 0;
  for (let b = 0; b < groups; b++) {
    const lo = bounds[b]!;
    if (lo >= kk) break;
    const hi = bounds[b + 1]!;
    let gsum = 0;
    for (let p = lo; p < hi; p++) {
      const g = grades[p]!;
      if (g > 0) gsum += countOnly ? 1 : gainOf(g, exponential, shift);
    }
    if (gsum === 0) continue;
    const top = hi < kk ? hi : kk;
    let wsum = 0;
    if (discount) for (let p = lo; p < top; p++) wsum += disc[p]!;
    else wsum = top - lo;
    total += hi - lo === 1 ? gsum * wsum : (gsum * wsum) / (hi - lo);
  }
  return total;
}

/** @internal Expected number of relevant items in the top kk. */
export function hitsKernel(v: RowView, kk: number): number {
  return expectedWeighted(v, kk, false, false, true);
}

/** @internal NDCG@kk (0 when IDCG = 0). */
export function ndcgKernel(v: RowView, kk: number, exponential: boolean): number {
  let gmax = 0;
  for (let i = 0; i < v.nIdeal; i++) if (v.ideal[i]! > gmax) gmax = v.ideal[i]!;
  const shift = gainShift(gmax, exponential);
  const dcg = expectedWeighted(v, kk, true, exponential, false, shift);
  let idcg = 0;
  const m = Math.min(kk, v.nIdeal);
  const disc = discounts(m);
  for (let i = 0; i < m; i++) {
    const g = v.ideal[i]!;
    if (g > 0) idcg += gainOf(g, exponential, shift) * disc[i]!;
  }
  if (idcg === 0) return 0;
  const r = dcg / idcg;
  return r > 1 ? 1 : r;
}

/** @internal P(at least one relevant item in the top kk) under random tie orders. */
export function hitKernel(v: RowView, kk: number): number {
  const { grades, bounds, groups } = v;
  for (let b = 0; b < groups; b++) {
    const lo = bounds[b]!;
    if (lo >= kk) break;
    const hi = bounds[b + 1]!;
    let r = 0;
    for (let p = lo; p < hi; p++) if (grades[p]! > 0) r++;
    if (r === 0) continue;
    if (hi <= kk) return 1;
    const g = hi - lo;
    const m = kk - lo;
    let miss = 1;
    for (let t = 0; t < m; t++) miss *= (g - r - t) / (g - t);
    return 1 - miss;
  }
  return 0;
}

/** @internal Expected reciprocal rank of the first relevant item (0 beyond `cut`). */
export function rrKernel(v: RowView, cut: number): number {
  const { grades, bounds, groups } = v;
  for (let b = 0; b < groups; b++) {
    const lo = bounds[b]!;
    const hi = bounds[b + 1]!;
    let r = 0;
    for (let p = lo; p < hi; p++) if (grades[p]! > 0) r++;
    if (r === 0) continue;
    if (hi - lo === 1) return lo + 1 <= cut ? 1 / (lo + 1) : 0;
    const g = hi - lo;
    let survive = 1;
    let value = 0;
    for (let j = 1; j <= g - r + 1; j++) {
      const next = survive * ((g - r - (j - 1)) / (g - (j - 1)));
      if (lo + j <= cut) value += (survive - next) / (lo + j);
      survive = next;
    }
    return value;
  }
  return 0;
}

/**
 * @internal AUC over positions `0..len` of `grades` with group ids (`group[i] === group[j]` ⇒ tied pair, ½).
 * Returns `[correct, total]` pair counts.
 */
export function aucKernel(grades: Float64Array, group: Int32Array, len: number, binary: boolean): [number, number] {
  let total = 0;
  let correct = 0;
  for (let i = 0; i < len; i++) {
    const gi = binary ? (grades[i]! > 0 ? 1 : 0) : grades[i]!;
    for (let j = i + 1; j < len; j++) {
      const gj = binary ? (grades[j]! > 0 ? 1 : 0) : grades[j]!;
      if (gi === gj) continue;
      total++;
      if (group[i] === group[j]) correct += 0.5;
      else if (gi > gj) correct += 1;
    }
  }
  return [correct, total];
}
