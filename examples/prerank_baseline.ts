/**
 * The pre-rank baseline on Amazon Beauty test users: builds GR2 re-ranking slates (K = 10) with the
 * transition pre-ranker trained on training interactions only, then reports R@1, R@5 and NDCG@5 of the
 * pre-rank order itself (the "Pre-rank (MTL)" row of GR2 P1: 0.2892 / 0.7227 / 0.5101), under both
 * slate policies, with 95 % bootstrap intervals.
 *
 * Run: `npx tsx examples/prerank_baseline.ts` (about 3–6 s on 2 shared cores). Optional: a path to another sequence file
 * (e.g. Sports_and_Outdoors.txt) as the first argument.
 */
import {
  buildSlates,
  evaluateRanks,
  loadBeauty,
  loadSequences,
  type BuildSlatesOptions,
} from 'gr2';

const path = process.argv[2];
const dataset = path ? await loadSequences(path) : await loadBeauty();
console.log(
  `${path ?? 'Amazon Beauty (bundled)'}: ${dataset.numUsers} users, ${dataset.numItems} items, ${dataset.numInteractions} interactions`,
);

const settings: [string, BuildSlatesOptions][] = [
  ["inject (random position)", { policy: 'inject' }],
  ["inject (last position)", { policy: 'inject', unretrievedPosition: 'last' }],
  ['filter (target retrieved)', { policy: 'filter' }],
];
console.log('\npolicy                      slates   retrieved   R@1 [95% CI]              R@5 [95% CI]              NDCG@5 [95% CI]');
for (const [name, options] of settings) {
  const { slates, stats } = buildSlates(dataset, { k: 10, split: 'test', seed: 1234, ...options });
  const ranks = Int32Array.from(slates, (s) => s.targetRank!);
  const r = evaluateRanks(ranks, ['R@1', 'R@5', 'NDCG@5'], { listSize: 10, ci: { samples: 1000, seed: 1 } });
  const cell = (m: string) => `${r.mean[m]!.toFixed(4)} [${r.ci![m]![0].toFixed(4)}, ${r.ci![m]![1].toFixed(4)}]`;
  console.log(
    `${name.padEnd(27)} ${String(stats.slates).padStart(6)}   ${(100 * stats.retrievalRate).toFixed(2).padStart(6)} %   ${cell('R@1')}  ${cell('R@5')}  ${cell('NDCG@5')}`,
  );
}
console.log('\nGR2 paper (P1), Pre-rank (MTL) on Beauty:             0.2892                    0.7227                    0.5101');
