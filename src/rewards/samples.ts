/**
 * Building reward samples from data slates, and rendering completions in GR2's answer format.
 *
 * @packageDocumentation
 */
import type { Slate } from '../data/types.js';
import { rangeError, typeError, checkOptions } from '../errors.js';
import { DEFAULT_SID_SPEC, renderSid, type SidSpec } from '../sid/sid_string.js';
import type { RerankSample } from './types.js';

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
   * SID format used to render codes.
   * @defaultValue `DEFAULT_SID_SPEC`
   */
  readonly spec?: SidSpec;
  /**
   * Completion of each sample (a rollout to score); a function receives the slate and its candidate SIDs.
   * @defaultValue `''`
   */
  readonly completion?: string | ((slate: Slate, candidates: readonly string[]) => string);
  /**
   * Prompt of each sample.
   * @defaultValue `''`
   */
  readonly prompt?: string | ((slate: Slate, candidates: readonly string[]) => string);
}

/**
 * Turns data slates (integer item ids) into {@link RerankSample}s whose candidates are SID strings as they appear in
 * model output, with `relevance` keyed by SID and `target` set for single-target slates.
 *
 * @param slates - Slates from `gr2/data` (`buildSlates`).
 * @param options - See {@link SamplesFromSlatesOptions}.
 * @returns One sample per slate.
 * @throws TypeError if `slates` is not an array; RangeError when two candidates of a slate map to the same SID or
 *   `relevance` does not match `candidates` in length.
 * @example
 * ```ts
 * const [s] = samplesFromSlates([{ user: 1, history: [], candidates: [5, 9], relevance: [0, 1], target: 9,
 *   targetRank: 2, targetRetrieved: true }]);
 * s.candidates[1]; // '<|sid_begin|><s_a_0><s_b_0><s_c_0><s_d_9><|sid_end|>'
 * s.target === s.candidates[1]; // true
 * ```
 */
export function samplesFromSlates(slates: readonly Slate[], options: SamplesFromSlatesOptions = {}): RerankSample[] {
  const fn = 'samplesFromSlates';
  if (!Array.isArray(slates)) throw typeError(fn, 'slates', 'an array of slates', slates);
  checkOptions(fn, options, ['sidOf', 'spec', 'completion', 'prompt']);
  const sidOf = options.sidOf ?? base256Sid;
  const spec = options.spec ?? DEFAULT_SID_SPEC;
  const completion = options.completion ?? '';
  const prompt = options.prompt ?? '';
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
  return slates.map((slate, si) => {
    if (slate === null || typeof slate !== 'object' || !Array.isArray(slate.candidates)) {
      throw typeError(fn, `slates[${si}]`, 'a Slate', slate);
    }
    if (!Array.isArray(slate.relevance) || slate.relevance.length !== slate.candidates.length) {
      throw rangeError(fn, `slates[${si}].relevance`, 'aligned with candidates', slate.relevance);
    }
    const candidates = Object.freeze(slate.candidates.map(sidText));
    if (new Set(candidates).size !== candidates.length) {
      throw rangeError(fn, `slates[${si}].candidates`, 'mapped to distinct SIDs by sidOf', candidates.length);
    }
    const relevance: Record<string, number> = {};
    (slate.relevance as readonly number[]).forEach((g: number, i: number) => {
      if (g > 0) relevance[candidates[i]!] = g;
    });
    const target = slate.target !== null && slate.target !== undefined ? sidText(slate.target) : undefined;
    const sample: RerankSample = {
      prompt: typeof prompt === 'function' ? prompt(slate, candidates) : prompt,
      completion: typeof completion === 'function' ? completion(slate, candidates) : completion,
      candidates,
      relevance: Object.freeze(relevance),
      ...(target !== undefined && candidates.includes(target) ? { target } : {}),
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
   * @defaultValue `'explanation'`
   */
  readonly reasoningKey?: string;
  /**
   * Key of the ranking field.
   * @defaultValue `'recommendations'`
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
export function renderRerankCompletion(ranking: readonly string[], options: RenderCompletionOptions = {}): string {
  if (!Array.isArray(ranking)) throw typeError('renderRerankCompletion', 'ranking', 'an array of strings', ranking);
  for (let i = 0; i < ranking.length; i++) {
    if (typeof ranking[i] !== 'string') throw typeError('renderRerankCompletion', `ranking[${i}]`, 'a string', ranking[i]);
  }
  if (options === null || typeof options !== 'object') throw typeError('renderRerankCompletion', 'options', 'an options object or undefined', options);
  const explanation = options.explanation === undefined ? '…' : options.explanation;
  const obj: Record<string, unknown> = {};
  if (explanation !== null) obj[options.reasoningKey ?? 'explanation'] = explanation;
  obj[options.rankingKey ?? 'recommendations'] = ranking;
  const json = JSON.stringify(obj);
  return options.think === undefined ? json : `<think>${options.think}</think>\n${json}`;
}
