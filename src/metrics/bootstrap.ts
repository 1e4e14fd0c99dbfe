/**
 * Uncertainty and comparison: bootstrap confidence intervals, paired significance tests, relative lift.
 *
 * @packageDocumentation
 */
import { assertFiniteNumber, assertOneOf, checkOptions, rangeError, raw, typeError } from '../errors.js';
import { checkInt } from '../validate.js';
import { Random } from '../sampling/random.js';

/** Most resamples of a bootstrap or randomization test (10^7: far beyond any useful precision). */
const MAX_RESAMPLES = 10_000_000;

function toValues(fn: string, arg: string, x: ArrayLike<number>): Float64Array {
  if (!Array.isArray(x) && !(ArrayBuffer.isView(x) && !(x instanceof DataView))) throw typeError(fn, arg, 'an array of numbers', x);
  if (x instanceof Float64Array) return x;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as unknown;
    if (typeof v !== 'number') throw typeError(fn, `${arg}[${i}]`, 'a number (NaN marks a skipped query)', v);
    out[i] = v;
  }
  return out;
}

/**
 * @internal
 * Mean of the non-NaN entries (NaN marks a skipped query).
 *
 * @param x - values.
 * @returns the mean, or `NaN` when every entry is NaN or `x` is empty.
 * @example
 * ```ts
 * nanMean([1, NaN, 0]);   // 0.5
 * ```
 */
export function nanMean(x: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v === v) {
      s += v;
      n++;
    }
  }
  return n > 0 ? s / n : Number.NaN;
}

function dropNaN(x: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i] === x[i]) n++;
  if (n === x.length) return x;
  const out = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < x.length; i++) if (x[i] === x[i]) out[j++] = x[i]!;
  return out;
}

function quantileSorted(s: Float64Array, q: number): number {
  // linear interpolation between order statistics (NumPy's default 'linear' method)
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** The central `level` interval of the values in `s` (sorted in place): its (1 ∓ level)/2 quantiles. */
function percentileInterval(s: Float64Array, level: number): [number, number] {
  s.sort();
  return [quantileSorted(s, (1 - level) / 2), quantileSorted(s, (1 + level) / 2)];
}

/** Options of {@link bootstrapCi}. */
export interface BootstrapOptions {
  /** Number of bootstrap resamples B. @defaultValue `1000` */
  readonly samples?: number;
  /** Confidence level of the interval. @defaultValue `0.95` */
  readonly level?: number;
  /** Seed of the resampling. @defaultValue `1234` */
  readonly seed?: number;
}

/**
 * Percentile bootstrap confidence interval of the mean: resample the n per-query values with replacement
 * B times, and return the `(1 − level)/2` and `(1 + level)/2` quantiles of the resampled means. `NaN`
 * entries (skipped queries) are dropped first. O(B · n).
 *
 * @param values - per-query values.
 * @param options - see {@link BootstrapOptions}.
 * @returns `[lower, upper]` (`[NaN, NaN]` with no value).
 * @throws TypeError for a non-array; RangeError for bad options.
 * @example
 * ```ts
 * bootstrapCi([0, 1, 1, 0, 1, 1, 1, 0], { samples: 2000, seed: 1 });   // ≈ [0.25, 1]
 * ```
 */
export function bootstrapCi(values: ArrayLike<number>, options: BootstrapOptions = {}): [number, number] {
  const fn = 'bootstrapCi';
  const x = dropNaN(toValues(fn, 'values', values));
  checkOptions(fn, options, ['samples', 'level', 'seed']);
  const samples = options.samples ?? 1000;
  const level = options.level ?? 0.95;
  const seed = options.seed ?? 1234;
  checkInt(fn, 'options.samples', samples, 1, MAX_RESAMPLES);
  assertFiniteNumber(fn, 'options.level', level, { min: 0, max: 1, minExclusive: true, maxExclusive: true });
  const n = x.length;
  if (n === 0) {
    // no finite value: undefined interval — an error for an empty input, NaN when every value is NaN (skipped)
    if (values.length === 0) throw rangeError(fn, 'values', 'non-empty', raw('length 0'));
    return [Number.NaN, Number.NaN];
  }
  const rng = new Random(seed);
  const means = new Float64Array(samples);
  for (let b = 0; b < samples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[Math.floor(rng.random() * n)]!;
    means[b] = s / n;
  }
  return percentileInterval(means, level);
}

/**
 * Relative lift of a treatment over a baseline, `(treatment − baseline) / baseline` (GR2 TR reports lifts
 * this way: R@1 0.1995 → 0.2369 is +18.7 %).
 *
 * @param treatment - the new system's value.
 * @param baseline - the baseline's value.
 * @returns the lift.
 * @throws TypeError when an argument is not a number; RangeError for a non-finite value or a baseline of 0 (the
 *   lift is undefined there).
 * @example
 * ```ts
 * relativeLift(0.2369, 0.1995);   // 0.1875
 * ```
 */
export function relativeLift(treatment: number, baseline: number): number {
  if (typeof treatment !== 'number') throw typeError('relativeLift', 'treatment', 'a number', treatment);
  if (typeof baseline !== 'number') throw typeError('relativeLift', 'baseline', 'a number', baseline);
  if (!Number.isFinite(treatment)) throw rangeError('relativeLift', 'treatment', 'a finite number', treatment);
  if (!Number.isFinite(baseline) || baseline === 0) throw rangeError('relativeLift', 'baseline', 'a finite non-zero number', baseline);
  return (treatment - baseline) / baseline;
}

/** Options of {@link pairedTest}. */
export interface PairedTestOptions {
  /**
   * `'randomization'`: paired sign-flip permutation test of the mean difference (Fisher; Smucker et al.
   * 2007 recommend it for IR); `'bootstrap'`: paired bootstrap, p from the shifted null (Efron &
   * Tibshirani §16.4). @defaultValue `'randomization'`
   */
  readonly method?: 'randomization' | 'bootstrap';
  /** Resamples / permutations. @defaultValue `10000` */
  readonly samples?: number;
  /** Confidence level of the difference interval (paired bootstrap percentile). @defaultValue `0.95` */
  readonly level?: number;
  /** Seed. @defaultValue `1234` */
  readonly seed?: number;
}

/** Result of {@link pairedTest}. */
export interface PairedTestResult {
  /** Mean of `a` and of `b` over the pairs where both are defined. */
  readonly meanA: number;
  readonly meanB: number;
  /** `meanA − meanB`. */
  readonly difference: number;
  /** `(meanA − meanB) / meanB`. */
  readonly relativeLift: number | null;
  /** Two-sided p-value, `(1 + #{|T*| ≥ |T|}) / (1 + samples)`. */
  readonly pValue: number;
  /** Percentile bootstrap interval of the mean difference. */
  readonly ci: [number, number];
  /** Number of pairs used. */
  readonly n: number;
}

/**
 * Paired significance test between two systems evaluated on the same queries (e.g. `perQuery` arrays of
 * two `evaluate` results). With `d_i = a_i − b_i` and `T = mean(d)`:
 * - randomization: `T* = mean(s_i · d_i)` with random signs `s_i ∈ {−1, +1}`;
 * - bootstrap: `T* = mean(d*) − T` over resamples `d*` of d.
 * The p-value is two-sided with the +1 correction. Pairs where either value is NaN are dropped.
 *
 * @param a - per-query values of system A.
 * @param b - per-query values of system B (same queries, same order).
 * @param options - see {@link PairedTestOptions}.
 * @returns means, difference, lift, p-value and a difference interval.
 * @throws TypeError for non-arrays; RangeError for different lengths or bad options.
 * @example
 * ```ts
 * const t = pairedTest([1, 1, 1, 0, 1, 1], [0, 1, 0, 0, 0, 1], { seed: 3 });
 * // t.difference = 0.5, t.pValue ≈ 0.25 (only 3 of 6 pairs differ)
 * ```
 */
export function pairedTest(a: ArrayLike<number>, b: ArrayLike<number>, options: PairedTestOptions = {}): PairedTestResult {
  const fn = 'pairedTest';
  const xa = toValues(fn, 'a', a);
  const xb = toValues(fn, 'b', b);
  if (xa.length !== xb.length) throw rangeError(fn, 'b', `of length ${xa.length} (as a)`, raw(`length ${xb.length}`));
  checkOptions(fn, options, ['method', 'samples', 'level', 'seed']);
  const method = options.method ?? 'randomization';
  const samples = options.samples ?? 10000;
  const level = options.level ?? 0.95;
  const seed = options.seed ?? 1234;
  assertOneOf(fn, 'options.method', method, ['randomization', 'bootstrap'] as const);
  checkInt(fn, 'options.samples', samples, 1, MAX_RESAMPLES);
  assertFiniteNumber(fn, 'options.level', level, { min: 0, max: 1, minExclusive: true, maxExclusive: true });
  const d: number[] = [];
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < xa.length; i++) {
    const u = xa[i]!;
    const v = xb[i]!;
    if (u === u && v === v) {
      d.push(u - v);
      sa += u;
      sb += v;
    }
  }
  const n = d.length;
  if (n === 0) {
    if (xa.length === 0) throw rangeError(fn, 'a', 'non-empty', raw('length 0'));
    return { meanA: NaN, meanB: NaN, difference: NaN, relativeLift: NaN, pValue: NaN, ci: [NaN, NaN], n: 0 };
  }
  const diff = Float64Array.from(d);
  let t = 0;
  for (let i = 0; i < n; i++) t += diff[i]!;
  t /= n;
  const rng = new Random(seed);
  const absT = Math.abs(t) - 1e-12 * Math.max(1, Math.abs(t));
  let extreme = 0;
  const boots = new Float64Array(samples);
  for (let s = 0; s < samples; s++) {
    let m = 0;
    if (method === 'randomization') {
      for (let i = 0; i < n; i++) m += (rng.uint32() & 1) === 0 ? diff[i]! : -diff[i]!;
      m /= n;
      if (Math.abs(m) >= absT) extreme++;
    } else {
      for (let i = 0; i < n; i++) m += diff[Math.floor(rng.random() * n)]!;
      m /= n;
      boots[s] = m;
      if (Math.abs(m - t) >= absT) extreme++;
    }
  }
  const ci =
    method === 'bootstrap'
      ? percentileInterval(boots, level)
      : bootstrapCi(diff, { samples: Math.min(samples, 2000), level, seed: seed + 1 });
  const meanA = sa / n;
  const meanB = sb / n;
  return {
    meanA,
    meanB,
    difference: t,
    relativeLift: meanB === 0 ? null : relativeLift(meanA, meanB),
    pValue: (1 + extreme) / (1 + samples),
    ci,
    n,
  };
}
