/**
 * A listwise re-ranker trained with gr2 alone: a linear Plackett–Luce policy over the candidates of GR2 slates
 * (features: pre-rank position, pre-ranker score, popularity and item–history co-occurrence from TRAINING
 * interactions only), trained with groups of G rollouts, GR2's conditional verifiable reward (and, for comparison,
 * the naive one), DAPO's dynamic sampling (`BatchFiller`), group z-score advantages and the DAPO loss gradient,
 * chained by hand from ∂loss/∂logProbs to the linear weights (no autograd library).
 *
 *   npx tsx examples/dapo_listwise.ts                 # Amazon Beauty, both rewards, 3 seeds, ~1–2 minutes on 2 cores
 *   npx tsx examples/dapo_listwise.ts --quick         # a smaller run (smoke test)
 *   npx tsx examples/dapo_listwise.ts --resume        # continue from the checkpoints in --out
 *   options: --steps N  --group-size G  --batch-groups B  --lr X  --seed S  --seeds N  --out DIR  --reward conditional|naive|both|rank  --position-only
 *
 * The reusable parts (`trainListwise`, `evaluateListwise`, `beautyListwiseData`) live in src/demo/listwise.ts (the
 * `gr2 demo` command trains the same re-ranker) and are re-exported here; the unit test
 * test/rl/dapo_listwise.test.ts runs a tiny training through them.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compareEvaluations, evaluateRanks, type EvaluationResult } from 'gr2/metrics';
import { LinearPlackettLuce } from 'gr2/rl';
import type { BackendName } from 'gr2/backend';
import {
  FEATURE_NAMES,
  beautyListwiseData,
  conditionalOrderReward,
  evaluateListwise,
  naiveOrderReward,
  prerankInitialWeights,
  rankOrderReward,
  trainListwise,
  writeJsonAtomic,
  type OrderReward,
} from '../src/demo/listwise.js';

export {
  FEATURE_NAMES,
  beautyListwiseData,
  conditionalOrderReward,
  evaluateListwise,
  naiveOrderReward,
  prerankInitialWeights,
  rankOrderReward,
  trainListwise,
  type ListwiseData,
  type ListwiseEvaluation,
  type ListwiseExample,
  type OrderReward,
  type StepLog,
  type TrainListwiseOptions,
  type TrainListwiseResult,
} from '../src/demo/listwise.js';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const resume = process.argv.includes('--resume');
  const seed = Number(argValue('--seed') ?? 1234);
  const steps = Number(argValue('--steps') ?? (quick ? 20 : 400));
  const G = Number(argValue('--group-size') ?? 8);
  const batchGroups = Number(argValue('--batch-groups') ?? (quick ? 16 : 64));
  const lr = Number(argValue('--lr') ?? 0.05);
  const backend = (argValue('--backend') ?? 'js') as BackendName;
  const positionOnly = process.argv.includes('--position-only');
  const out = argValue('--out') ?? join(dirname(fileURLToPath(import.meta.url)), '..', '.cache', positionOnly ? 'dapo_listwise_position_only' : 'dapo_listwise');
  const which = argValue('--reward') ?? 'both';
  const numSeeds = Number(argValue('--seeds') ?? (quick ? 1 : 3));
  const t0 = Date.now();
  const data = await beautyListwiseData({ seed, trainShare: 0.5, ...(quick ? { maxTrain: 600 } : {}) });
  if (positionOnly) {
    // ablation: the policy sees only the pre-rank position (no signal beyond the pre-ranker's order)
    for (const e of [...data.train, ...data.test]) for (let i = 0; i < e.k; i++) e.features.fill(0, i * data.numFeatures + 10, (i + 1) * data.numFeatures);
    console.log('position-only ablation: features 11-15 zeroed');
  }
  console.log(
    `Amazon Beauty: ${data.info.trainSlates} training slates of ${data.info.trainUsers} training users, ` +
      `${data.info.testSlates} test slates of held-out users; ${data.numFeatures} features (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
  const METRICS = ['ndcg@5', 'recall@1', 'recall@5'];
  const ciOptions = { samples: 2000, seed };
  const prerankRanks = Int32Array.from(data.test, (e) => e.targetIndex + 1);
  const prerank = evaluateRanks(prerankRanks, METRICS, { ci: ciOptions });
  const line = (name: string, ev: EvaluationResult) =>
    `${name.padEnd(36)} ` +
    METRICS.map((m) => `${m} ${ev.mean[m]!.toFixed(4)} [${ev.ci![m]![0].toFixed(4)}, ${ev.ci![m]![1].toFixed(4)}]`).join('  ');
  console.log(line('pre-rank order (test users)', prerank));
  const init = evaluateListwise(new LinearPlackettLuce(data.numFeatures, { weights: prerankInitialWeights(data.numFeatures) }), data.test);
  console.log(
    `initial policy (before RL): greedy = input order on ${(100 * init.identityRate).toFixed(1)}% of test slates, ` +
      `sampled rankings = input order ${(100 * init.sampledIdentityRate).toFixed(1)}%`,
  );
  const report: Record<string, unknown> = {
    seed, steps, G, batchGroups, lr, info: data.info, prerank: { mean: prerank.mean, ci: prerank.ci },
    initialPolicy: { identityRate: init.identityRate, sampledIdentityRate: init.sampledIdentityRate },
  };
  const rewards: [string, OrderReward][] = [];
  if (which === 'both' || which === 'conditional') rewards.push(['conditional', conditionalOrderReward]);
  if (which === 'both' || which === 'naive') rewards.push(['naive', naiveOrderReward]);
  if (which === 'rank') rewards.push(['rank', rankOrderReward]);
  const seeds = Array.from({ length: numSeeds }, (_, i) => seed + i);
  for (const [name, reward] of rewards) {
    const perSeed: Record<string, unknown>[] = [];
    for (const s of seeds) {
      const t1 = Date.now();
      const res = await trainListwise(data.train, reward, data.numFeatures, {
        groupSize: G,
        batchGroups,
        promptsPerRound: Math.round(batchGroups * 1.5),
        steps,
        learningRate: lr,
        seed: s,
        initialWeights: prerankInitialWeights(data.numFeatures),
        loss: { backend },
        checkpointPath: join(out, `${name}.seed${s}.checkpoint.json`),
        resume,
        onStep: (l) => {
          if (l.step % 100 === 0) {
            console.log(
              `  [${name}, seed ${s}] step ${l.step}: mean reward ${l.meanReward.toFixed(4)}, groups kept ${l.groupsKept} dropped ${l.groupsDropped} ` +
                `(${l.rounds} rounds), clip fraction ${l.clipFraction.toFixed(3)}, approxKl ${l.approxKl.toExponential(2)}`,
            );
          }
        },
      });
      const ev = evaluateListwise(res.policy, data.test);
      const model = evaluateRanks(ev.ranks, METRICS, { ci: ciOptions });
      const cmp = compareEvaluations(model, prerank, { method: 'bootstrap', samples: 5000, seed });
      const c = cmp['ndcg@5']!;
      console.log(line(`DAPO listwise, ${name} reward, seed ${s}`, model));
      console.log(
        `  vs pre-rank: ΔNDCG@5 ${c.difference >= 0 ? '+' : ''}${c.difference.toFixed(4)} [${c.ci[0].toFixed(4)}, ${c.ci[1].toFixed(4)}] ` +
          `(paired bootstrap, p = ${c.pValue.toFixed(4)}), relative lift ${c.relativeLift === null ? 'n/a' : (100 * c.relativeLift).toFixed(1) + '%'}`,
      );
      console.log(
        `  outputs the input order: greedy ${(100 * ev.identityRate).toFixed(1)}% of test slates (top 5: ${(100 * ev.top5IdentityRate).toFixed(1)}%), sampled ${(100 * ev.sampledIdentityRate).toFixed(1)}%; ` +
          `dynamic sampling dropped ${res.sampling.dropped} of ${res.sampling.generated} groups; ${res.stepsRun} steps in ${((Date.now() - t1) / 1000).toFixed(1)} s`,
      );
      console.log(`  weights: ${Array.from(res.policy.weights, (w, i) => `${FEATURE_NAMES[i]} ${w.toFixed(2)}`).join('; ')}`);
      perSeed.push({
        seed: s,
        mean: model.mean,
        ci: model.ci,
        vsPrerank: c,
        identityRate: ev.identityRate,
        top5IdentityRate: ev.top5IdentityRate,
        sampledIdentityRate: ev.sampledIdentityRate,
        sampling: res.sampling,
        weights: Array.from(res.policy.weights),
        finalMeanReward: res.history.slice(-20).reduce((a, l) => a + l.meanReward, 0) / Math.min(20, res.history.length),
      });
    }
    const d = perSeed.map((r) => (r.vsPrerank as { difference: number }).difference);
    const m = d.reduce((a, x) => a + x, 0) / d.length;
    const sd = Math.sqrt(d.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(1, d.length - 1));
    const avg = (k: string) => (100 * perSeed.reduce((a, r) => a + (r[k] as number), 0)) / perSeed.length;
    console.log(
      `${name} reward over ${d.length} seed(s): ΔNDCG@5 vs pre-rank mean ${m >= 0 ? '+' : ''}${m.toFixed(4)} (sd ${sd.toFixed(4)}); ` +
        `input order output: greedy ${avg('identityRate').toFixed(1)}% (top 5 ${avg('top5IdentityRate').toFixed(1)}%), sampled ${avg('sampledIdentityRate').toFixed(1)}%`,
    );
    report[name] = { seeds: perSeed, deltaNdcg5Mean: m, deltaNdcg5Sd: sd };
  }
  await writeJsonAtomic(join(out, 'report.json'), report);
  console.log(`report: ${join(out, 'report.json')}; total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
