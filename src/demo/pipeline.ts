/**
 * The end-to-end GR2 demo behind `gr2 demo` / `npm run demo`: every stage of the pipeline on the bundled Amazon
 * Beauty data, returning one summary object that holds every number of the report.
 *
 * @packageDocumentation
 * @internal
 */
import { env } from '../env.js';
import { DataFormatError } from '../errors.js';
import { ready } from '../backend/index.js';
import { Tensor } from '../backend/tensor.js';
import { leaveOneOut, loadBeauty, buildSlates, itemVectorsFromSequences, type SequenceDataset, type Slate } from '../data/index.js';
import { compareEvaluations, evaluateRanks, type EvaluationResult } from '../metrics/index.js';
import { ResidualQuantizer, SidCollisionError, SidIndex, sidCollisionGroups, type SidStatistics } from '../sid/index.js';
import {
  auditReward,
  createConditionalReward,
  createNaiveReward,
  renderRerankCompletion,
  samplesFromSlates,
  type RewardAuditReport,
} from '../rewards/index.js';
import { parseRerankOutput } from '../prompt/index.js';
import { LinearPlackettLuce } from '../rl/plackett_luce.js';
import type { Progress } from '../cli/progress.js';
import { loadDemoTokenizer, promptStage } from './llm.js';
import { distinctSidSlates, openTinyTeacher, samplingStage, servingStage } from './teacher.js';
import {
  beautyListwiseData,
  conditionalOrderReward,
  evaluateListwise,
  prerankInitialWeights,
  trainListwise,
  type ListwiseExample,
} from './listwise.js';

/** Settings of a demo run. @internal */
export interface DemoOptions {
  readonly seed: number;
  /** Smaller RL run and audit (the CI's fast mode). */
  readonly quick: boolean;
  /** RL steps (default 200, 40 with `quick`). */
  readonly steps?: number;
  /** Teacher examples of the rejection-sampling stage (default 24, 6 with `quick`). */
  readonly samplingExamples?: number;
  /** Slates of the serving stage (default 24, 8 with `quick`). */
  readonly servingSlates?: number;
  /** Use only the first n users of the data set (a smoke-test size; ours, not the paper's setting). */
  readonly maxUsers?: number;
  readonly progress: Progress;
  /** Prints one line of the running summary. */
  readonly log: (line: string) => void;
}

const METRICS = ['recall@1', 'recall@5', 'ndcg@5'] as const;
const f4 = (x: number) => x.toFixed(4);
const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

/** Mean and interval per metric. @internal */
export type MetricTable = Record<string, { mean: number; ci: readonly [number, number] }>;

function table(ev: EvaluationResult): MetricTable {
  return Object.fromEntries(Object.keys(ev.mean).map((m) => [m, { mean: ev.mean[m]!, ci: ev.ci![m]! }]));
}

function collisionHistogram(codes: Tensor<'int32'>): { size: number; groups: number }[] {
  const n = codes.dims[0]!;
  const groups = sidCollisionGroups(codes);
  const bySize = new Map<number, number>();
  let inGroups = 0;
  for (const g of groups) {
    bySize.set(g.length, (bySize.get(g.length) ?? 0) + 1);
    inGroups += g.length;
  }
  bySize.set(1, n - inGroups);
  return [...bySize.entries()].sort((a, b) => a[0] - b[0]).map(([size, count]) => ({ size, groups: count }));
}

const usage = (s: SidStatistics) =>
  s.levels.map((l, i) => ({ level: i + 1, codebookSize: l.codebookSize, used: l.used, dead: l.dead, entropy: l.entropy, perplexity: l.perplexity, counts: Array.from(l.counts) }));

function subset(ds: SequenceDataset, users: number): SequenceDataset {
  const sequences = ds.sequences.slice(0, users);
  let numItems = 0;
  let numInteractions = 0;
  for (const s of sequences) {
    for (const it of s.items) if (it > numItems) numItems = it;
    numInteractions += s.items.length;
  }
  return { sequences, numUsers: sequences.length, numItems, numInteractions };
}

async function stageData(o: DemoOptions) {
  const full = await loadBeauty();
  const dataset = o.maxUsers === undefined || o.maxUsers >= full.numUsers ? full : subset(full, o.maxUsers);
  const split = leaveOneOut(dataset.sequences);
  const vectors = await itemVectorsFromSequences(split.train, { dim: 64, seed: o.seed });
  o.log(`[2] Amazon Beauty: ${dataset.numUsers} users, ${dataset.numItems} items, ${dataset.numInteractions} interactions; item vectors ${vectors.shape[0]} × ${vectors.shape[1]} (PPMI + randomized SVD of training interactions)`);
  return { dataset, vectors, summary: { users: dataset.numUsers, items: dataset.numItems, interactions: dataset.numInteractions, vectorDim: vectors.shape[1] } };
}

async function stageSid(o: DemoOptions, vectors: Awaited<ReturnType<typeof itemVectorsFromSequences>>) {
  const levels = 4;
  const codebookSize = 256;
  const iterations = o.quick ? 8 : 15;
  o.progress.start(levels * (iterations + 1), 'RQ-KMeans 4 × 256');
  const rq = await ResidualQuantizer.train(vectors, {
    levels,
    codebookSize,
    seed: o.seed,
    kmeans: { maxIterations: iterations },
    onIteration: (i) => o.progress.update(i.level * (iterations + 1) + i.iteration),
  });
  o.progress.stop();
  const greedy = await rq.assignSids(vectors, { lastLevel: 'greedy' });
  const random = await rq.assignSids(vectors, { lastLevel: 'random', seed: o.seed });
  // collision-aware uniqueness is impossible when a prefix holds more items than the last codebook has codes
  // (it happens on small subsets, where many items share near-identical vectors): report it, keep the random SIDs
  let unique: Awaited<ReturnType<typeof rq.assignSids>> | null = null;
  let impossible: string | null = null;
  try {
    unique = await rq.assignSids(vectors, { lastLevel: 'collision-aware' });
  } catch (e) {
    if (!(e instanceof SidCollisionError)) throw e;
    impossible = `a prefix holds ${e.overfullPrefixes[0]?.load} items, more than the ${codebookSize} last-level codes`;
  }
  const final = unique ?? random;
  const mse = (await rq.reconstructionError(vectors, { codes: greedy.codes })).meanSquaredError;
  const index = SidIndex.fromCodes(Array.from(vectors.ids), final.codes, { allowCollisions: unique === null });
  o.log(
    `[3] semantic IDs ${levels} × ${codebookSize}: uniqueness ${pct(greedy.statistics.uniqueness)} greedy, ${pct(random.statistics.uniqueness)} random last level, ` +
      `${unique ? pct(unique.statistics.uniqueness) : `impossible (${impossible})`} collision-aware; reconstruction MSE ${f4(mse)}; item 1 → ${index.sidOf(1)}`,
  );
  const summary = {
    levels,
    codebookSize,
    items: greedy.statistics.items,
    kmeansIterations: iterations,
    reconstructionMse: mse,
    uniqueness: { greedy: greedy.statistics.uniqueness, random: random.statistics.uniqueness, collisionAware: unique ? unique.statistics.uniqueness : null },
    collisionAwareImpossible: impossible,
    collisionGroups: { greedy: greedy.statistics.collisionGroups, random: random.statistics.collisionGroups, collisionAware: unique ? unique.statistics.collisionGroups : null },
    levelUsage: usage(greedy.statistics),
    collisionHistogram: { greedy: collisionHistogram(greedy.codes), random: collisionHistogram(random.codes) },
    exampleSid: { item: 1, sid: index.sidOf(1) },
  };
  return { index, summary };
}

function stagePrerank(o: DemoOptions, dataset: Awaited<ReturnType<typeof loadBeauty>>) {
  const out: Record<string, unknown> = {};
  let inject: Slate[] = [];
  for (const policy of ['inject', 'filter'] as const) {
    const { slates, stats } = buildSlates(dataset, { split: 'test', policy, k: 10, seed: o.seed });
    const ev = evaluateRanks(Int32Array.from(slates, (s) => s.targetRank!), [...METRICS], { ci: { samples: 1000, seed: o.seed } });
    out[policy] = { slates: slates.length, retrievalRate: stats.retrievalRate, metrics: table(ev) };
    if (policy === 'inject') inject = slates;
    o.log(`[4] pre-rank baseline, '${policy}' slates (${slates.length}; target retrieved ${pct(stats.retrievalRate)}): ${METRICS.map((m) => `${m} ${f4(ev.mean[m]!)}`).join(', ')}`);
  }
  return { summary: out, inject };
}

function auditSummary(r: RewardAuditReport) {
  return { reward: r.reward, slates: r.slates, table: r.table, passed: r.passed, copyMeanOnNonOptimal: r.copyMeanOnNonOptimal, rankCurve: r.rankCurve, findings: r.findings };
}

async function stageRewards(o: DemoOptions, allSlates: readonly Slate[], index: SidIndex) {
  const sidOf = (id: number) => index.sidOf(id)!;
  // a completion names candidates by SID: slates whose candidates share a SID (possible only when the SIDs are not
  // unique, see stageSid) cannot be scored and are left out
  // (and, on small subsets, slates with items that got no SID because they were not in the training vectors)
  const hasSid = (id: number) => index.sidOf(id) !== undefined;
  const slates = allSlates.filter(
    (s) => s.candidates.every(hasSid) && s.history.every(hasSid) && new Set(s.candidates.map(sidOf)).size === s.candidates.length,
  );
  if (slates.length === 0) throw new DataFormatError('gr2 demo: no slate has a SID for every item; use more users (--max-users).');
  const sample = samplesFromSlates(slates.slice(0, 1), { sidOf })[0]!;
  const targetIdx = slates[0]!.targetRank! - 1;
  const promoted = [sample.candidates[targetIdx]!, ...sample.candidates.filter((_, i) => i !== targetIdx)];
  const completion = renderRerankCompletion(promoted, {
    explanation: `The user keeps buying within the same line; ${promoted[0]} completes it, so it goes first.`,
  });
  const parsed = parseRerankOutput(completion, sample.candidates, { mode: 'strict' });
  const conditional = createConditionalReward();
  const [rTrace] = await conditional([{ ...sample, completion }]);
  const [rCopy] = await conditional([{ ...sample, completion: renderRerankCompletion([...sample.candidates]) }]);
  const auditSlates = slates.slice(0, o.quick ? 300 : 1000);
  const naive = auditSummary(await auditReward(createNaiveReward(), auditSlates, { sidOf, seed: o.seed }));
  const cond = auditSummary(await auditReward(conditional, auditSlates, { sidOf, seed: o.seed }));
  o.log(`[5] a trace promoting the target from rank ${targetIdx + 1} to 1 earns ${f4(rTrace as number)}, copying the input ${f4(rCopy as number)}; audit on ${auditSlates.length} slates: copying earns ${f4(naive.copyMeanOnNonOptimal ?? NaN)} under the naive reward, ${f4(cond.copyMeanOnNonOptimal ?? NaN)} under the conditional one`);
  const item = (id: number) => ({ id, sid: sidOf(id) });
  const promptInput = { history: slates[0]!.history.slice(-10).map(item), candidates: slates[0]!.candidates.map(item) };
  return {
    promptInput,
    example: {
      user: slates[0]!.user,
      history: slates[0]!.history.slice(-5).map((id) => ({ item: id, sid: index.sidOf(id) })),
      candidates: sample.candidates,
      targetRank: targetIdx + 1,
      completion,
      parsed: { valid: parsed.valid, format: parsed.format, order: parsed.order },
      conditionalReward: rTrace as number,
      copyInputReward: rCopy as number,
    },
    audit: { naive, conditional: cond },
    slatesWithSharedSids: allSlates.length - slates.length,
  };
}

function ndcgOf(policy: LinearPlackettLuce, examples: readonly ListwiseExample[]): number {
  const ev = evaluateListwise(policy, examples, { samples: 0 });
  let s = 0;
  for (const v of ev.ndcg5) s += v;
  return s / ev.ndcg5.length;
}

async function stageRl(o: DemoOptions, dataset: SequenceDataset) {
  const steps = o.steps ?? (o.quick ? 40 : 200);
  const data = await beautyListwiseData({ seed: o.seed, trainShare: 0.5, dataset });
  const heldOut = data.test.slice(0, o.quick ? 500 : 2000);
  const evalEvery = Math.max(1, Math.round(steps / 20));
  const curve: { step: number; meanReward: number; heldOutNdcg5: number | null }[] = [];
  o.progress.start(steps, 'DAPO listwise re-ranker');
  const trained = await trainListwise(data.train, conditionalOrderReward, data.numFeatures, {
    steps,
    groupSize: 8,
    batchGroups: o.quick ? 16 : 48,
    promptsPerRound: o.quick ? 24 : 72,
    initialWeights: prerankInitialWeights(data.numFeatures),
    seed: o.seed,
    onStep: (log, policy) => {
      const at = log.step + 1;
      curve.push({ step: at, meanReward: log.meanReward, heldOutNdcg5: at % evalEvery === 0 || at === steps ? ndcgOf(policy, heldOut) : null });
      o.progress.update(at);
    },
  });
  o.progress.stop();
  const ci = { samples: 2000, seed: o.seed };
  const prerank = evaluateRanks(Int32Array.from(data.test, (e) => e.targetIndex + 1), [...METRICS], { ci });
  const evaluation = evaluateListwise(trained.policy, data.test);
  const model = evaluateRanks(evaluation.ranks, [...METRICS], { ci });
  const cmp = compareEvaluations(model, prerank, { method: 'bootstrap', samples: 5000, seed: o.seed });
  const initial = evaluateListwise(new LinearPlackettLuce(data.numFeatures, { weights: prerankInitialWeights(data.numFeatures) }), data.test);
  o.log(
    `[6] DAPO listwise re-ranker (${trained.stepsRun} steps, G = 8, conditional reward) on ${data.test.length} held-out slates: ` +
      METRICS.map((m) => `${m} ${f4(prerank.mean[m]!)} → ${f4(model.mean[m]!)}`).join(', ') +
      `; ΔNDCG@5 ${f4(cmp['ndcg@5']!.difference)} [${f4(cmp['ndcg@5']!.ci[0])}, ${f4(cmp['ndcg@5']!.ci[1])}], p = ${f4(cmp['ndcg@5']!.pValue)}`,
  );
  return {
    steps: trained.stepsRun,
    groupSize: 8,
    trainSlates: data.train.length,
    testSlates: data.test.length,
    heldOutForCurve: heldOut.length,
    sampling: trained.sampling,
    curve,
    metrics: { prerank: table(prerank), reranker: table(model) },
    comparison: cmp,
    identityRate: { before: initial.identityRate, after: evaluation.identityRate },
  };
}

/** Runs every stage and returns the summary (timings apart, deterministic for a seed). @internal */
export async function runDemo(o: DemoOptions) {
  env.logLevel = 'error';
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => Promise<T> | T): Promise<T> => {
    const t = performance.now();
    const r = await f();
    timings[name] = Math.round(performance.now() - t) / 1000;
    return r;
  };
  const backend = await ready();
  const info = backend.info();
  o.log(`[1] backend '${info.name}' on ${info.device} (execution providers: ${info.executionProviders.join(', ')})${info.fallbackReason ? `; CUDA not used: ${info.fallbackReason}` : ''}`);
  const data = await timed('data', () => stageData(o));
  const sid = await timed('sid', () => stageSid(o, data.vectors));
  const prerank = await timed('prerank', () => stagePrerank(o, data.dataset));
  const { promptInput, ...rewards } = await timed('rewards', () => stageRewards(o, prerank.inject, sid.index));
  const { tokenizer, skipped: tokenizerSkipped } = await timed('tokenizer', () => loadDemoTokenizer());
  const prompt = tokenizer ? await timed('prompt', () => promptStage(tokenizer, promptInput, rewards.example.completion)) : null;
  o.log(
    prompt
      ? `[5b] the GR2 prompt of user ${rewards.example.user}: ${prompt.prompt.tokens} Qwen3 tokens (${prompt.reasoningFree.tokens} reasoning-free); its SFT sample: ${prompt.sft.tokens} tokens, ${prompt.sft.reasoningTokens} reasoning tokens at λ_r = 0.5, ${prompt.sft.rankingTokens} ranking tokens at λ_o = 1`
      : `[5b] prompt token counts skipped: ${tokenizerSkipped}`,
  );
  // the LLM stages run the tiny random-weight test model: they show the machinery, not a teacher's quality
  const testSlates = distinctSidSlates(prerank.inject, sid.index);
  const nSampling = o.samplingExamples ?? (o.quick ? 6 : 24);
  const nServing = o.servingSlates ?? (o.quick ? 8 : 24);
  const opened = tokenizer ? await timed('model', () => openTinyTeacher()) : { teacher: null, skipped: tokenizerSkipped };
  const teacher = opened.teacher;
  let sampling: Awaited<ReturnType<typeof samplingStage>>['summary'] | null = null;
  let serving: Awaited<ReturnType<typeof servingStage>>['summary'] | null = null;
  let servingLatency: Awaited<ReturnType<typeof servingStage>>['latency'] | null = null;
  let samplingMs: number | null = null;
  let rl: Awaited<ReturnType<typeof stageRl>>;
  try {
    if (teacher && tokenizer) {
      o.progress.start(nSampling, 'rejection sampling');
      const res = await timed('sampling', () => samplingStage(teacher, tokenizer, testSlates, sid.index, { seed: o.seed, examples: nSampling, onExample: (done) => o.progress.update(done) }));
      o.progress.stop();
      sampling = res.summary;
      samplingMs = res.elapsedMs;
      const st = sampling.stats;
      o.log(
        `[5c] rejection sampling of teacher traces (tiny test LLM behind a local OpenAI-compatible server, SID-constrained, ≤ ${sampling.settings.maxAttempts} attempts): ` +
          `${st.accepted} of ${st.examples} examples accepted (${pct(st.acceptanceRate)}; ${pct(st.sampleAcceptanceRate)} of ${st.samples} samples), ${st.dropped} dropped; ` +
          `accepted at attempt ${st.attemptsHistogram.slice(1).map((c, k) => `${k + 1}:${c}`).join(' ')}; ${sampling.sft.samples} SFT samples`,
      );
    } else {
      o.log(`[5c] rejection sampling skipped: ${opened.skipped}`);
    }
    rl = await timed('rl', () => stageRl(o, data.dataset));
    const slatesForServing = testSlates.slice(nSampling);
    if (teacher && slatesForServing.length === 0) {
      o.log('[7] serving re-ranker skipped: no held-out slate left after the teacher examples');
    } else if (teacher) {
      const res = await timed('serving', () => servingStage(teacher, slatesForServing, sid.index, { seed: o.seed, slates: nServing }));
      serving = res.summary;
      servingLatency = res.latency;
      o.log(
        `[7] serving re-ranker (tiny test LLM, reasoning-free, constrained) on ${serving.slates} slates: latency median ${servingLatency.medianMs.toFixed(1)} ms, p90 ${servingLatency.p90Ms.toFixed(1)} ms; ` +
          `fallback rate ${pct(serving.fallbackRate)}`,
      );
    } else {
      o.log(`[7] serving re-ranker skipped: ${opened.skipped}`);
    }
  } finally {
    await teacher?.close();
  }
  const llmTimings = { samplingElapsedMs: samplingMs, serving: servingLatency };
  return {
    backend: info,
    data: data.summary,
    sid: sid.summary,
    prerank: prerank.summary,
    rewards,
    prompt,
    promptSkipped: prompt ? null : tokenizerSkipped,
    sampling,
    serving,
    llmSkipped: teacher ? null : opened.skipped,
    servingSkipped: serving ? null : teacher ? 'no held-out slate left after the teacher examples' : opened.skipped,
    rl,
    timings: { ...timings, ...llmTimings },
  };
}

/** The summary returned by {@link runDemo}. @internal */
export type DemoSummary = Awaited<ReturnType<typeof runDemo>>;
