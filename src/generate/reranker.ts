/**
 * The serving re-ranker: GR2 in a recommender funnel. It turns a slate into the reasoning-free prompt, asks a
 * {@link Generator} (SID-constrained where the generator can enforce it), reads the answer leniently, and falls back
 * to the pre-rank order on timeout, error or unusable output (D-GR2's rule).
 *
 * @packageDocumentation
 */
import { GeneratorError, assertFiniteNumber, checkOptions, typeError } from '../errors.js';
import { isPermutation, parseRerankOutput, type RerankDiagnostics } from '../prompt/parse_output.js';
import { buildRerankPrompt, type RerankPromptInput, type RerankPromptOptions } from '../prompt/rerank_prompt.js';
import type { RerankItem } from '../prompt/types.js';
import { DEFAULT_SID_SPEC } from '../sid/sid_string.js';
import { startDeadline } from './request.js';
import type { FinishReason, Generator } from './types.js';

/** Options of {@link createReranker}. */
export interface RerankerOptions {
  /** The model. */
  readonly generator: Generator;
  /** Prompt options (`buildRerankPrompt`); `reasoning` defaults to `false` here (TR §9.4 reasoning-free serving). */
  readonly prompt?: RerankPromptOptions;
  /** Time budget of one `rerank` call, prompt to parse, ms; past it the pre-rank order is returned. @defaultValue `2000` */
  readonly timeoutMs?: number;
  /** What to return when the model's answer cannot be used. Only the paper's rule exists. @defaultValue `'pre-rank'` */
  readonly fallback?: 'pre-rank';
  /**
   * Accept a partial ranking (ours): duplicates dropped, unknown entries removed, missing candidates appended in
   * pre-rank order. With `false` (the paper's rule) anything but a full permutation falls back. @defaultValue `false`
   */
  readonly repair?: boolean;
  /** Ask the generator to constrain decoding to the slate's SIDs (honoured by local generators). @defaultValue `true` */
  readonly constrained?: boolean;
  /** Sampling temperature. @defaultValue `0` (greedy) */
  readonly temperature?: number;
  /** Seed sent with every request. */
  readonly seed?: number;
  /** Maximum new tokens. @defaultValue `48 + 16·K` without reasoning, `1024 + 16·K` with it */
  readonly maxTokens?: number;
}

/** What happened in one {@link Reranker.rerank} call. */
export interface RerankerDiagnostics {
  /** Why the pre-rank order was returned (absent when `source` is `'model'`). */
  readonly reason?: string;
  /** The failure's `GeneratorError` kind, when the generator failed. */
  readonly errorKind?: string;
  /** The parser's report on the answer, when there was one. */
  readonly parse?: RerankDiagnostics;
  /** The answer was a partial ranking completed by `repair`. */
  readonly repaired: boolean;
  /** The model's answer text (capped at 2,000 characters). */
  readonly text?: string;
  /** The generation's finish reason. */
  readonly finishReason?: FinishReason;
  /** Time inside `generator.generate`, ms. */
  readonly modelMs?: number;
  /** The re-ranker's own time (prompt, parse, mapping) = `latencyMs − modelMs`, ms. */
  readonly overheadMs: number;
  /** History items the prompt's token budget dropped. */
  readonly droppedHistory: number;
}

/** Result of {@link Reranker.rerank}. */
export interface RerankResult {
  /** Pre-rank indices, best first — always a permutation of `0..K−1`. */
  readonly order: number[];
  /** `'model'`: the model's ranking; `'fallback'`: the pre-rank order (see `diagnostics.reason`). */
  readonly source: 'model' | 'fallback';
  readonly diagnostics: RerankerDiagnostics;
  /** Wall-clock time of the call, ms. */
  readonly latencyMs: number;
}

/** A serving re-ranker (see {@link createReranker}). */
export interface Reranker {
  /** Re-ranks one slate. Never rejects on model failures; throws `TypeError`/`RangeError` on malformed input. */
  rerank(input: { readonly history: readonly RerankItem[]; readonly candidates: readonly RerankItem[] }, options?: { readonly signal?: AbortSignal }): Promise<RerankResult>;
}

const OPTION_KEYS = ['generator', 'prompt', 'timeoutMs', 'fallback', 'repair', 'constrained', 'temperature', 'seed', 'maxTokens'] as const;

/**
 * A re-ranker over `generator`: `rerank({history, candidates})` builds the reasoning-free prompt
 * (`buildRerankPrompt`, candidates in pre-rank order), generates one answer (greedy, constrained to the slate's
 * SIDs), parses it leniently (JSON, fences, RankGPT lists, bare SIDs) and maps it back to pre-rank indices. It
 * returns the pre-rank order `[0, 1, …, K−1]` with `source: 'fallback'` and the reason when the time budget runs
 * out, the generator fails, or the answer is not a permutation of the candidates (partial answers are completed
 * instead with `repair: true`). A slate of fewer than two candidates is returned as is, without a model call.
 *
 * @throws TypeError/RangeError on malformed options here, and on malformed slates in `rerank`.
 * @example
 * ```ts
 * const reranker = createReranker({ generator: createOpenAIGenerator({ baseURL, model: 'gr2' }), timeoutMs: 300 });
 * const { order, source, diagnostics } = await reranker.rerank({ history, candidates });
 * const reranked = order.map((i) => candidates[i]);
 * if (source === 'fallback') log.warn(diagnostics.reason);
 * ```
 */
export function createReranker(options: RerankerOptions): Reranker {
  const fn = 'createReranker';
  if (options === undefined) throw typeError(fn, 'options', 'an options object {generator}', options);
  const o = checkOptions(fn, options, OPTION_KEYS);
  if (!o.generator || typeof o.generator !== 'object' || typeof o.generator.generate !== 'function') {
    throw typeError(fn, 'options.generator', 'a Generator (an object with generate())', o.generator);
  }
  const timeoutMs = o.timeoutMs ?? 2000;
  assertFiniteNumber(fn, 'options.timeoutMs', timeoutMs, { min: 0, minExclusive: true, max: 2 ** 31 - 1 });
  if (o.fallback !== undefined && o.fallback !== 'pre-rank') throw typeError(fn, 'options.fallback', "'pre-rank'", o.fallback);
  for (const k of ['repair', 'constrained'] as const) if (o[k] !== undefined && typeof o[k] !== 'boolean') throw typeError(fn, `options.${k}`, 'a boolean', o[k]);
  if (o.temperature !== undefined) assertFiniteNumber(fn, 'options.temperature', o.temperature, { min: 0 });
  if (o.seed !== undefined && (!Number.isInteger(o.seed) || o.seed < 0)) throw typeError(fn, 'options.seed', 'a non-negative integer', o.seed);
  if (o.maxTokens !== undefined && (!Number.isInteger(o.maxTokens) || o.maxTokens < 1)) throw typeError(fn, 'options.maxTokens', 'a positive integer', o.maxTokens);
  const promptOptions: RerankPromptOptions = { ...(o.prompt ?? {}), reasoning: o.prompt?.reasoning ?? false };
  // Validate the prompt options once, on a one-item slate, so that a typo fails here and not on the first request.
  const probeSpec = promptOptions.spec ?? DEFAULT_SID_SPEC;
  buildRerankPrompt({ history: [], candidates: [{ id: 0, sid: new Array<number>(probeSpec.levels).fill(0) }] }, promptOptions);
  const generator = o.generator;

  return {
    async rerank(input, rerankOptions) {
      const started = performance.now();
      const f = 'Reranker.rerank';
      if (input === null || typeof input !== 'object' || Array.isArray(input)) throw typeError(f, 'input', 'an object {history, candidates}', input);
      const ro = checkOptions(f, rerankOptions, ['signal']);
      if (ro.signal !== undefined && !(ro.signal instanceof AbortSignal)) throw typeError(f, 'options.signal', 'an AbortSignal', ro.signal);
      const slate = input as RerankPromptInput;
      if (Array.isArray(slate.candidates) && slate.candidates.length === 0) {
        const latencyMs = performance.now() - started;
        const diagnostics = { reason: 'no candidates: nothing to re-rank', repaired: false, overheadMs: latencyMs, droppedHistory: 0 };
        return { order: [], source: 'fallback', diagnostics, latencyMs };
      }
      const prompt = buildRerankPrompt(slate, promptOptions); // validates the slate's structure
      const K = prompt.candidates.length;
      const identity = Array.from({ length: K }, (_, i) => i);
      let modelMs: number | undefined;
      const finish = (source: 'model' | 'fallback', order: number[], extra: Omit<RerankerDiagnostics, 'overheadMs' | 'droppedHistory'>): RerankResult => {
        const latencyMs = performance.now() - started;
        const diagnostics: RerankerDiagnostics = {
          ...extra,
          ...(modelMs !== undefined ? { modelMs } : {}),
          overheadMs: latencyMs - (modelMs ?? 0),
          droppedHistory: prompt.droppedHistory,
        };
        return { order: isPermutation(order, K) ? order : identity, source, diagnostics, latencyMs };
      };
      if (K < 2) return finish('fallback', identity, { reason: 'fewer than two candidates: nothing to re-rank', repaired: false });

      const deadline = startDeadline(Math.max(0, timeoutMs - (performance.now() - started)), ro.signal);
      const reasoning = promptOptions.reasoning ?? false;
      let text: string;
      let finishReason: FinishReason;
      const t0 = performance.now();
      try {
        const call = generator.generate({
          messages: prompt.messages,
          n: 1,
          temperature: o.temperature ?? 0,
          maxTokens: o.maxTokens ?? (reasoning ? 1024 : 48) + 16 * K,
          ...(o.seed !== undefined ? { seed: o.seed } : {}),
          ...(o.constrained === false ? {} : { constraint: { candidates: prompt.sids, reasoning } }),
          signal: deadline.signal,
        });
        // a generator that ignores its signal must not hold the slate past the deadline
        const gave = new Promise<never>((_, reject) => {
          const onAbort = (): void => reject(deadline.error(generator.name));
          if (deadline.signal.aborted) onAbort();
          else deadline.signal.addEventListener('abort', onAbort, { once: true });
        });
        gave.catch(() => undefined);
        const res = await Promise.race([call, gave]);
        modelMs = performance.now() - t0;
        const g = res.generations?.[0];
        if (!g || typeof g.text !== 'string') return finish('fallback', identity, { reason: 'the generator returned no generation', repaired: false });
        text = g.text;
        finishReason = g.finishReason;
      } catch (err) {
        modelMs = performance.now() - t0;
        const why = deadline.reason();
        const kind = why ?? (err instanceof GeneratorError ? err.kind : 'error');
        const reason =
          why === 'timeout'
            ? `timeout: no usable answer within ${timeoutMs} ms`
            : why === 'aborted'
              ? 'aborted by the caller'
              : `generator error (${kind}): ${err instanceof Error ? err.message : String(err)}`;
        return finish('fallback', identity, { reason, errorKind: kind, repaired: false });
      } finally {
        deadline.dispose();
      }
      return interpret(text, finishReason, prompt.sids, prompt.order, prompt.parseOptions, o.repair ?? false, finish, identity);
    },
  };
}

/** @internal Reads the answer and maps it to pre-rank indices, or falls back with the reason. */
function interpret(
  text: string,
  finishReason: FinishReason,
  sids: readonly string[],
  promptOrder: readonly number[],
  parseOptions: Parameters<typeof parseRerankOutput>[2],
  repair: boolean,
  finish: (source: 'model' | 'fallback', order: number[], extra: Omit<RerankerDiagnostics, 'overheadMs' | 'droppedHistory'>) => RerankResult,
  identity: number[],
): RerankResult {
  const K = sids.length;
  const parsed = parseRerankOutput(text, sids, { ...parseOptions, mode: 'lenient' });
  const d = parsed.diagnostics;
  const shown = text.length > 2000 ? text.slice(0, 2000) : text;
  const base = { parse: d, text: shown, finishReason };
  const seen = new Set<number>();
  const order: number[] = [];
  for (const p of parsed.parsedOrder) {
    const pre = promptOrder[p]!;
    if (!seen.has(pre)) {
      seen.add(pre);
      order.push(pre);
    }
  }
  const complete = order.length === K && parsed.parsedOrder.length === K && d.outOfSetCount === 0;
  if (complete) return finish('model', order, { ...base, repaired: false });
  if (!repair || order.length === 0) {
    const what =
      order.length === 0
        ? 'no ranking could be read'
        : [
            d.missing.length ? `${d.missing.length} candidate(s) missing` : '',
            d.duplicates.length ? `${d.duplicates.length} duplicated` : '',
            d.outOfSetCount ? `${d.outOfSetCount} entr${d.outOfSetCount === 1 ? 'y' : 'ies'} not in the slate` : '',
          ]
            .filter(Boolean)
            .join(', ');
    const cut = finishReason === 'length' ? ' (the answer was cut at maxTokens)' : '';
    return finish('fallback', identity, { ...base, reason: `unusable output: ${what}${cut}`, repaired: false });
  }
  for (let i = 0; i < K; i++) if (!seen.has(i)) order.push(i);
  return finish('model', order, { ...base, repaired: true });
}
