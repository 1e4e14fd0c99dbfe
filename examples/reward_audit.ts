/**
 * Reward-hacking audit of GR2's rewards on real Amazon Beauty slates (K = 10 pre-ranked candidates, next-item
 * target; multi-positive graded slates for the Technical Report rewards). Prints one table per reward and a summary
 * of the checks; the numbers in docs/guides/rewards.md come from this script.
 *
 * Run: `npx tsx examples/reward_audit.ts` (env `GR2_AUDIT_SLATES=500` to change the number of slates per audit,
 * default 2000).
 */
import { buildSlates, loadBeauty } from '../src/data/index.js';
import {
  auditReward,
  createConditionalReward,
  createConditionalSlateReward,
  createNaiveReward,
  createRankPromotionReward,
  createSlateReward,
  formatAuditReport,
  type AuditOptions,
  type RerankSample,
  type Reward,
} from '../src/rewards/index.js';

const maxSlates = Number(process.env.GR2_AUDIT_SLATES ?? 2000);
const t0 = performance.now();
const { sequences } = await loadBeauty();
const single = buildSlates(sequences);
const multi = buildSlates(sequences, { multiPositive: true });
const rankHist = new Array<number>(11).fill(0);
for (const s of single.slates) rankHist[s.targetRank ?? 0]!++;
console.log(
  `Amazon Beauty: ${single.slates.length} single-target slates (pre-ranker retrieved ${(100 * single.stats.retrievalRate).toFixed(1)}% ` +
    `of targets; the rest injected at a seeded random position), ${multi.slates.length} multi-positive slates; ` +
    `built in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
console.log(`Target pre-rank histogram (1..10): ${rankHist.slice(1).join(' ')}\n`);

const runs: { reward: Reward<RerankSample>; data: typeof single.slates; options: AuditOptions; label: string }[] = [
  { label: 'P1 naive R_rank + α·Ω (α = 0.2)', reward: createNaiveReward(), data: single.slates, options: {} },
  { label: 'P1 conditional verifiable reward (strict rank-1 reading)', reward: createConditionalReward(), data: single.slates, options: {} },
  { label: 'P1 conditional verifiable reward (loose rank-1 reading)', reward: createConditionalReward({ variant: 'loose' }), data: single.slates, options: {} },
  { label: 'P1 rank promotion alone', reward: createRankPromotionReward(), data: single.slates, options: {} },
  { label: 'TR Ω-gated AUC + α, no identity zeroing', reward: createSlateReward({ alpha: 0.2 }), data: multi.slates, options: { neutralReward: 0.2 } },
  { label: 'TR conditional reward, AUC (Eq. 7)', reward: createConditionalSlateReward(), data: multi.slates, options: { neutralReward: 0.2 } },
  { label: 'TR conditional reward, graded NDCG', reward: createConditionalSlateReward({ metric: 'ndcg' }), data: multi.slates, options: { neutralReward: 0.2 } },
  {
    label: "P1 conditional reward with the former loose Ω (reasoning optional, indices, prose)",
    reward: createConditionalReward({ parse: { requireReasoning: false, formats: ['json', 'rankgpt'], allowIndices: true, allowExtraText: true } }),
    data: single.slates,
    options: {},
  },
];

const summary: string[] = [
  '| reward | order copying | invalid < valid | monotone in target rank | position-invariant | reasoning required | copy mean (non-optimal) |',
  '|---|---|---|---|---|---|---:|',
];
const mark = (v: boolean | null, warn = false): string => (v === null ? '-' : v ? 'pass' : warn ? 'differs (warning)' : 'FLAGGED');
for (const run of runs) {
  const t1 = performance.now();
  const report = await auditReward(run.reward, run.data, { maxSlates, ...run.options });
  console.log(`## ${run.label}`);
  console.log(formatAuditReport(report));
  console.log(`(audit took ${((performance.now() - t1) / 1000).toFixed(2)} s)\n`);
  const p = report.passed;
  summary.push(
    `| ${run.label} | ${mark(p.order_copying)} | ${mark(p.invalid_above_valid)} | ${mark(p.not_monotone)} | ${mark(p.position_dependent, true)} | ${mark(p.reasoning_dropped)} | ` +
      `${report.copyMeanOnNonOptimal === null ? '-' : report.copyMeanOnNonOptimal.toFixed(4)} |`,
  );
}
console.log('## Summary');
console.log(summary.join('\n'));
