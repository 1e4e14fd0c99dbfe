/**
 * Building reward samples (with their real GR2 prompt) from data slates, and rendering completions in GR2's answer
 * format.
 *
 * @packageDocumentation
 */
import type { Slate } from '../data/types.js';
import { checkOptions, rangeError, typeError } from '../errors.js';
import type { RerankSample } from '../rewards/types.js';
import { DEFAULT_SID_SPEC, renderSid, type SidSpec } from '../sid/sid_string.js';
import { RERANK_ANSWER_KEYS } from './parse_output.js';
import { buildRerankPrompt, type RerankPromptOptions } from './rerank_prompt.js';
import type { ChatMessage, RerankItem } from './types.js';

/**
 * The default item → SID map of {@link samplesFromSlates}: the 4 base-256 digits of the item id (big-endian), an
 * injective map for ids in `[0, 2^32)`. Real pipelines pass their tokenizer's SIDs instead (`sidOf`).
 *
 * @param itemId - A non-negative integer below 2^32.
 * @returns 4 codes in [0, 255].
 * @throws RangeError if `itemId` is out of range.
 * @example
 * ```ts
 * base256Sid(258); // [0, 0, 1, 2]
 * ```
 */
export function base256Sid(itemId: number): number[] {
  if (typeof itemId !== 'number') throw typeError('base256Sid', 'itemId', 'a number', itemId);
  if (!Number.isInteger(itemId) || itemId < 0 || itemId >= 2 ** 32) {
    throw rangeError('base256Sid', 'itemId', 'an integer in [0, 2^32)', itemId);
  }
  return [(itemId >>> 24) & 255, (itemId >>> 16) & 255, (itemId >>> 8) & 255, itemId & 255];
}

/** Options of {@link samplesFromSlates}. */
export interface SamplesFromSlatesOptions {
  /**
   * SID of an item: its codes, or its SID string (a `SidIndex`-like lookup of the caller).
   * @defaultValue {@link base256Sid}
   */
  readonly sidOf?: (itemId: number) => readonly number[] | string;
  /**
   * SID format used to render codes (also the prompt's `spec` unless `promptOptions.spec` is given).
   * @defaultValue `DEFAULT_SID_SPEC`
   */
  readonly spec?: SidSpec;
  /**
   * Completion of each sample (a rollout to score); a function receives the slate and its candidate SIDs (prompt
   * order).
   * @defaultValue `''`
   */
  readonly completion?: string | ((slate: Slate, candidates: readonly string[]) => string);
  /**
   * A prompt of your own instead of GR2's (then `messages` is `[{role: 'user', content: prompt}]`).
   * @defaultValue the real prompt of {@link buildRerankPrompt}
   */
  readonly prompt?: string | ((slate: Slate, candidates: readonly string[]) => string);
  /**
   * Item metadata shown in the prompt (title, categories, attributes), `undefined` when there is none.
   * @defaultValue no metadata (SIDs only)
   */
  readonly itemOf?: (itemId: number) => Omit<RerankItem, 'id' | 'sid'> | undefined;
  /**
   * Options of {@link buildRerankPrompt} (with `shuffle`, `candidates` follow the prompt order).
   * @defaultValue `{}`
   */
  readonly promptOptions?: RerankPromptOptions;
}

/** A reward sample that carries the chat messages of its prompt and the map back to pre-rank order. */
export interface PromptedRerankSample extends RerankSample {
  /** The prompt's chat messages; `prompt` is their contents joined by blank lines. */
  readonly messages: readonly ChatMessage[];
  /** `order[i]` = pre-rank index of `candidates[i]` (identity unless the prompt shuffles). */
  readonly order: readonly number[];
}

const SAMPLES_KEYS = ['sidOf', 'spec', 'completion', 'prompt', 'itemOf', 'promptOptions'] as const;

/**
 * Turns data slates (integer item ids) into reward samples that carry their real GR2 prompt
 * ({@link buildRerankPrompt}): candidates are SID strings as they appear in model output (in prompt order),
 * `relevance` is keyed by SID and `target` is set for single-target slates.
 *
 * @param slates - Slates from `gr2/data` (`buildSlates`).
 * @param options - See {@link SamplesFromSlatesOptions}.
 * @returns One sample per slate.
 * @throws TypeError if `slates` is not an array or a slate is malformed; RangeError when two candidates of a slate
 *   map to the same SID, `relevance` does not match `candidates` in length, or (without a custom `prompt`) `sidOf`
 *   returns a string that is not a SID of the spec.
 * @example
 * ```ts
 * const [s] = samplesFromSlates([{ user: 1, history: [3], candidates: [5, 9], relevance: [0, 1], target: 9,
 *   targetRank: 2, targetRetrieved: true }]);
 * s.candidates[1]; // '<|sid_begin|><s_a_0><s_b_0><s_c_0><s_d_9><|sid_end|>'
 * s.target === s.candidates[1]; // true
 * s.messages[0].role; // 'system'
 * ```
 */
export function samplesFromSlates(slates: readonly Slate[], options?: SamplesFromSlatesOptions): PromptedRerankSample[] {
  const fn = 'samplesFromSlates';
  if (!Array.isArray(slates)) throw typeError(fn, 'slates', 'an array of slates', slates);
  const o = checkOptions(fn, options, SAMPLES_KEYS);
  const sidOf = o.sidOf ?? base256Sid;
  if (typeof sidOf !== 'function') throw typeError(fn, 'options.sidOf', 'a function', sidOf);
  const itemOf = o.itemOf;
  if (itemOf !== undefined && typeof itemOf !== 'function') throw typeError(fn, 'options.itemOf', 'a function', itemOf);
  const spec = o.spec ?? DEFAULT_SID_SPEC;
  const completion = o.completion ?? '';
  const prompt = o.prompt;
  const po = o.promptOptions;
  if (po !== undefined && (po === null || typeof po !== 'object' || Array.isArray(po))) {
    throw typeError(fn, 'options.promptOptions', 'an options object of buildRerankPrompt', po);
  }
  const promptOptions: RerankPromptOptions = { spec, ...po };
  const cache = new Map<number, string>();
  const sidText = (id: number): string => {
    let s = cache.get(id);
    if (s === undefined) {
      const v = sidOf(id);
      s = typeof v === 'string' ? v : renderSid(v, spec);
      cache.set(id, s);
    }
    return s;
  };
  const item = (id: number): RerankItem => {
    const meta = itemOf?.(id);
    return meta === undefined ? { id, sid: sidText(id) } : { ...meta, id, sid: sidText(id) };
  };
  return slates.map((slate, si) => {
    if (slate === null || typeof slate !== 'object' || !Array.isArray(slate.candidates) || !Array.isArray(slate.history)) {
      throw typeError(fn, `slates[${si}]`, 'a Slate', slate);
    }
    if (!Array.isArray(slate.relevance) || slate.relevance.length !== slate.candidates.length) {
      throw rangeError(fn, `slates[${si}].relevance`, 'aligned with candidates', slate.relevance);
    }
    const preRank: string[] = (slate.candidates as readonly number[]).map(sidText);
    if (new Set(preRank).size !== preRank.length) {
      throw rangeError(fn, `slates[${si}].candidates`, 'mapped to distinct SIDs by sidOf', preRank.length);
    }
    let messages: ChatMessage[];
    let order: number[];
    let candidates: readonly string[];
    if (prompt === undefined) {
      const p = buildRerankPrompt({ history: slate.history.map(item), candidates: slate.candidates.map(item) }, promptOptions);
      messages = p.messages;
      order = p.order;
      // the caller's SID strings, in prompt order (the parser matches them by codes whatever the spacing)
      candidates = Object.freeze(order.map((i) => preRank[i]!));
    } else {
      order = preRank.map((_, i) => i);
      candidates = Object.freeze(preRank);
      const text = typeof prompt === 'function' ? prompt(slate, candidates) : prompt;
      if (typeof text !== 'string') throw typeError(fn, 'options.prompt', 'a string or a function returning a string', text);
      messages = [{ role: 'user', content: text }];
    }
    const relevance: Record<string, number> = {};
    (slate.relevance as readonly number[]).forEach((g: number, i: number) => {
      if (g > 0) relevance[preRank[i]!] = g;
    });
    const target = slate.target !== null && slate.target !== undefined ? sidText(slate.target) : undefined;
    const sample: PromptedRerankSample = {
      prompt: prompt === undefined ? messages.map((m) => m.content).join('\n\n') : messages[0]!.content,
      completion: typeof completion === 'function' ? completion(slate, candidates) : completion,
      candidates,
      relevance: Object.freeze(relevance),
      ...(target !== undefined && preRank.includes(target) ? { target } : {}),
      messages: Object.freeze(messages),
      order: Object.freeze(order),
    };
    return sample;
  });
}

/** Options of {@link renderRerankCompletion}. */
export interface RenderCompletionOptions {
  /**
   * Reasoning text; `null` renders the reasoning-free variant (ranking only).
   * @defaultValue `'…'`
   */
  readonly explanation?: string | null;
  /**
   * Key of the reasoning field.
   * @defaultValue `RERANK_ANSWER_KEYS.reasoning` (`'explanation'`)
   */
  readonly reasoningKey?: string;
  /**
   * Key of the ranking field.
   * @defaultValue `RERANK_ANSWER_KEYS.ranking` (`'recommendations'`)
   */
  readonly rankingKey?: string;
  /**
   * Text of a `<think>` block placed before the JSON (none when undefined).
   * @defaultValue `undefined`
   */
  readonly think?: string;
}

/**
 * Renders a completion in GR2's answer format: `{"explanation": …, "recommendations": [ids…]}` (JSON-escaped).
 *
 * @param ranking - Candidate ids (SID strings), best first.
 * @param options - See {@link RenderCompletionOptions}.
 * @returns The completion text.
 * @throws TypeError if `ranking` is not an array.
 * @example
 * ```ts
 * renderRerankCompletion(['A', 'B'], { explanation: null }); // '{"recommendations":["A","B"]}'
 * ```
 */
export function renderRerankCompletion(ranking: readonly string[], options?: RenderCompletionOptions): string {
  const fn = 'renderRerankCompletion';
  if (!Array.isArray(ranking)) throw typeError(fn, 'ranking', 'an array of strings', ranking);
  ranking.forEach((r, i) => {
    if (typeof r !== 'string') throw typeError(fn, `ranking[${i}]`, 'a string', r);
  });
  const o = checkOptions(fn, options, ['explanation', 'reasoningKey', 'rankingKey', 'think']);
  const explanation = o.explanation === undefined ? '…' : o.explanation;
  if (explanation !== null && typeof explanation !== 'string') throw typeError(fn, 'options.explanation', 'a string or null', explanation);
  if (o.think !== undefined && typeof o.think !== 'string') throw typeError(fn, 'options.think', 'a string', o.think);
  const reasoningKey = o.reasoningKey ?? RERANK_ANSWER_KEYS.reasoning;
  const rankingKey = o.rankingKey ?? RERANK_ANSWER_KEYS.ranking;
  if (typeof reasoningKey !== 'string') throw typeError(fn, 'options.reasoningKey', 'a string', reasoningKey);
  if (typeof rankingKey !== 'string' || rankingKey.length === 0) throw typeError(fn, 'options.rankingKey', 'a non-empty string', rankingKey);
  const obj: Record<string, unknown> = {};
  if (explanation !== null) obj[reasoningKey] = explanation;
  obj[rankingKey] = ranking;
  const json = JSON.stringify(obj);
  return o.think === undefined ? json : `<think>${o.think}</think>\n${json}`;
}
