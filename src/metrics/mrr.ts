/**
 * Reciprocal rank.
 *
 * @packageDocumentation
 */
import { assertPositiveInteger, rangeError } from '../errors.js';
import { rrKernel } from './kernels.js';
import { noRelevantValue, prepare, resolveCommon, toRowView } from './prepare.js';
import type { MetricOptions, Ranking, Relevance } from './types.js';

/** Options of {@link mrr}. */
export interface MrrOptions extends MetricOptions {
  /**
   * Optional cut-off: a first relevant item below rank k scores 0. A k beyond the list follows
   * `kBeyondList` (`'pad'` and `'clamp'` give the same value; `'error'` throws). @defaultValue `undefined` (whole list)
   */
  readonly k?: number;
}

/**
 * Reciprocal rank of the first relevant item: `RR = 1 / rank_first` (0 when none is ranked, or when it is
 * below `options.k`). Averaged over queries (by `evaluate`) it is the MRR.
 *
 * With `'average'` ties the expectation over a random order of the first tie group holding r relevant items
 * out of g, starting after `s` items: `Σ_j P(J = j) / (s + j)` with `P(J > j) = Π_{t<j} (g − r − t)/(g − t)`.
 *
 * @param ranking - ids best-first, or `{ids, scores}`.
 * @param relevant - the judgments (one id, ids, or grades).
 * @param options - conventions and the optional cut-off `k`.
 * @returns a value in [0, 1] (`NaN` for a skipped query).
 * @throws TypeError / RangeError as {@link recallAtK}.
 * @example
 * ```ts
 * mrr([5, 9, 81, 2], 81);             // 1/3
 * mrr([5, 9, 81, 2], [2, 9]);         // 1/2
 * mrr([5, 9, 81, 2], 81, { k: 2 });   // 0
 * ```
 */
export function mrr(ranking: Ranking, relevant: Relevance, options: MrrOptions = {}): number {
  const fn = 'mrr';
  const common = resolveCommon(fn, options);
  if (options.k !== undefined) assertPositiveInteger(fn, 'options.k', options.k);
  const prep = prepare(fn, ranking, relevant, options, common);
  const cut = options.k ?? Number.POSITIVE_INFINITY;
  if (options.k !== undefined && options.k > prep.grades.length && common.kBeyondList === 'error') {
    throw rangeError(fn, 'options.k', `at most the ranking length ${prep.grades.length}`, options.k, "Pass {kBeyondList: 'pad'} or 'clamp'.");
  }
  if (prep.idealGrades.length === 0) return noRelevantValue(fn, common.noRelevant);
  return rrKernel(toRowView(prep), cut);
}
