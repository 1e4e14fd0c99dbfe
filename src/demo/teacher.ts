/**
 * The demo's LLM stages on a real (tiny, random-weight) causal LM: rejection sampling of teacher traces through an
 * OpenAI-compatible server on 127.0.0.1, the accepted traces as SFT samples with their token weights, and the
 * serving re-ranker's latency and fallback rate.
 *
 * The model is `writeTinyCausalLm`'s random-weight decoder with the Qwen3 tokenizer extended by the SID vocabulary,
 * run in process by `createLocalGenerator` (transformers.js) and served by `startOpenAIServer`. It knows nothing of
 * the data, so its picks are arbitrary: what the stage shows is the machinery (the sampler's acceptance, attempts
 * and drops; the SFT weights; the serving latency) on a real model behind a real HTTP endpoint, not a teacher's
 * quality. To stay fast on two cores every answer is SID-constrained (always a valid permutation, so an attempt is
 * accepted with probability about 1/K) and its explanation is capped at a few tokens.
 *
 * @packageDocumentation
 * @internal
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Slate } from '../data/index.js';
import { createLocalGenerator, createOpenAIGenerator, createReranker, type GenerateRequest, type Generator, type LocalGenerator } from '../generate/index.js';
import { buildTeacherPrompt, type ChatMessage, type RerankItem } from '../prompt/index.js';
import { rejectionSample, type SamplerExample } from '../sampling/index.js';
import type { SidIndex } from '../sid/index.js';
import { startOpenAIServer, writeTinyCausalLm } from '../testing/index.js';
import { sftSummary, type DemoTokenizer, type SftSummary } from './llm.js';

/** Settings of the tiny model and of the sampler (the demo's choices, not the paper's). @internal */
const MODEL = { seed: 1, hiddenSize: 16, layers: 1, heads: 2 } as const;
const MAX_REASONING_TOKENS = 8;
const MAX_ATTEMPTS = 8;
/** Tokens of one constrained answer: the explanation plus K = 10 SIDs of 6 tokens and the JSON around them (~100). */
const MAX_TOKENS = 160;
const TEMPERATURE = 1;
const HISTORY = 10;
const SERVING_TIMEOUT_MS = 5000;

/** The tiny model, loaded once for both stages. @internal */
export interface TinyTeacher {
  readonly local: LocalGenerator;
  readonly vocabSize: number;
  close(): Promise<void>;
}

/** Writes and loads the tiny model (`null` with the reason when transformers.js or the tokenizer is missing). @internal */
export async function openTinyTeacher(): Promise<{ teacher: TinyTeacher | null; skipped: string | null }> {
  const dir = await mkdtemp(join(tmpdir(), 'gr2-demo-lm-'));
  try {
    const tiny = await writeTinyCausalLm(dir, { ...MODEL, maxPositions: 2048 });
    const local = await createLocalGenerator(dir, { maxReasoningTokens: MAX_REASONING_TOKENS, name: 'tiny-teacher' });
    return {
      skipped: null,
      teacher: {
        local,
        vocabSize: tiny.vocabSize,
        async close() {
          await local.close?.();
          await rm(dir, { recursive: true, force: true });
        },
      },
    };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    return { teacher: null, skipped: `the tiny test LLM could not be loaded (${(e as Error).message.split('\n')[0]})` };
  }
}

/**
 * A generator that adds the SID constraint of the example whose prompt it is sent (the sampler sends the example's
 * own `messages` array), so the OpenAI client forwards it in `gr2_constraint`. @internal
 */
function constrainedBy(inner: Generator, candidatesOf: WeakMap<readonly ChatMessage[], readonly string[]>): Generator {
  return {
    name: inner.name,
    generate(request: GenerateRequest) {
      const candidates = candidatesOf.get(request.messages);
      return inner.generate(candidates ? { ...request, constraint: { candidates, reasoning: true } } : request);
    },
  };
}

/** Nearest-rank quantile of a sample (`q` in [0, 1]). @internal */
function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}
const ms = (x: number) => Math.round(x * 100) / 100;

/**
 * Slates whose candidates all have a SID, distinct ones (a completion names candidates by SID); history items
 * without a SID (items seen only at test time on small subsets) are left out of the history. @internal
 */
export function distinctSidSlates(slates: readonly Slate[], index: SidIndex): Slate[] {
  return slates
    .filter((s) => s.target !== null && s.candidates.every((id) => index.sidOf(id) !== undefined) && new Set(s.candidates.map((id) => index.sidOf(id))).size === s.candidates.length)
    .map((s) => ({ ...s, history: s.history.filter((id) => index.sidOf(id) !== undefined) }));
}

/**
 * Rejection sampling of teacher traces on the first `examples` slates (teacher prompts that do not reveal the target,
 * candidates shuffled), then the SFT samples of the accepted traces. @internal
 */
export async function samplingStage(
  teacher: TinyTeacher,
  tok: DemoTokenizer,
  slates: readonly Slate[],
  index: SidIndex,
  o: { seed: number; examples: number; onExample?: (finished: number) => void },
) {
  const item = (id: number): RerankItem => ({ id, sid: index.sidOf(id)! });
  const candidatesOf = new WeakMap<readonly ChatMessage[], readonly string[]>();
  const examples: SamplerExample[] = slates.slice(0, o.examples).map((s) => {
    const p = buildTeacherPrompt(
      { history: s.history.slice(-HISTORY).map(item), candidates: s.candidates.map(item), target: s.target! },
      { strategy: 'rejection', shuffle: { seed: o.seed + s.user } },
    );
    candidatesOf.set(p.messages, p.sids);
    const targetPosition = p.candidates.findIndex((c) => c.id === s.target);
    return { id: `user-${s.user}`, messages: p.messages, candidates: p.sids, target: p.sids[targetPosition]!, meta: { user: s.user, preRankOrder: p.order } };
  });
  const server = await startOpenAIServer({ generator: teacher.local, model: 'gr2-tiny-teacher' });
  let report;
  try {
    const client = createOpenAIGenerator({ baseURL: server.baseURL, model: 'gr2-tiny-teacher', apiKey: 'local', sendConstraint: true, timeoutMs: 60_000 });
    report = await rejectionSample(examples, constrainedBy(client, candidatesOf), {
      maxAttempts: MAX_ATTEMPTS,
      concurrency: 2,
      seed: o.seed,
      request: { temperature: TEMPERATURE, maxTokens: MAX_TOKENS },
      timeoutMs: 60_000,
      onProgress: (e) => {
        if (e.type === 'accepted' || e.type === 'dropped') o.onExample?.(e.progress.accepted + e.progress.dropped);
      },
    });
  } finally {
    await server.close();
  }
  // the records are deterministic; their order in the report depends on which request finished first
  const position = new Map(examples.map((e, i) => [e.id, i]));
  const byInput = <T extends { id: string }>(xs: readonly T[]) => [...xs].sort((a, b) => position.get(a.id)! - position.get(b.id)!);
  const accepted = byInput(report.accepted);
  const { elapsedMs, ...stats } = report.stats;
  const sft = accepted.map((r) => ({ id: r.id, attempt: r.attempt, ...sftSummary(tok, r.messages, r.completion, 60) }));
  const first = accepted[0];
  return {
    summary: {
      settings: {
        model: `writeTinyCausalLm (random weights, hidden ${MODEL.hiddenSize}, ${MODEL.layers} layer, vocabulary ${teacher.vocabSize}) behind startOpenAIServer on 127.0.0.1`,
        examples: examples.length,
        maxAttempts: MAX_ATTEMPTS,
        temperature: TEMPERATURE,
        constrained: true,
        maxReasoningTokens: MAX_REASONING_TOKENS,
        maxTokens: MAX_TOKENS,
        acceptance: 'topPickIsTarget',
      },
      stats,
      dropped: byInput(report.dropped).map((d) => ({ id: d.id, reason: d.reason, attempts: d.attempts, detail: d.detail ?? null })),
      unfinished: report.unfinished.length,
      accepted: accepted.map((r) => ({ id: r.id, attempt: r.attempt, valid: r.valid, finishReason: r.finishReason, completionTokens: r.usage.completionTokens })),
      example: first ? { id: first.id, attempt: first.attempt, target: first.target, completion: first.completion, sft: sft[0]! } : null,
      sft: {
        samples: sft.length,
        weights: { reasoning: 0.5, ranking: 1 },
        rows: sft.map(({ completionTokens: _, ...row }) => row) as Omit<SftSummary & { id: string; attempt: number }, 'completionTokens'>[],
      },
    },
    elapsedMs,
  };
}

/** The serving re-ranker over the tiny model on `n` slates: sources, fallbacks with reasons, latencies. @internal */
export async function servingStage(teacher: TinyTeacher, slates: readonly Slate[], index: SidIndex, o: { seed: number; slates: number }) {
  const item = (id: number): RerankItem => ({ id, sid: index.sidOf(id)! });
  const reranker = createReranker({ generator: teacher.local, timeoutMs: SERVING_TIMEOUT_MS, seed: o.seed });
  const latencies: number[] = [];
  const modelMs: number[] = [];
  const reasons: Record<string, number> = {};
  let fallbacks = 0;
  let topChanged = 0;
  let targetFirst = 0;
  const used = slates.slice(0, o.slates);
  for (const s of used) {
    const r = await reranker.rerank({ history: s.history.slice(-HISTORY).map(item), candidates: s.candidates.map(item) });
    latencies.push(r.latencyMs);
    if (r.diagnostics.modelMs !== undefined) modelMs.push(r.diagnostics.modelMs);
    if (r.source === 'fallback') {
      fallbacks++;
      const why = (r.diagnostics.reason ?? 'unknown').split(':')[0]!;
      reasons[why] = (reasons[why] ?? 0) + 1;
    }
    if (r.order[0] !== 0) topChanged++;
    if (s.candidates[r.order[0]!] === s.target) targetFirst++;
  }
  return {
    summary: {
      slates: used.length,
      timeoutMs: SERVING_TIMEOUT_MS,
      prompt: 'reasoning-free, SID-constrained, greedy',
      modelAnswers: used.length - fallbacks,
      fallbacks,
      fallbackRate: used.length ? fallbacks / used.length : 0,
      fallbackReasons: reasons,
      topPickChangedRate: used.length ? topChanged / used.length : 0,
      recallAt1: used.length ? targetFirst / used.length : 0,
    },
    latency: {
      medianMs: ms(quantile(latencies, 0.5)),
      p90Ms: ms(quantile(latencies, 0.9)),
      maxMs: ms(Math.max(...latencies)),
      modelMedianMs: ms(quantile(modelMs, 0.5)),
    },
  };
}
