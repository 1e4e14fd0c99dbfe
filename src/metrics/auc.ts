/**
 * Per-impression (slate) AUC.
 *
 * @packageDocumentation
 */
import { assertOneOf } from '../errors.js';
import { AUC_NEEDS, aucPairs, noRelevantValue, prepare, resolveCommon } from './prepare.js';
import type { AucOptions, Ranking, Relevance } from './types.js';

/**
 * Per-impression AUC of a ranked slate (GR2 Technical Report Eq. 5):
 *
 * `AUC = (1 / (|M|·|N|)) · Σ_{i∈M} Σ_{j∈N} 1[rank(i) < rank(j)]`,
 *
 * with M the positives (grade > 0) and N the negatives (ranked items of grade 0). With `pairs: 'graded'`
 * every pair of different grades counts, correct when the higher grade ranks first (equal to the binary form
 * for 0/1 labels). A tied pair (`ties: 'average'`) counts ½. Judged positives missing from the ranking are
 * placed after every ranked item, as one tie group. Undefined without a positive or a negative: the
 * `noRelevant` policy then applies (default 0). Complexity O(n²) in the list length.
 *
 * @param ranking - ids best-first (a permutation of the slate), or `{ids, scores}`.
 * @param relevant - the judgments (one id, ids, or grades).
 * @param options - conventions, see {@link AucOptions}.
 * @returns a value in [0, 1] (`NaN` for a skipped query).
 * @throws TypeError / RangeError as {@link recallAtK}.
 * @example
 * ```ts
 * auc([1, 2, 3, 4, 5], [1, 3]);   // 5/6 = 0.8333
 * auc([1, 2, 3, 4, 5], 4);        // 0.25 (target at rank 4 of 5: beats 1 of 4 negatives)
 * ```
 */
export function auc(ranking: Ranking, relevant: Relevance, options: AucOptions = {}): number {
  const fn = 'auc';
  const common = resolveCommon(fn, options);
  const pairs = options.pairs ?? 'binary';
  assertOneOf(fn, 'options.pairs', pairs, ['binary', 'graded'] as const);
  const prep = prepare(fn, ranking, relevant, options, common);
  const [correct, total] = aucPairs(prep, common.ties, pairs === 'binary');
  if (total === 0) {
    return noRelevantValue(fn, common.noRelevant, AUC_NEEDS[pairs]);
  }
  return correct / total;
}
