/**
 * Batch {@link Reward} factories for GR2: format Ω, rank promotion, the naive and the conditional P1 rewards, TR's
 * slate AUC / NDCG rewards (Ω-gated, with identity zeroing), DAPO's overlong penalty and TR's compressor reward.
 * Each factory returns a synchronous reward with a stable `name`.
 *
 * @packageDocumentation
 */
import { assertFiniteNumber, typeError } from '../errors.js';
import { checkArray, checkOptionsObject, checkRerankSample } from '../validate.js';
import { indexCandidates, parseRerankOutput, type ParseRerankOptions, type RerankParseResult } from '../prompt/parse_output.js';
import {
  compressorReward,
  conditionalCore,
  labelsToMap,
  overlongPenalty,
  resolveAlphaVariant,
  resolveSlate,
  slateCore,
  type CompressorJudgement,
  type CompressorRewardOptions,
  type P1RewardOptions,
  type SlateRewardOptions,
} from './scorers.js';
import { defineReward, type RerankSample, type RewardValue, type SyncReward } from './types.js';

/** Options shared by the rewards that parse the completion. */
export interface ParsingRewardOptions {
  /**
   * Parser options (the mode is always `'strict'`): key names, accepted formats, `requireReasoning`, SID spec…
   * @defaultValue `{}` (JSON or RankGPT, reasoning optional)
   */
  readonly parse?: Omit<ParseRerankOptions, 'mode'>;
}

/** A cached parse and the inputs it was computed from (a cache hit must match them: samples may be mutated). */
interface CachedParse {
  readonly completion: unknown;
  readonly candidates: unknown;
  readonly result: RerankParseResult;
}
const parseCache = new WeakMap<object, Map<object, CachedParse>>();
const defaultParseCache = new WeakMap<object, CachedParse>();
const STRICT_DEFAULT: ParseRerankOptions = Object.freeze({ mode: 'strict' as const });
const strictOf = new WeakMap<object, ParseRerankOptions>();

/** Whether the frozen strict copy `s` (`{...parse, mode: 'strict'}`) still has the fields of `parse` (it may be mutated). */
function sameOptions(parse: Omit<ParseRerankOptions, 'mode'>, s: ParseRerankOptions): boolean {
  const keys = Object.keys(parse).filter((k) => k !== 'mode');
  if (keys.length !== Object.keys(s).length - 1) return false;
  for (const k of keys) if ((parse as Record<string, unknown>)[k] !== (s as unknown as Record<string, unknown>)[k]) return false;
  return true;
}

function strictOptions(parse: Omit<ParseRerankOptions, 'mode'> | undefined): ParseRerankOptions {
  if (parse === undefined) return STRICT_DEFAULT;
  let s = strictOf.get(parse);
  if (!s || !sameOptions(parse, s)) {
    s = Object.freeze({ ...parse, mode: 'strict' as const });
    strictOf.set(parse, s);
  }
  return s;
}

/**
 * Strict parse of a sample's completion against its candidates, cached per (sample object, parser options) so that
 * several rewards over the same batch parse each completion once. A cached parse is reused only while the sample
 * still holds the same `completion` and the same `candidates` array.
 *
 * @param sample - The sample.
 * @param parse - Parser options (mode forced to strict). @defaultValue `{}`
 * @returns The parse result.
 * @throws TypeError / RangeError on invalid candidates (duplicates, non-strings).
 * @example
 * ```ts
 * parseSample(sample).valid; // Ω(o) as a boolean
 * ```
 */
export function parseSample(sample: RerankSample, parse?: Omit<ParseRerankOptions, 'mode'>): RerankParseResult {
  checkRerankSample('parseSample', 'sample', sample);
  checkOptionsObject('parseSample', parse, 'parse');
  const opts = strictOptions(parse);
  let perSample: Map<object, CachedParse> | undefined;
  const hit = parse === undefined ? defaultParseCache.get(sample) : (perSample = parseCache.get(sample))?.get(opts);
  if (hit && hit.completion === sample.completion && hit.candidates === sample.candidates) return hit.result;
  const result = parseRerankOutput(sample.completion, indexCandidates(sample.candidates, opts.spec), opts);
  const entry: CachedParse = { completion: sample.completion, candidates: sample.candidates, result };
  if (parse === undefined) defaultParseCache.set(sample, entry);
  else {
    if (!perSample) {
      perSample = new Map();
      parseCache.set(sample, perSample);
    }
    perSample.set(opts, entry);
  }
  return result;
}

/** A cached batch parse and the samples it was computed from. */
interface CachedBatch {
  readonly samples: readonly RerankSample[];
  readonly completions: readonly unknown[];
  readonly candidates: readonly unknown[];
  readonly results: RerankParseResult[];
}
const batchCache = new WeakMap<object, Map<object, CachedBatch>>();

/**
 * Strict parses of a whole batch, cached per (samples array, parser options): every built-in reward called on the
 * same array — e.g. the terms of `combineRewards` — parses each completion once. One cache entry per batch keeps the
 * garbage collector's weak-map work small (a per-sample cache costs more than the parse itself at 100k samples).
 * A cached entry is reused only when every element is still the same sample object with the same `completion` and
 * `candidates` (a trainer may refill one array in place); otherwise the batch is parsed again.
 *
 * @param samples - The batch.
 * @param parse - Parser options (mode forced to strict). @defaultValue `{}`
 * @returns One parse result per sample.
 * @throws TypeError / RangeError on invalid candidates (duplicates, non-strings).
 * @example
 * ```ts
 * parseBatch(samples).map((r) => r.valid); // Ω per sample
 * ```
 */
export function parseBatch(samples: readonly RerankSample[], parse?: Omit<ParseRerankOptions, 'mode'>): RerankParseResult[] {
  checkArray('parseBatch', 'samples', samples, 'an array of rerank samples');
  for (let i = 0; i < samples.length; i++) checkRerankSample('parseBatch', `samples[${i}]`, samples[i]);
  checkOptionsObject('parseBatch', parse, 'parse');
  const opts = strictOptions(parse);
  let perBatch = batchCache.get(samples);
  const hit = perBatch?.get(opts);
  if (hit && hit.samples.length === samples.length) {
    let same = true;
    for (let i = 0; i < samples.length && same; i++) {
      const s = samples[i]!;
      same = s === hit.samples[i] && s.completion === hit.completions[i] && s.candidates === hit.candidates[i];
    }
    if (same) return hit.results;
  }
  const n = samples.length;
  const results = new Array<RerankParseResult>(n);
  const completions = new Array<unknown>(n);
  const candidates = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    const s = samples[i]!;
    completions[i] = s.completion;
    candidates[i] = s.candidates;
    results[i] = parseRerankOutput(s.completion, indexCandidates(s.candidates, opts.spec), opts);
  }
  if (!perBatch) {
    perBatch = new Map();
    batchCache.set(samples, perBatch);
  }
  perBatch.set(opts, { samples: samples.slice(), completions, candidates, results });
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
  const c = sample.candidates;
  if (sample.target !== undefined) return c.indexOf(sample.target);
  let best = -1;
  let bestV = 0;
  for (let i = 0; i < c.length; i++) {
    const v = sample.relevance[c[i]!] ?? 0;
    if (v > bestV) {
      bestV = v;
      best = i;
    }
  }
  return best;
}

/**
 * Labels of a sample's candidates in input order (`relevance[c] ?? 0`).
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
  return sample.candidates.map((c) => sample.relevance[c] ?? 0);
}

function checkSamples(name: string, samples: unknown): asserts samples is readonly RerankSample[] {
  if (!Array.isArray(samples)) throw typeError(name, 'samples', 'an array of samples', samples);
  for (let i = 0; i < samples.length; i++) checkRerankSample(name, `samples[${i}]`, samples[i]);
}

/**
 * The format reward Ω(o) ∈ {0, 1} (P1 §6.2, TR §6.4): 1 iff the completion parses and its ranking is a permutation
 * of the candidates (strict parse).
 *
 * @param options - See {@link ParsingRewardOptions}.
 * @returns A reward named `'format'`.
 * @example
 * ```ts
 * createFormatReward()([{ prompt: '', completion: '[2] > [1]', candidates: ['x', 'y'], relevance: {} }]); // [1]
 * ```
 */
export function createFormatReward(options: ParsingRewardOptions = {}): SyncReward {
  checkOptionsObject('createFormatReward', options);
  const parse = options.parse;
  return defineReward('format', (samples: readonly RerankSample[]): RewardValue[] => {
    checkSamples('format', samples);
    return parseBatch(samples, parse).map((r) => (r.valid ? 1 : 0));
  });
}

function p1Reward(
  name: string,
  options: P1RewardOptions & ParsingRewardOptions,
  score: (pre: number, out: number, n: number) => number,
): SyncReward {
  const invalid = options.invalidReward ?? -1;
  assertFiniteNumber(name, 'options.invalidReward', invalid);
  const parse = options.parse;
  return defineReward(name, (samples: readonly RerankSample[]): RewardValue[] => {
    checkSamples(name, samples);
    const parsed = parseBatch(samples, parse);
    return samples.map((s, i) => {
      const t = targetIndexOf(s);
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
  return slateReward(`slate_${o.metric}`, o, options.parse);
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
  return slateReward(`conditional_slate_${o.metric}`, o, options.parse);
}

function slateReward(name: string, o: ReturnType<typeof resolveSlate>, parse: ParsingRewardOptions['parse']): SyncReward {
  return defineReward(name, (samples: readonly RerankSample[]): RewardValue[] => {
    checkSamples(name, samples);
    const parsed = parseBatch(samples, parse);
    return samples.map((s, i) => {
      const K = s.candidates.length;
      const m = labelsToMap(name, labelsOf(s));
      const r = parsed[i]!;
      if (!r.valid || r.order === null) {
        // keep "not applicable" consistent: an undefined metric stays null even for invalid output
        if (o.metric === 'auc' && (m.size === 0 || m.size === K)) return null;
        return o.invalidReward;
      }
      return slateCore(r.order, m, K, o);
    });
  });
}

/** Options of {@link createOverlongPenalty}. */
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
   * Length of a sample.
   * @defaultValue `sample.completionLength ?? sample.completion.length`
   */
  readonly lengthOf?: (sample: RerankSample) => number;
}

/**
 * Batch DAPO soft overlong punishment (DAPO Eq. 13) — see {@link overlongPenalty}.
 *
 * @param options - See {@link OverlongPenaltyOptions}.
 * @returns A reward named `'overlong_penalty'`.
 * @throws RangeError if the lengths are invalid.
 * @example
 * ```ts
 * createOverlongPenalty({ maxLength: 20480, cacheLength: 4096 })([{ …, completionLength: 18000 }]); // [-0.3945]
 * ```
 */
export function createOverlongPenalty(options: OverlongPenaltyOptions = {}): SyncReward {
  checkOptionsObject('createOverlongPenalty', options);
  const maxLength = options.maxLength ?? 1024;
  const cacheLength = options.cacheLength ?? 256;
  const factor = options.factor ?? 1;
  overlongPenalty(0, maxLength, cacheLength, factor); // validates
  const lengthOf = options.lengthOf ?? ((s: RerankSample) => s.completionLength ?? (typeof s.completion === 'string' ? s.completion.length : 0));
  return defineReward('overlong_penalty', (samples: readonly RerankSample[]): RewardValue[] => {
    checkSamples('overlong_penalty', samples);
    return samples.map((s) => overlongPenalty(lengthOf(s), maxLength, cacheLength, factor));
  });
}

/**
 * Batch context-compressor reward (TR Eq. 10–11) over judged samples — see {@link compressorReward}.
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
  compressorReward({ solvable: true, preservation: 1, quality: 1, originalLength: 1, compressedLength: 0 }, options);
  return defineReward('compressor', (samples: readonly S[]): RewardValue[] => {
    if (!Array.isArray(samples)) throw typeError('compressor', 'samples', 'an array', samples);
    return samples.map((s) => compressorReward(s, options));
  });
}
