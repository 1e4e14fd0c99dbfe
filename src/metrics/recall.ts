/**
 * Recall@k.
 *
 * @packageDocumentation
 */
import { assertOneOf } from '../errors.js';
import { hitsKernel } from './kernels.js';
import { noRelevantValue, prepare, resolveCommon, resolveK, toRowView } from './prepare.js';
import type { Ranking, RecallOptions, Relevance } from './types.js';

/**
 * Recall at cut-off k: the share of the relevant items that appear in the top k.
 *
 * `Recall@k = |{relevant} ∩ top_k| / D`, with `D = |relevant|` (default) or `D = min(|relevant|, k)`
 * (`denominator: 'min-relevant-k'`). With one target (GR2 P1) this is `1[rank ≤ k]` and equals
 * {@link hitRateAtK}. Graded judgments count every grade > 0 as relevant. With `'average'` ties the value is
 * the expectation over random orderings of each tie group.
 *
 * @param ranking - ids best-first, or `{ids, scores}`.
 * @param relevant - the judgments: one id, an array of ids, or a Map / object of grades.
 * @param k - cut-off, a positive integer.
 * @param options - conventions, see {@link RecallOptions}.
 * @returns a value in [0, 1]; `NaN` when there is no relevant item and `noRelevant: 'skip'`.
 * @throws TypeError for a wrong kind of argument; RangeError for a bad `k`, duplicate or unknown ids, NaN
 * scores, mismatched `ids`/`scores` lengths, or (with `noRelevant: 'error'`) no relevant item.
 * @example
 * ```ts
 * recallAtK([5, 9, 81, 2], 81, 3);            // 1
 * recallAtK([5, 9, 81, 2], [81, 2, 7], 3);    // 1/3
 * recallAtK([5, 9, 81, 2], [81, 2, 7], 3, { denominator: 'min-relevant-k' }); // 1/3
 * ```
 */
export function recallAtK(ranking: Ranking, relevant: Relevance, k: number, options: RecallOptions = {}): number {
  const fn = 'recallAtK';
  const common = resolveCommon(fn, options);
  const denominator = options.denominator ?? 'relevant';
  assertOneOf(fn, 'options.denominator', denominator, ['relevant', 'min-relevant-k'] as const);
  const prep = prepare(fn, ranking, relevant, options, common);
  const kk = resolveK(fn, k, prep.grades.length, common.kBeyondList);
  const numRelevant = prep.idealGrades.length;
  if (numRelevant === 0) return noRelevantValue(fn, common.noRelevant);
  const hits = hitsKernel(toRowView(prep), kk);
  return hits / (denominator === 'relevant' ? numRelevant : Math.min(numRelevant, kk));
}
