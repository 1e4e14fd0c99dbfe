/**
 * The verl RL row a read-back of `writeVerlParquet(path, accepted.map((r, i) => toVerlRow(r, { index: i, split })))`
 * must give, written out by hand from verl's RL data schema (not computed by `toVerlRow`), shared by the export
 * tests.
 */
import type { AcceptedRecord } from '../../src/sampling/index.js';

export function expectedVerlRows(accepted: readonly AcceptedRecord[], split: string): Record<string, unknown>[] {
  return accepted.map((r, i) => ({
    data_source: 'gr2/rerank',
    prompt: r.messages,
    ability: 'rerank',
    reward_model: { style: 'rule', ground_truth: r.target },
    extra_info: { split, index: i, id: r.id, candidates: r.candidates },
  }));
}
