/**
 * HitRate@k.
 *
 * @packageDocumentation
 */
import { hitKernel } from './kernels.js';
import { noRelevantValue, prepare, resolveCommon, resolveK, toRowView } from './prepare.js';
import type { MetricOptions, Ranking, Relevance } from './types.js';

/**
 * Hit rate at cut-off k: `HR@k = 1[∃ relevant item in top_k]`. For one target it equals {@link recallAtK}.
 *
 * With `'average'` ties, the probability of a hit under a random order of the tie group that straddles k:
 * `1 − Π_{t<m} (g − r − t)/(g − t)` for a group of g items, r relevant, m positions inside the cut-off.
 *
 * @param ranking - ids best-first, or `{ids, scores}`.
 * @param relevant - the judgments (one id, ids, or grades).
 * @param k - cut-off, a positive integer.
 * @param options - conventions, see {@link MetricOptions}.
 * @returns a value in [0, 1] (0 or 1 without ties; `NaN` for a skipped query).
 * @throws TypeError / RangeError as {@link recallAtK}.
 * @example
 * ```ts
 * hitRateAtK([5, 9, 81, 2], [81, 2], 3);  // 1
 * hitRateAtK([5, 9, 81, 2], [2], 3);      // 0
 * hitRateAtK({ ids: [5, 9], scores: [1, 1] }, [9], 1); // 0.5 (tie averaged)
 * ```
 */
export function hitRateAtK(ranking: Ranking, relevant: Relevance, k: number, options: MetricOptions = {}): number {
  const fn = 'hitRateAtK';
  const common = resolveCommon(fn, options);
  const prep = prepare(fn, ranking, relevant, options, common);
  const kk = resolveK(fn, k, prep.grades.length, common.kBeyondList);
  if (prep.idealGrades.length === 0) return noRelevantValue(fn, common.noRelevant);
  return hitKernel(toRowView(prep), kk);
}
