/**
 * NDCG@k.
 *
 * @packageDocumentation
 */
import { assertOneOf } from '../errors.js';
import { ndcgKernel } from './kernels.js';
import { noRelevantValue, prepare, resolveCommon, resolveK, toRowView } from './prepare.js';
import type { NdcgOptions, Ranking, Relevance } from './types.js';

/**
 * Normalised discounted cumulative gain at cut-off k:
 *
 * `DCG@k = Σ_{i=1}^{k} gain(g_i) / log₂(i + 1)`, `NDCG@k = DCG@k / IDCG@k`,
 *
 * where `g_i` is the grade of the item at rank i, `gain(g) = g` (`'linear'`, default, trec_eval and
 * scikit-learn) or `2^g − 1` (`'exponential'`, GR2 TR Eq. 6), and IDCG@k is the DCG of the ideal order of
 * the judged relevant grades (`ideal: 'qrels'`) or of the ranked items' grades (`ideal: 'ranking'`, as
 * scikit-learn `ndcg_score`). With one target (GR2 P1, IDCG = 1): `NDCG@k = 1[r ≤ k] / log₂(r + 1)`.
 * With `'average'` ties each item of a tie group receives the group's mean discount (scikit-learn's
 * tie-averaged DCG).
 *
 * @param ranking - ids best-first, or `{ids, scores}`.
 * @param relevant - the judgments (one id, ids, or grades).
 * @param k - cut-off, a positive integer.
 * @param options - conventions, see {@link NdcgOptions}.
 * @returns a value in [0, 1] (`NaN` for a skipped query; 0 when IDCG = 0 with `ideal: 'ranking'`).
 * @throws TypeError / RangeError as {@link recallAtK}.
 * @example
 * ```ts
 * ndcgAtK([5, 9, 81, 2, 6], 81, 5);                 // 0.5 (1 / log₂ 4)
 * ndcgAtK([1, 2, 3, 4, 5], new Map([[1, 2], [3, 1]]), 5, { gain: 'exponential' }); // 0.9639
 * ```
 */
export function ndcgAtK(ranking: Ranking, relevant: Relevance, k: number, options: NdcgOptions = {}): number {
  const fn = 'ndcgAtK';
  const common = resolveCommon(fn, options);
  const gain = options.gain ?? 'linear';
  const ideal = options.ideal ?? 'qrels';
  assertOneOf(fn, 'options.gain', gain, ['linear', 'exponential'] as const);
  assertOneOf(fn, 'options.ideal', ideal, ['qrels', 'ranking'] as const);
  const prep = prepare(fn, ranking, relevant, options, common);
  const kk = resolveK(fn, k, prep.grades.length, common.kBeyondList);
  if (prep.idealGrades.length === 0) return noRelevantValue(fn, common.noRelevant);
  return ndcgKernel(toRowView(prep, ideal), kk, gain === 'exponential');
}
