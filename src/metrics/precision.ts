/**
 * Precision@k.
 *
 * @packageDocumentation
 */
import { hitsKernel } from './kernels.js';
import { noRelevantValue, prepare, resolveCommon, resolveK, toRowView } from './prepare.js';
import type { MetricOptions, Ranking, Relevance } from './types.js';

/**
 * Precision at cut-off k: `P@k = |{relevant} ∩ top_k| / k`.
 *
 * With `kBeyondList: 'pad'` (default, trec_eval) the denominator stays k when the list is shorter; with
 * `'clamp'` it is the list length. Graded judgments count grade > 0 as relevant.
 *
 * @param ranking - ids best-first, or `{ids, scores}`.
 * @param relevant - the judgments (one id, ids, or grades).
 * @param k - cut-off, a positive integer.
 * @param options - conventions, see {@link MetricOptions}.
 * @returns a value in [0, 1] (`NaN` for a skipped query).
 * @throws TypeError / RangeError as {@link recallAtK}.
 * @example
 * ```ts
 * precisionAtK([5, 9, 81, 2], [81, 2], 4);   // 0.5
 * precisionAtK([5, 9], [9], 4);              // 0.25 (padded)
 * precisionAtK([5, 9], [9], 4, { kBeyondList: 'clamp' }); // 0.5
 * ```
 */
export function precisionAtK(ranking: Ranking, relevant: Relevance, k: number, options: MetricOptions = {}): number {
  const fn = 'precisionAtK';
  const common = resolveCommon(fn, options);
  const prep = prepare(fn, ranking, relevant, options, common);
  const kk = resolveK(fn, k, prep.grades.length, common.kBeyondList);
  if (prep.idealGrades.length === 0) return noRelevantValue(fn, common.noRelevant);
  return hitsKernel(toRowView(prep), kk) / kk;
}
