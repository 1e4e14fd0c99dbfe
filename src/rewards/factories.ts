/**
 * Batch {@link Reward} factories for GR2: format Ω, rank promotion, the naive and the conditional P1 rewards, TR's
 * slate AUC / NDCG rewards (Ω-gated, with identity zeroing), DAPO's overlong penalty and TR's compressor reward.
 * Each factory returns a synchronous reward with a stable `name`.
 *
 * @packageDocumentation
 */
import { assertFiniteNumber, rangeError, raw, typeError } from '../errors.js';
import { checkArray, checkOptionsObject, checkRerankSample } from '../validate.js';
import {
  indexCandidates,
  parseRerankOutput,
  type CandidateIndex,
  type ParseRerankOptions,
  type RerankParseResult,
} from '../prompt/parse_output.js';
import { toTokenMatrix, type TokenMatrixLike } from '../rl/tokens.js';
import {
  compressorScore,
  conditionalCore,
  labelsToMap,
  overlongPenalty,
  resolveAlphaVariant,
  resolveSlate,
  slateScoreOf,
  type CompressorJudgement,
  type CompressorRewardOptions,
  type P1RewardOptions,
  type SlateRewardOptions,
} from './scorers.js';
import { defineReward, type RerankSample, type RewardValue, type SyncReward } from './types.js';

/**
 * Options shared by the rewards that parse the completion. By default Ω is the paper's format reward (P1 §6.2, TR
 * §6.4): the completion is one JSON answer (optionally after a `<think>` block or inside a code fence) with a
 * non-empty reasoning field (a `<think>` block alone does not count) and a ranked list of the candidates' SIDs that is a permutation of them — no numeric
 * indices, no RankGPT chain, no prose around the answer.
 */
export interface ParsingRewardOptions {
  /**
   * The reasoning-free variant of TR §9.4 (the deployed model emits the ranking only): Ω does not require a
   * reasoning trace. Everything else stays as strict.
   * @defaultValue `false` (reasoning required, as the paper's Ω)
   */
  readonly reasoningFree?: boolean;
  /**
   * Parser options layered over the paper's Ω (the mode is always `'strict'`): key names, SID spec, or — as our
   * own, looser variants — `formats`, `allowIndices`, `allowExtraText`, `requireReasoning`.
   * @defaultValue `{}` (the paper's Ω: `formats: ['json']`, `requireReasoning: 'json'`, `allowIndices: false`,
   *   `allowExtraText: false`)
   */
  readonly parse?: Omit<ParseRerankOptions, 'mode'>;
}

/** The paper's Ω as parser options (P1 §6.2, TR §6.4). */
const PAPER_OMEGA: ParseRerankOptions = Object.freeze({
  mode: 'strict' as const,
  formats: Object.freeze(['json'] as const),
  requireReasoning: 'json',
  allowIndices: false,
  allowExtraText: false,
});
/** TR §9.4's reasoning-free Ω. */
const REASONING_FREE_OMEGA: ParseRerankOptions = Object.freeze({ ...PAPER_OMEGA, requireReasoning: false });

/** A cached parse and the inputs it was computed from (a cache hit must match them: samples may be mutated). */
interface CachedParse {
  readonly completion: unknown;
  readonly candidates: unknown;
  /**
   * The candidate index the parse used. `indexCandidates` returns the same index for an array only while its
   * contents are unchanged (it keeps its own snapshot), so an array mutated in place gets a new index: a miss.
   */
  readonly index: CandidateIndex;
  readonly result: RerankParseResult;
}
const parseCache = new WeakMap<object, Map<object, CachedParse>>();
const omegaOf = new WeakMap<object, { reasoningFree: boolean; fields: Record<string, unknown>; resolved: ParseRerankOptions }>();

/** Whether `parse` still has the fields it had when resolved (an options object may be mutated). */
function sameFields(parse: object, fields: Record<string, unknown>): boolean {
  const keys = Object.keys(parse);
  if (keys.length !== Object.keys(fields).length) return false;
  for (const k of keys) if ((parse as Record<string, unknown>)[k] !== fields[k]) return false;
  return true;
}

/** @internal The strict parser options of Ω for `options` (the paper's by default), one frozen object per option set. */
export function omegaOptions(fn: string, options: ParsingRewardOptions | undefined): ParseRerankOptions {
  if (options === undefined) return PAPER_OMEGA;
  if (options === null || typeof options !== 'object') throw typeError(fn, 'options', 'an object', options);
  const reasoningFree = options.reasoningFree ?? false;
  if (typeof reasoningFree !== 'boolean') throw typeError(fn, 'options.reasoningFree', 'a boolean', reasoningFree);
  const base = reasoningFree ? REASONING_FREE_OMEGA : PAPER_OMEGA;
  const parse = options.parse;
  if (parse === undefined) return base;
  if (parse === null || typeof parse !== 'object') throw typeError(fn, 'options.parse', 'an object', parse);
  const hit = omegaOf.get(parse);
  if (hit && hit.reasoningFree === reasoningFree && sameFields(parse, hit.fields)) return hit.resolved;
  const resolved = Object.freeze({ ...base, ...parse, mode: 'strict' as const });
  omegaOf.set(parse, { reasoningFree, fields: { ...parse }, resolved });
  return resolved;
}

/** Whether `candidates` is the array a parse was computed from, with the same contents. */
function sameCandidates(hit: CachedParse, candidates: readonly string[], opts: ParseRerankOptions): boolean {
  return hit.candidates === candidates && indexCandidates(candidates, opts.spec) === hit.index;
}

function parseOne(sample: RerankSample, opts: ParseRerankOptions): CachedParse {
  const candidates = sample.candidates;
  const index = indexCandidates(candidates, opts.spec);
  return { completion: sample.completion, candidates, index, result: parseRerankOutput(sample.completion, index, opts) };
}

/**
 * Ω's strict parse of a sample's completion against its candidates (the paper's Ω by default, see
 * {@link ParsingRewardOptions}), cached per (sample object, option set) so that several rewards over the same batch
 * parse each completion once. A cached parse is reused only while the sample still holds the same `completion` and
 * the same `candidates` array with the same contents (an array mutated in place is parsed again).
 *
 * @param sample - The sample.
 * @param options - Ω's options. @defaultValue `{}` (the paper's Ω)
 * @returns The parse result; `valid` is Ω.
 * @throws TypeError / RangeError on invalid candidates (duplicates, non-strings) or options.
 * @example
 * ```ts
 * parseSample(sample).valid; // Ω(o) as a boolean
 * ```
 */
export function parseSample(sample: RerankSample, options?: ParsingRewardOptions): RerankParseResult {
  checkRerankSample('parseSample', 'sample', sample);
  const opts = omegaOptions('parseSample', options);
  let perSample = parseCache.get(sample);
  const hit = perSample?.get(opts);
  if (hit && hit.completion === sample.completion && sameCandidates(hit, sample.candidates, opts)) return hit.result;
  const entry = parseOne(sample, opts);
  if (!perSample) {
    perSample = new Map();
    parseCache.set(sample, perSample);
  }
  perSample.set(opts, entry);
  return entry.result;
}

/** A cached batch parse and the samples it was computed from. */
interface CachedBatch {
  readonly samples: readonly RerankSample[];
  readonly entries: readonly CachedParse[];
  readonly results: RerankParseResult[];
}
const batchCache = new WeakMap<object, Map<object, CachedBatch>>();

function batchStillValid(hit: CachedBatch, samples: readonly RerankSample[], opts: ParseRerankOptions): boolean {
  if (hit.samples.length !== samples.length) return false;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    const e = hit.entries[i]!;
    if (s !== hit.samples[i] || s.completion !== e.completion || !sameCandidates(e, s.candidates, opts)) return false;
  }
  return true;
}

/**
 * Ω's strict parses of a whole batch, cached per (samples array, option set): every built-in reward called on the
 * same array — e.g. the terms of `combineRewards` — parses each completion once. One cache entry per batch keeps the
 * garbage collector's weak-map work small (a per-sample cache costs more than the parse itself at 100k samples).
 * A cached entry is reused only when every element is still the same sample object with the same `completion` and
 * the same `candidates` array holding the same candidates (a trainer may refill arrays in place); otherwise the
 * batch is parsed again.
 *
 * @param samples - The batch.
 * @param options - Ω's options. @defaultValue `{}` (the paper's Ω)
 * @returns One parse result per sample.
 * @throws TypeError / RangeError on invalid candidates (duplicates, non-strings) or options.
 * @example
 * ```ts
 * parseBatch(samples).map((r) => r.valid); // Ω per sample
 * ```
 */
export function parseBatch(samples: readonly RerankSample[], options?: ParsingRewardOptions): RerankParseResult[] {
  checkArray('parseBatch', 'samples', samples, 'an array of rerank samples');
  for (let i = 0; i < samples.length; i++) checkRerankSample('parseBatch', `samples[${i}]`, samples[i]);
  return parseBatchWith(samples, omegaOptions('parseBatch', options));
}

function parseBatchWith(samples: readonly RerankSample[], opts: ParseRerankOptions): RerankParseResult[] {
  let perBatch = batchCache.get(samples);
  const hit = perBatch?.get(opts);
  if (hit && batchStillValid(hit, samples, opts)) return hit.results;
  const entries = samples.map((s) => parseOne(s, opts));
  const results = entries.map((e) => e.result);
  if (!perBatch) {
    perBatch = new Map();
    batchCache.set(samples, perBatch);
  }
  perBatch.set(opts, { samples: samples.slice(), entries, results });
  return results;
}

/**
 * 0-based input index of a sample's target: `sample.target` when given, else the candidate with the highest
 * relevance > 0 (first in input order on ties); -1 when there is none.
 *
 * @param sample - The sample.
 * @returns The index or -1.
 * @example
 * ```ts
 * targetIndexOf({ prompt: '', completion: '', candidates: ['a', 'b'], relevance: { b: 1 } }); // 1
 * ```
 */
export function targetIndexOf(sample: RerankSample): number {
  checkRerankSample('targetIndexOf', 'sample', sample);
  return targetIndexUnchecked(sample);
}

/** {@link targetIndexOf} of a sample already checked. */
function targetIndexUnchecked(sample: RerankSample): number {
  if (sample.target !== undefined) return sample.candidates.indexOf(sample.target);
  const labels = labelsUnchecked(sample);
  let best = -1;
  let bestV = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! > bestV) {
      bestV = labels[i]!;
      best = i;
    }
  }
  return best;
}

/**
 * Labels of a sample's candidates in input order: `relevance[c]` for an own property `c` of `relevance`, else 0.
 *
 * @param sample - The sample.
 * @returns One label per candidate.
 * @example
 * ```ts
 * labelsOf({ prompt: '', completion: '', candidates: ['a', 'b'], relevance: { b: 2 } }); // [0, 2]
 * ```
 */
export function labelsOf(sample: RerankSample): number[] {
  checkRerankSample('labelsOf', 'sample', sample);
  return labelsUnchecked(sample);
}

/**
 * {@link labelsOf} of a sample already checked: the own properties of `relevance`, each placed at the candidates
 * equal to its key (one pass over the few keys instead of a megamorphic lookup per candidate).
 */
function labelsUnchecked(sample: RerankSample): number[] {
  const c = sample.candidates;
  const rel = sample.relevance as Readonly<Record<string, number>>;
  const labels = new Array<number>(c.length).fill(0);
  const keys = Object.keys(rel);
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    const v = rel[key] ?? 0;
    for (let i = c.indexOf(key); i >= 0; i = c.indexOf(key, i + 1)) labels[i] = v;
  }
  return labels;
}

function checkSamples(name: string, samples: unknown): asserts samples is readonly RerankSample[] {
  if (!Array.isArray(samples)) throw typeError(name, 'samples', 'an array of samples', samples);
  for (let i = 0; i < samples.length; i++) checkRerankSample(name, `samples[${i}]`, samples[i]);
}

/**
 * The format reward Ω(o) ∈ {0, 1} (P1 §6.2, TR §6.4): 1 iff the completion is a JSON answer with a non-empty
 * reasoning trace and a ranked list of the candidates' SIDs that is a permutation of them (see
 * {@link ParsingRewardOptions} for the reasoning-free variant and our looser options).
 *
 * @param options - See {@link ParsingRewardOptions}.
 * @returns A reward named `'format'`.
 * @example
 * ```ts
 * const c = { prompt: '', candidates: ['x', 'y'], relevance: {} };
 * createFormatReward()([{ ...c, completion: '{"explanation": "y first", "recommendations": ["y", "x"]}' }]); // [1]
 * createFormatReward()([{ ...c, completion: '{"recommendations": ["y", "x"]}' }]); // [0] (no reasoning)
 * createFormatReward({ reasoningFree: true })([{ ...c, completion: '{"recommendations": ["y", "x"]}' }]); // [1]
 * ```
 */
export function createFormatReward(options: ParsingRewardOptions = {}): SyncReward {
  checkOptionsObject('createFormatReward', options);
  const opts = omegaOptions('createFormatReward', options);
  return defineReward('format', (samples: readonly RerankSample[]): RewardValue[] => {
    checkSamples('format', samples);
    return parseBatchWith(samples, opts).map((r) => (r.valid ? 1 : 0));
  });
}

function p1Reward(
  name: string,
  options: P1RewardOptions & ParsingRewardOptions,
  score: (pre: number, out: number, n: number) => number,
): SyncReward {
  const invalid = options.invalidReward ?? -1;
  assertFiniteNumber(name, 'options.invalidReward', invalid);
  const opts = omegaOptions(name, options);
  return defineReward(name, (samples: readonly RerankSample[]): RewardValue[] => {
    checkSamples(name, samples);
    const parsed = parseBatchWith(samples, opts);
    return samples.map((s, i) => {
      const t = targetIndexUnchecked(s);
      if (t < 0) return null;
      const r = parsed[i]!;
      if (!r.valid || r.order === null) return invalid;
      const out = r.order.indexOf(t) + 1;
      return score(t + 1, out, s.candidates.length);
    });
  });
}

/**
 * Batch rank-promotion reward R_rank = (r^D − r^o)/|D| (P1 §6.1); `invalidReward` for invalid output; `null` when the
 * sample has no target.
 *
 * @param options - `invalidReward` (default −1) and parser options.
 * @returns A reward named `'rank_promotion'`.
 * @throws RangeError if `options.invalidReward` is not finite.
 * @example
 * ```ts
 * createRankPromotionReward()(samples); // e.g. [0.3, -0.1, -1, null]
 * ```
 */
export function createRankPromotionReward(options: Pick<P1RewardOptions, 'invalidReward'> & ParsingRewardOptions = {}): SyncReward {
  checkOptionsObject('createRankPromotionReward', options);
  return p1Reward('rank_promotion', options, (pre, out, n) => (pre - out) / n);
}

/**
 * Batch **naive** P1 reward R_rank + α·Ω (P1 §6.3) — hackable by copying the input order; for audits and ablations.
 *
 * @param options - `alpha` (0.2), `invalidReward` (−1), parser options.
 * @returns A reward named `'naive_rank_format'`.
 * @throws RangeError on non-finite options.
 * @example
 * ```ts
 * createNaiveReward()([copyOfInputSample]); // [0.2]
 * ```
 */
export function createNaiveReward(options: Omit<P1RewardOptions, 'variant'> & ParsingRewardOptions = {}): SyncReward {
  checkOptionsObject('createNaiveReward', options);
  const { alpha } = resolveAlphaVariant('createNaiveReward', options);
  return p1Reward('naive_rank_format', options, (pre, out, n) => (pre - out) / n + alpha);
}

/**
 * Batch **conditional verifiable reward** of GR2 (P1 §6.3): R_rank + α only when the target was promoted or already
 * first (strict: and kept first), R_rank otherwise, `invalidReward` for invalid output, `null` without a target.
 *
 * @param options - `alpha` (0.2), `variant` ('strict'), `invalidReward` (−1), parser options.
 * @returns A reward named `'conditional_verifiable'`.
 * @throws RangeError on invalid options.
 * @example
 * ```ts
 * createConditionalReward()([copyOfInputSample, promoted3to1Sample]); // [0, 0.4]
 * ```
 */
export function createConditionalReward(options: P1RewardOptions & ParsingRewardOptions = {}): SyncReward {
  checkOptionsObject('createConditionalReward', options);
  const o = resolveAlphaVariant('createConditionalReward', options);
  return p1Reward('conditional_verifiable', options, (pre, out, n) => conditionalCore(pre, out, n, o));
}

/**
 * Batch slate ranking reward of the Technical Report, Ω-gated: AUC (Eq. 5) or graded NDCG (Eq. 6) of the output
 * permutation, `invalidReward` (0) for invalid output, `null` when AUC is undefined. With `alpha` and
 * `identityZeroing` this is TR's conditional reward (Eq. 7); see {@link createConditionalSlateReward}.
 *
 * @param options - {@link SlateRewardOptions} (here `alpha` defaults to 0 and `identityZeroing` to false) and parser
 *   options.
 * @returns A reward named `'slate_auc'` or `'slate_ndcg'`.
 * @throws RangeError on invalid options.
 * @example
 * ```ts
 * createSlateReward({ metric: 'ndcg' })(samples); // e.g. [0.9639, 0]
 * ```
 */
export function createSlateReward(options: SlateRewardOptions & ParsingRewardOptions = {}): SyncReward {
  checkOptionsObject('createSlateReward', options);
  const o = resolveSlate('createSlateReward', {
    ...options,
    alpha: options.alpha ?? 0,
    identityZeroing: options.identityZeroing ?? false,
  });
  return slateReward(`slate_${o.metric}`, o, omegaOptions('createSlateReward', options));
}

/**
 * Batch **conditional verifiable reward of the Technical Report** (TR Eq. 7): Ω-gated AUC/NDCG + α, with the
 * ranking credit removed (reward α) when the output copies the input order and that order was not already optimal.
 *
 * @param options - {@link SlateRewardOptions} (metric 'auc', α 0.2, identity zeroing on, invalid 0) and parser options.
 * @returns A reward named `'conditional_slate_auc'` or `'conditional_slate_ndcg'`.
 * @throws RangeError on invalid options.
 * @example
 * ```ts
 * createConditionalSlateReward()([identityOutputWithLabels_0_1_0]); // [0.2]
 * ```
 */
export function createConditionalSlateReward(options: SlateRewardOptions & ParsingRewardOptions = {}): SyncReward {
  checkOptionsObject('createConditionalSlateReward', options);
  const o = resolveSlate('createConditionalSlateReward', options);
  return slateReward(`conditional_slate_${o.metric}`, o, omegaOptions('createConditionalSlateReward', options));
}

function slateReward(name: string, o: ReturnType<typeof resolveSlate>, opts: ParseRerankOptions): SyncReward {
  return defineReward(name, (samples: readonly RerankSample[]): RewardValue[] => {
    checkSamples(name, samples);
    const parsed = parseBatchWith(samples, opts);
    return samples.map((s, i) => {
      const r = parsed[i]!;
      return slateScoreOf(r.valid ? r.order : null, labelsToMap(name, labelsUnchecked(s)), s.candidates.length, o);
    });
  });
}

/** Options of {@link createOverlongPenalty}. Lengths are in tokens. */
export interface OverlongPenaltyOptions {
  /**
   * L_max in tokens.
   * @defaultValue `1024` (digest §5.2 suggestion for GR2's short reasoning)
   */
  readonly maxLength?: number;
  /**
   * L_cache in tokens.
   * @defaultValue `256`
   */
  readonly cacheLength?: number;
  /**
   * Penalty scale.
   * @defaultValue `1`
   */
  readonly factor?: number;
  /**
   * Counts the tokens of a completion, for samples without `completionLength` — e.g.
   * `(text) => tokenizer.encode(text).length` with the policy's tokenizer.
   * @defaultValue none: a sample without `completionLength` is an error (characters are not tokens)
   */
  readonly countTokens?: (completion: string) => number;
}

/**
 * Batch DAPO soft overlong punishment (DAPO Eq. 13) — see {@link overlongPenalty}. The length L of a sample is in
 * tokens: `sample.completionLength` when present, else `countTokens(sample.completion)`; without either the reward
 * throws rather than guess from characters (a 1,200-character GR2 answer is ~300 tokens, not 1,200).
 * DAPO's alternative, overlong filtering (truncated samples masked out of the loss), is {@link overlongFilterMask}.
 *
 * @param options - See {@link OverlongPenaltyOptions}.
 * @returns A reward named `'overlong_penalty'`.
 * @throws RangeError if the lengths are invalid; the reward throws TypeError naming `samples[i].completionLength`
 *   when a sample has no token length and no `countTokens` was given, RangeError when a length is negative.
 * @example
 * ```ts
 * createOverlongPenalty({ maxLength: 20480, cacheLength: 4096 })([{ …, completionLength: 18000 }]); // [-0.3945]
 * createOverlongPenalty({ countTokens: (t) => tokenizer.encode(t).length })(samples);
 * ```
 */
export function createOverlongPenalty(options: OverlongPenaltyOptions = {}): SyncReward {
  checkOptionsObject('createOverlongPenalty', options);
  const fn = 'createOverlongPenalty';
  if (options === null || typeof options !== 'object') throw typeError(fn, 'options', 'an object', options);
  const maxLength = options.maxLength ?? 1024;
  const cacheLength = options.cacheLength ?? 256;
  const factor = options.factor ?? 1;
  overlongPenalty(0, maxLength, cacheLength, factor); // validates
  const countTokens = options.countTokens;
  if (countTokens !== undefined && typeof countTokens !== 'function') throw typeError(fn, 'options.countTokens', 'a function', countTokens);
  const name = 'overlong_penalty';
  const tokensOf = (s: RerankSample, i: number): number => {
    if (s.completionLength !== undefined) return s.completionLength;
    if (countTokens === undefined) {
      throw typeError(name, `samples[${i}].completionLength`, 'a token count', undefined, 'Set it on the sample, or pass options.countTokens (a tokenizer); characters are not tokens.');
    }
    if (typeof s.completion !== 'string') throw typeError(name, `samples[${i}].completion`, 'a string', s.completion);
    return countTokens(s.completion);
  };
  return defineReward(name, (samples: readonly RerankSample[]): RewardValue[] => {
    checkSamples(name, samples);
    return samples.map((s, i) => overlongPenalty(tokensOf(s, i), maxLength, cacheLength, factor));
  });
}

/**
 * DAPO's overlong filtering (DAPO §3.4, the alternative to the soft punishment): the loss mask with every token of
 * a truncated sample — one that hit the generation budget (finish reason `'length'`) — set to 0, so truncated
 * samples contribute nothing to the loss (their rewards still count in the group statistics). Pass the result as
 * the `mask` of a `gr2/rl` policy loss.
 *
 * @param mask - `[batch, seqLen]` 0/1 loss mask (`number[][]` or `{data, shape}`).
 * @param truncated - `[batch]` whether each sample was truncated.
 * @returns `{data, shape: [batch, seqLen]}`, a new Float64Array mask.
 * @throws TypeError / RangeError when `truncated` is not one boolean per row or `mask` is malformed.
 * @example
 * ```ts
 * overlongFilterMask([[1, 1, 0], [1, 1, 1]], [false, true]).data; // Float64Array [1, 1, 0, 0, 0, 0]
 * ```
 */
export function overlongFilterMask(mask: TokenMatrixLike, truncated: readonly boolean[]): { data: Float64Array; shape: [number, number] } {
  const fn = 'overlongFilterMask';
  const m = toTokenMatrix(mask, 'mask', fn, 'float64');
  if (!Array.isArray(truncated)) throw typeError(fn, 'truncated', 'an array of booleans', truncated);
  if (truncated.length !== m.rows) throw rangeError(fn, 'truncated', `of length batch = ${m.rows}`, raw(`length ${truncated.length}`));
  const data = Float64Array.from(m.data);
  for (let b = 0; b < m.rows; b++) {
    const t = truncated[b];
    if (typeof t !== 'boolean') throw typeError(fn, `truncated[${b}]`, 'a boolean', t);
    if (t) data.fill(0, b * m.cols, (b + 1) * m.cols);
  }
  return { data, shape: [m.rows, m.cols] };
}

/**
 * Batch context-compressor reward (TR Eq. 10–11) over judged samples — see {@link compressorScore}.
 *
 * @param options - See {@link CompressorRewardOptions}.
 * @returns A reward over {@link CompressorJudgement} samples, named `'compressor'`.
 * @throws TypeError / RangeError on invalid judgements.
 * @example
 * ```ts
 * createCompressorReward()([{ solvable: true, preservation: 6, quality: 9, originalLength: 1000, compressedLength: 180 }]);
 * // [0.83]
 * ```
 */
export function createCompressorReward<S extends CompressorJudgement = CompressorJudgement>(
  options: CompressorRewardOptions = {},
): SyncReward<S> {
  compressorScore({ solvable: true, preservation: 1, quality: 1, originalLength: 1, compressedLength: 0 }, options);
  return defineReward('compressor', (samples: readonly S[]): RewardValue[] => {
    if (!Array.isArray(samples)) throw typeError('compressor', 'samples', 'an array', samples);
    return samples.map((s) => compressorScore(s, options));
  });
}
