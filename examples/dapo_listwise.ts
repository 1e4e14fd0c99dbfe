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
 * The reusable parts (`trainListwise`, `evaluateListwise`, `beautyListwiseData`) are exported; the unit test
 * test/rl/dapo_listwise.test.ts runs a tiny training through them.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildSlates, leaveOneOut, loadBeauty, type Slate, type UserSequence } from '../src/data/index.js';
import { compareEvaluations, evaluateRanks, type EvaluationResult } from '../src/metrics/index.js';
import { conditionalScore, naiveScore, outputRank } from '../src/rewards/index.js';
import { BatchFiller } from '../src/rl/dynamic_sampling.js';
import { groupAdvantages } from '../src/rl/advantages.js';
import { dapoLoss, type PolicyLossOptions } from '../src/rl/policy_loss.js';
import { LinearPlackettLuce } from '../src/rl/plackett_luce.js';
import { Random } from '../src/sampling/random.js';
import { writeFileAtomic } from '../src/sid/persistence.js';
import type { BackendName } from '../src/backend/types.js';

/** One slate as the policy sees it. */
export interface ListwiseExample {
  /** `[K·F]` row-major candidate features, candidates in pre-rank order. */
  readonly features: Float64Array;
  /** Number of candidates K. */
  readonly k: number;
  /** 0-based pre-rank index of the target. */
  readonly targetIndex: number;
  /** The user (for reporting). */
  readonly user?: number;
}

/** A reward of an output order (a permutation of candidate indices, best first). */
export type OrderReward = (order: Int32Array, example: ListwiseExample) => number;

/** GR2's conditional verifiable reward (P1, strict reading, α = 0.2) on a permutation. */
export const conditionalOrderReward: OrderReward = (order, ex) =>
  conditionalScore(ex.targetIndex + 1, outputRank(order, ex.targetIndex, ex.k), ex.k);

/** The naive reward R_rank + α·Ω (P1), which the paper shows is hacked by copying the input order. */
export const naiveOrderReward: OrderReward = (order, ex) => naiveScore(ex.targetIndex + 1, order.indexOf(ex.targetIndex) + 1, ex.k);

/** The rank-promotion reward alone, R_rank = (r^D − r^o)/K (P1): the naive reward minus its constant α·Ω. */
export const rankOrderReward: OrderReward = (order, ex) => (ex.targetIndex - order.indexOf(ex.targetIndex)) / ex.k;

/** Options of {@link trainListwise}. */
export interface TrainListwiseOptions {
  /** Rollouts per slate G. @defaultValue 8 */
  readonly groupSize?: number;
  /** Groups (slates with reward variance) per train batch. @defaultValue 32 */
  readonly batchGroups?: number;
  /** Slates rolled out per generation round of the batch filler (DAPO over-samples). @defaultValue 48 */
  readonly promptsPerRound?: number;
  /** Generation rounds per batch before giving up (then a partial batch is used). @defaultValue 10 */
  readonly maxRounds?: number;
  /** Optimiser steps (train batches). @defaultValue 100 */
  readonly steps?: number;
  /** Gradient updates per batch (PPO epochs: the ratio leaves 1 and the clip matters). @defaultValue 2 */
  readonly updatesPerBatch?: number;
  /** Adam learning rate. @defaultValue 0.05 */
  readonly learningRate?: number;
  /** Policy temperature. @defaultValue 1 */
  readonly temperature?: number;
  /** Initial weights. @defaultValue zeros */
  readonly initialWeights?: ArrayLike<number>;
  /** Options passed to `dapoLoss` (ε_low/ε_high, backend...). @defaultValue `{}` (DAPO defaults) */
  readonly loss?: PolicyLossOptions;
  /** Seed. @defaultValue 1234 */
  readonly seed?: number;
  /** Checkpoint file (JSON); written every `checkpointEvery` steps and at the end. @defaultValue none */
  readonly checkpointPath?: string;
  /** @defaultValue 10 */
  readonly checkpointEvery?: number;
  /**
   * Continue from `checkpointPath` when it exists. The checkpoint must come from the same configuration (every
   * option except `steps`, `checkpointEvery` and `onStep`) and the same examples, else a `RangeError` naming
   * `checkpointPath`. @defaultValue false
   */
  readonly resume?: boolean;
  /** Called after every step. */
  readonly onStep?: (log: StepLog) => void;
}

/** What one training step did. */
export interface StepLog {
  readonly step: number;
  /** Mean reward of every rollout generated for this batch (kept and dropped groups). */
  readonly meanReward: number;
  readonly groupsKept: number;
  readonly groupsDropped: number;
  readonly rounds: number;
  readonly loss: number;
  readonly clipFraction: number;
  readonly approxKl: number;
}

interface Checkpoint {
  readonly version: 1;
  /**
   * What the run depends on besides `steps` (which may be raised to continue training): a resume with a
   * different configuration or different training data is refused rather than silently mixed.
   */
  readonly config?: string;
  readonly step: number;
  readonly cursor: number;
  readonly epoch: number;
  readonly weights: number[];
  readonly adamM: number[];
  readonly adamV: number[];
  readonly history: StepLog[];
  /** Batch-filler totals so far (absent in checkpoints written before they were saved). */
  readonly sampling?: { generated: number; kept: number; dropped: number; rounds: number };
}

/** Result of {@link trainListwise}. */
export interface TrainListwiseResult {
  readonly policy: LinearPlackettLuce;
  readonly history: StepLog[];
  /** Totals of the batch filler over the whole run (a resumed run includes the steps before the resume). */
  readonly sampling: { generated: number; kept: number; dropped: number; rounds: number };
  /** Steps run in this call (fewer than `steps` after a resume). */
  readonly stepsRun: number;
}

/** Writes `value` as JSON with the library's atomic write, creating the folder. */
async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await writeFileAtomic(path, new TextEncoder().encode(JSON.stringify(value)));
}

/**
 * Trains a linear Plackett–Luce policy with DAPO: per step, a {@link BatchFiller} rolls out G rankings for each of
 * `promptsPerRound` slates per round and keeps the groups with reward variance until `batchGroups` are gathered;
 * advantages are group z-scores; each of `updatesPerBatch` updates computes the step log-probs of the stored
 * rollouts under the current weights, the DAPO loss and ∂loss/∂logProbs (`dapoLoss`), chains it to the weights
 * (`LinearPlackettLuce.backward`) and takes an Adam step. Deterministic for a seed; resumable from a checkpoint.
 */
export async function trainListwise(
  examples: readonly ListwiseExample[],
  reward: OrderReward,
  numFeatures: number,
  options: TrainListwiseOptions = {},
): Promise<TrainListwiseResult> {
  const G = options.groupSize ?? 8;
  const batchGroups = options.batchGroups ?? 32;
  const perRound = options.promptsPerRound ?? 48;
  const steps = options.steps ?? 100;
  const updates = options.updatesPerBatch ?? 2;
  const lr = options.learningRate ?? 0.05;
  const seed = options.seed ?? 1234;
  const every = options.checkpointEvery ?? 10;
  const maxRounds = options.maxRounds ?? 10;
  const temperature = options.temperature ?? 1;
  if (examples.length === 0) throw new RangeError("trainListwise: 'examples' must be non-empty; got 0.");
  const K = examples[0]!.k;
  for (const e of examples) {
    if (e.k !== K || e.features.length !== K * numFeatures) throw new RangeError(`trainListwise: every example must have K = ${K} and ${K * numFeatures} features.`);
  }
  const policy = new LinearPlackettLuce(numFeatures, {
    temperature,
    ...(options.initialWeights !== undefined ? { weights: options.initialWeights } : {}),
  });
  const m = new Float64Array(numFeatures);
  const v = new Float64Array(numFeatures);
  let history: StepLog[] = [];
  let step = 0;
  let cursor = 0;
  let epoch = 0;
  const totals = { generated: 0, kept: 0, dropped: 0, rounds: 0 };
  // fingerprint of everything the trajectory depends on except `steps`: options and a checksum of the data
  let checksum = 0;
  for (const e of examples) {
    checksum = (checksum * 31 + e.targetIndex + 1) % 1_000_000_007;
    for (let i = 0; i < e.features.length; i++) checksum = (checksum + (i + 1) * e.features[i]!) % 1_000_000_007;
  }
  const { backend: _backend, ...lossOptions } = options.loss ?? {};
  const config = JSON.stringify({
    G, batchGroups, perRound, updates, lr, seed, numFeatures, K,
    maxRounds,
    temperature,
    initialWeights: options.initialWeights !== undefined ? Array.from(options.initialWeights) : null,
    loss: lossOptions,
    examples: examples.length,
    checksum,
  });
  if (options.resume && options.checkpointPath && existsSync(options.checkpointPath)) {
    const ck = JSON.parse(readFileSync(options.checkpointPath, 'utf8')) as Checkpoint;
    if (ck.config !== config) {
      throw new RangeError(
        `trainListwise: 'checkpointPath' holds a checkpoint of a different run (other options or training data); ` +
          `got ${options.checkpointPath}. Use another --out directory, or delete it to start over.`,
      );
    }
    policy.weights.set(ck.weights);
    m.set(ck.adamM);
    v.set(ck.adamV);
    step = ck.step;
    cursor = ck.cursor;
    epoch = ck.epoch;
    history = ck.history;
    if (ck.sampling) Object.assign(totals, ck.sampling);
  }
  const startStep = step;
  let perm = new Random(seed + 7 * epoch).permutation(examples.length);
  const nextExample = (): ListwiseExample => {
    if (cursor >= perm.length) {
      epoch++;
      cursor = 0;
      perm = new Random(seed + 7 * epoch).permutation(examples.length);
    }
    return examples[perm[cursor++]!]!;
  };
  const save = async () => {
    if (!options.checkpointPath) return;
    const ck: Checkpoint = { version: 1, config, step, cursor, epoch, weights: Array.from(policy.weights), adamM: Array.from(m), adamV: Array.from(v), history, sampling: { ...totals } };
    await writeJsonAtomic(options.checkpointPath, ck);
  };
  interface Group {
    readonly example: ListwiseExample;
    readonly orders: Int32Array[];
    readonly oldLogProbs: Float64Array[];
    readonly rewards: number[];
  }
  const beta1 = 0.9;
  const beta2 = 0.999;
  while (step < steps) {
    const rng = new Random((seed * 1_000_003 + step * 7919) % 4_294_967_296);
    let rewardSum = 0;
    let rewardCount = 0;
    const filler = new BatchFiller<Group>(
      () => {
        const out: Group[] = [];
        for (let p = 0; p < perRound; p++) {
          const example = nextExample();
          const orders: Int32Array[] = [];
          const oldLogProbs: Float64Array[] = [];
          const rewards: number[] = [];
          for (let g = 0; g < G; g++) {
            const s = policy.sample(example.features, rng);
            orders.push(s.order);
            oldLogProbs.push(s.logProbs);
            const r = reward(s.order, example);
            rewards.push(r);
            rewardSum += r;
            rewardCount++;
          }
          out.push({ example, orders, oldLogProbs, rewards });
        }
        return out;
      },
      batchGroups,
      { maxRounds, onExhausted: 'partial' },
    );
    const { groups, stats } = await filler.fill();
    totals.generated += stats.generated;
    totals.kept += stats.kept;
    totals.dropped += stats.dropped;
    totals.rounds += stats.rounds;
    let lastLoss = 0;
    let clipFraction = 0;
    let approxKl = 0;
    if (groups.length > 0) {
      const adv = groupAdvantages(groups.flatMap((g) => g.rewards), G).advantages;
      const B = groups.length * G;
      const T = K - 1;
      const old = new Float64Array(B * T);
      groups.forEach((g, i) => g.oldLogProbs.forEach((lp, j) => old.set(lp, (i * G + j) * T)));
      for (let u = 0; u < updates; u++) {
        const lp = new Float64Array(B * T);
        groups.forEach((g, i) => g.orders.forEach((o, j) => lp.set(policy.logProbs(g.example.features, o), (i * G + j) * T)));
        const r = await dapoLoss({ logProbs: { data: lp, shape: [B, T] }, oldLogProbs: { data: old, shape: [B, T] }, advantages: adv }, options.loss ?? {});
        const grad = new Float64Array(numFeatures);
        groups.forEach((g, i) =>
          g.orders.forEach((o, j) => {
            const row = (i * G + j) * T;
            policy.backward(g.example.features, o, r.grad.subarray(row, row + T), grad);
          }),
        );
        // Adam
        const t = step * updates + u + 1;
        for (let f = 0; f < numFeatures; f++) {
          m[f] = beta1 * m[f]! + (1 - beta1) * grad[f]!;
          v[f] = beta2 * v[f]! + (1 - beta2) * grad[f]! * grad[f]!;
          const mh = m[f]! / (1 - beta1 ** t);
          const vh = v[f]! / (1 - beta2 ** t);
          policy.weights[f]! -= (lr * mh) / (Math.sqrt(vh) + 1e-8);
        }
        lastLoss = r.loss;
        clipFraction = r.metrics.clipFraction;
        approxKl = r.metrics.approxKl;
      }
    }
    const log: StepLog = {
      step,
      meanReward: rewardCount > 0 ? rewardSum / rewardCount : 0,
      groupsKept: groups.length,
      groupsDropped: stats.dropped,
      rounds: stats.rounds,
      loss: lastLoss,
      clipFraction,
      approxKl,
    };
    history.push(log);
    options.onStep?.(log);
    step++;
    if (step % every === 0 || step === steps) await save();
  }
  return { policy, history, sampling: totals, stepsRun: step - startStep };
}

/** Result of {@link evaluateListwise}. */
export interface ListwiseEvaluation {
  /** 1-based rank of the target in the greedy output, per example. */
  readonly ranks: Int32Array;
  /** NDCG@5 per example (single target: `1/log2(rank+1)` if rank ≤ 5). */
  readonly ndcg5: Float64Array;
  /** Share of examples whose greedy output is the input order. */
  readonly identityRate: number;
  /** Share of sampled rankings (`samples` per example) equal to the input order. */
  readonly sampledIdentityRate: number;
  /** Share of examples whose greedy top 5 is the input's top 5 in the input order. */
  readonly top5IdentityRate: number;
}

/** Evaluates the greedy (mode) ranking of a policy. */
export function evaluateListwise(policy: LinearPlackettLuce, examples: readonly ListwiseExample[], options: { samples?: number; seed?: number } = {}): ListwiseEvaluation {
  const ranks = new Int32Array(examples.length);
  const ndcg5 = new Float64Array(examples.length);
  let identity = 0;
  let top5 = 0;
  let sampledIdentity = 0;
  const samples = options.samples ?? 4;
  const rng = new Random(options.seed ?? 99);
  const isIdentity = (o: Int32Array) => o.every((v, i) => v === i);
  examples.forEach((ex, i) => {
    const order = policy.greedy(ex.features);
    const r = order.indexOf(ex.targetIndex) + 1;
    ranks[i] = r;
    ndcg5[i] = r <= 5 ? 1 / Math.log2(r + 1) : 0;
    if (isIdentity(order)) identity++;
    if (order.subarray(0, 5).every((v, j) => v === j)) top5++;
    for (let s = 0; s < samples; s++) if (isIdentity(policy.sample(ex.features, rng).order)) sampledIdentity++;
  });
  return {
    ranks,
    ndcg5,
    identityRate: identity / examples.length,
    sampledIdentityRate: sampledIdentity / (examples.length * samples),
    top5IdentityRate: top5 / examples.length,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Amazon Beauty features

/** Feature names, in order. */
export const FEATURE_NAMES: readonly string[] = [
  ...Array.from({ length: 10 }, (_, p) => `position=${p + 1}`),
  'pre-ranker score / slate max',
  'log popularity (train)',
  'log(1 + Σ_h cooc(h, c)) (train)',
  'log(1 + cooc(last, c)) (train)',
  'log(1 + Σ_h cooc(h, c)) over the last 3 history items (train)',
];

/** Symmetric co-occurrence counts of items in the same training sequence. */
class Cooccurrence {
  private readonly rows = new Map<number, Map<number, number>>();
  readonly popularity = new Map<number, number>();
  constructor(train: readonly UserSequence[]) {
    for (const { items } of train) {
      const uniq = [...new Set(items)];
      for (const a of uniq) {
        this.popularity.set(a, (this.popularity.get(a) ?? 0) + 1);
        let row = this.rows.get(a);
        if (!row) this.rows.set(a, (row = new Map()));
        for (const b of uniq) if (a !== b) row.set(b, (row.get(b) ?? 0) + 1);
      }
    }
  }
  get(a: number, b: number): number {
    return this.rows.get(a)?.get(b) ?? 0;
  }
}

/** Raw (unstandardised) features of a slate: `[K·F]`. */
function slateFeatures(slate: Slate, cooc: Cooccurrence): Float64Array {
  const K = slate.candidates.length;
  const F = FEATURE_NAMES.length;
  const x = new Float64Array(K * F);
  const scores = slate.scores ?? slate.candidates.map((_, i) => K - i);
  const maxScore = Math.max(...scores, 1e-12);
  const h = slate.history;
  const last = h[h.length - 1]!;
  const recent = h.slice(-3);
  for (let i = 0; i < K; i++) {
    const c = slate.candidates[i]!;
    const o = i * F;
    if (i < 10) x[o + i] = 1;
    x[o + 10] = scores[i]! / maxScore;
    x[o + 11] = Math.log1p(cooc.popularity.get(c) ?? 0);
    let all = 0;
    for (const v of h) all += cooc.get(v, c);
    x[o + 12] = Math.log1p(all);
    x[o + 13] = Math.log1p(cooc.get(last, c));
    let r3 = 0;
    for (const v of recent) r3 += cooc.get(v, c);
    x[o + 14] = Math.log1p(r3);
  }
  return x;
}

/** Train/test data for the Beauty example. */
export interface ListwiseData {
  readonly train: ListwiseExample[];
  readonly test: ListwiseExample[];
  readonly numFeatures: number;
  readonly info: Record<string, number>;
}

/**
 * Amazon Beauty slates for the listwise example. Users are split by a seeded shuffle into training users
 * (`trainShare`) and held-out test users. Training examples are the validation-split and test-split slates of the
 * training users; evaluation uses the test-split slates of the test users. Slates use the `'filter'` policy
 * (only users whose target the pre-ranker retrieved: the target's position then carries the pre-ranker's real
 * verdict, and no injected item can be spotted by its features). Co-occurrence and popularity come from the
 * leave-one-out TRAINING sequences only (each user's items without the last two), so no validation or test target
 * leaks into a feature. Non-positional features are z-scored with training-set statistics.
 */
export async function beautyListwiseData(options: { seed?: number; trainShare?: number; maxTrain?: number } = {}): Promise<ListwiseData> {
  const seed = options.seed ?? 1234;
  const ds = await loadBeauty();
  const split = leaveOneOut(ds.sequences);
  const cooc = new Cooccurrence(split.train);
  const val = buildSlates(ds, { split: 'validation', policy: 'filter' }).slates;
  const tst = buildSlates(ds, { split: 'test', policy: 'filter' }).slates;
  const users = [...new Set(ds.sequences.map((s) => s.user))];
  const perm = new Random(seed).permutation(users.length);
  const nTrain = Math.round((options.trainShare ?? 0.7) * users.length);
  const trainUsers = new Set(perm.slice(0, nTrain).map((i) => users[i]!));
  const toExample = (s: Slate): ListwiseExample => ({ features: slateFeatures(s, cooc), k: s.candidates.length, targetIndex: s.targetRank! - 1, user: s.user });
  let train = [...val, ...tst].filter((s) => trainUsers.has(s.user) && s.candidates.length === 10).map(toExample);
  if (options.maxTrain !== undefined) train = train.slice(0, options.maxTrain);
  const test = tst.filter((s) => !trainUsers.has(s.user) && s.candidates.length === 10).map(toExample);
  const F = FEATURE_NAMES.length;
  // z-score the non-positional features with training statistics
  for (let f = 10; f < F; f++) {
    let sum = 0;
    let sq = 0;
    let n = 0;
    for (const e of train) for (let i = 0; i < e.k; i++) {
      const v = e.features[i * F + f]!;
      sum += v;
      sq += v * v;
      n++;
    }
    const mean = sum / n;
    const sd = Math.sqrt(Math.max(sq / n - mean * mean, 1e-12));
    for (const e of [...train, ...test]) for (let i = 0; i < e.k; i++) e.features[i * F + f] = (e.features[i * F + f]! - mean) / sd;
  }
  return {
    train,
    test,
    numFeatures: F,
    info: { users: users.length, trainUsers: nTrain, trainSlates: train.length, testSlates: test.length, validationSlatesAll: val.length, testSlatesAll: tst.length },
  };
}

/** Initial weights that reproduce the input order as the mode (an "SFT-like" start): w_position=p = −0.5·(p−1). */
export function prerankInitialWeights(numFeatures: number): Float64Array {
  const w = new Float64Array(numFeatures);
  for (let p = 0; p < 10; p++) w[p] = -0.5 * p;
  return w;
}

// ---------------------------------------------------------------------------------------------------------------

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
