/**
 * GR2's rejection sampler for teacher traces (TR Eq. 2, digest §4.3): sample the teacher on a prompt that does
 * not reveal the target until its top pick is the user's real next item, keep that trace, and give up after a
 * budget of attempts. Built for jobs that run for days across machines: bounded concurrency, retries that
 * honour `Retry-After`, time limits on hung requests, a crash-safe JSONL checkpoint, deterministic shards and
 * per-(example, attempt) seeds.
 *
 * @packageDocumentation
 */
import { setMaxListeners } from 'node:events';
import { log } from '../env.js';
import {
  GeneratorError,
  assertFiniteNumber,
  assertNonNegativeInteger,
  assertPositiveInteger,
  checkOptions,
  describeValue,
  rangeError,
  raw,
  typeError,
  type GeneratorErrorKind,
} from '../errors.js';
import { retryAfterCap, sleep } from '../generate/request.js';
import type { GenerateRequest, GenerateResult, Generation, Generator } from '../generate/types.js';
import { indexCandidates, parseRerankOutput, type CandidateIndex, type ParseRerankOptions, type RerankParseResult } from '../prompt/parse_output.js';
import type { ChatMessage } from '../prompt/types.js';
import { openCheckpoint, type AcceptedRecord, type DropReason, type OpenCheckpoint } from './checkpoint.js';
import { Random } from './random.js';
import { deriveSeed, shardOf } from './shard.js';

const FN = 'rejectionSample';
const MAX_INT = 2 ** 31 - 1;
/** Upper bound of `maxAttempts` (the attempts histogram has one slot per attempt). */
const MAX_ATTEMPTS = 1_000_000;

/**
 * One example for the sampler: a teacher prompt that does not reveal the target, its slate, and the target.
 *
 * @example
 * ```ts
 * const p = buildTeacherPrompt({ history, candidates, target: 42 }, { strategy: 'rejection' });
 * const ex: SamplerExample = { id: 'user-7', messages: p.messages, candidates: p.sids,
 *   target: p.sids[p.candidates.findIndex((c) => c.id === 42)]! };
 * ```
 */
export interface SamplerExample {
  /** Unique id (the checkpoint key; also decides the shard and the seeds). */
  readonly id: string;
  /** The teacher prompt (e.g. `buildTeacherPrompt(..., { strategy: 'rejection' }).messages`). */
  readonly messages: readonly ChatMessage[];
  /** The slate's candidates as rendered SIDs, in prompt order. */
  readonly candidates: readonly string[];
  /** The ground-truth next item; must be one of `candidates`. */
  readonly target: string;
  /** Anything JSON-serialisable, copied into the checkpoint record. */
  readonly meta?: unknown;
}

/**
 * What an acceptance predicate sees for one sample.
 *
 * @example
 * ```ts
 * const accept = (c: AcceptContext) => topPickIsTarget(c) && c.parsed.valid && c.generation.finishReason === 'stop';
 * ```
 */
export interface AcceptContext {
  readonly example: SamplerExample;
  readonly generation: Generation;
  /** `parseRerankOutput(generation.text, example.candidates, options.parse)`. */
  readonly parsed: RerankParseResult;
  /** 1-based attempt number. */
  readonly attempt: number;
}

/**
 * Decides whether a sample is kept. May be async. A predicate that throws fails the whole run.
 *
 * @example
 * ```ts
 * const accept: AcceptPredicate = async (c) => topPickIsTarget(c) && (await judge(c.generation.text));
 * ```
 */
export type AcceptPredicate = (context: AcceptContext) => boolean | Promise<boolean>;

/**
 * Snapshot of a run's progress, attached to every event.
 *
 * @example
 * ```ts
 * onProgress: (e) => console.log(`${e.progress.accepted} accepted, ${e.progress.inFlight} in flight`)
 * ```
 */
export interface SamplerProgress {
  /** Examples of this shard read from the input so far (including those skipped as finished). */
  readonly examples: number;
  readonly skipped: number;
  readonly accepted: number;
  readonly dropped: number;
  /** Examples being worked on right now. */
  readonly inFlight: number;
  readonly requests: number;
  /** Prompt + completion tokens. */
  readonly tokens: number;
}

/** A progress event. `'retry'` reports a transport failure that will be retried after `delayMs`. *
 * @example
 * ```ts
 * onProgress: (e) => {
 *   if (e.type === 'retry') console.warn(`${e.id}: ${e.kind}, retrying in ${Math.round(e.delayMs)} ms`);
 * }
 * ```
 */
export type SamplerEvent =
  | { readonly type: 'accepted'; readonly id: string; readonly attempt: number; readonly progress: SamplerProgress }
  | { readonly type: 'rejected'; readonly id: string; readonly attempt: number; readonly progress: SamplerProgress }
  | {
      readonly type: 'dropped';
      readonly id: string;
      readonly reason: DropReason;
      readonly attempts: number;
      readonly detail?: string;
      readonly progress: SamplerProgress;
    }
  | {
      readonly type: 'retry';
      readonly id: string;
      readonly attempt: number;
      readonly kind: GeneratorErrorKind | 'other';
      readonly delayMs: number;
      readonly progress: SamplerProgress;
    }
  | { readonly type: 'stopped'; readonly reason: 'budget' | 'aborted' | 'error'; readonly progress: SamplerProgress };

/**
 * Options of {@link rejectionSample}. Every field is optional.
 *
 * @example
 * ```ts
 * const options: RejectionSampleOptions = { concurrency: 32, maxAttempts: 8, checkpoint: 'traces.jsonl',
 *   budget: { maxTokens: 50_000_000 }, retry: { maxRetries: 8 }, shard: { index: 0, count: 4 } };
 * ```
 */
export interface RejectionSampleOptions {
  /** Examples worked on at once (each runs its attempts one after another). @defaultValue 8 */
  readonly concurrency?: number;
  /**
   * Samples per example before it is dropped with reason `'max_attempts'` (at most 1,000,000). The paper does not
   * give its budget; 8 is our default. @defaultValue 8
   */
  readonly maxAttempts?: number;
  /** The acceptance predicate. @defaultValue {@link topPickIsTarget} (GR2: the parsed top pick is the target) */
  readonly accept?: AcceptPredicate;
  /** Options of the output parser used for every sample. */
  readonly parse?: ParseRerankOptions;
  /** Sampling settings sent with every request. `temperature` defaults to 1 (our choice; the paper gives none). */
  readonly request?: {
    readonly temperature?: number;
    readonly topP?: number;
    readonly maxTokens?: number;
    readonly stop?: readonly string[];
  };
  /** The job's seed; attempt a of example id is sent `attemptSeed(seed, id, a)`. @defaultValue 1234 */
  readonly seed?: number;
  /**
   * Global budget of this run: no request starts once `maxRequests` requests (retries included) were sent or
   * `maxTokens` prompt + completion tokens were used. Requests in flight finish (the token budget can be overrun
   * by at most `concurrency` responses). Examples cut short are listed in `unfinished`, not dropped.
   */
  readonly budget?: { readonly maxRequests?: number; readonly maxTokens?: number };
  /**
   * Transport retries of one sample: exponential backoff `min(maxDelayMs, baseDelayMs·2^r)` with full jitter; a
   * `Retry-After` (`GeneratorError.retryAfterMs`) is waited in full (plus up to 10 % jitter) and pauses every
   * worker, not only the one that was told — up to `maxRetryAfterMs` (our cap, so that a server answering
   * "come back tomorrow" cannot park the job: a longer `Retry-After` is waited only `maxRetryAfterMs`, then the
   * request is retried as usual; `Infinity` honours any).
   * @defaultValue `{ maxRetries: 6, baseDelayMs: 250, maxDelayMs: 30000, maxRetryAfterMs: 300000 }`
   */
  readonly retry?: { readonly maxRetries?: number; readonly baseDelayMs?: number; readonly maxDelayMs?: number; readonly maxRetryAfterMs?: number };
  /** Per-request time limit; a request still running is aborted and retried as a `'timeout'`. @defaultValue 120000 */
  readonly timeoutMs?: number;
  /** JSONL checkpoint path: every finished example is appended; a rerun resumes from it. */
  readonly checkpoint?: string;
  /** `fdatasync` after every checkpoint record (survives machine crashes, not only process kills). @defaultValue false */
  readonly fsync?: boolean;
  /** Retry examples the checkpoint lists as dropped, continuing at their next attempt. @defaultValue false */
  readonly retryDropped?: boolean;
  /** Work only on the examples with `shardOf(id, count) === index`. */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Called for every event; an exception it throws is logged and ignored. */
  readonly onProgress?: (event: SamplerEvent) => void;
  /** Aborts the run: requests in flight are cancelled and the report comes back with `stopped: 'aborted'`. */
  readonly signal?: AbortSignal;
  /** Keep this run's accepted records in `report.accepted`. @defaultValue true without a checkpoint, false with one */
  readonly keepRecords?: boolean;
}

/**
 * An example given up in this run, with its reason.
 *
 * @example
 * ```ts
 * for (const d of report.dropped) console.warn(`${d.id}: ${d.reason} after ${d.attempts} attempts (${d.detail})`);
 * ```
 */
export interface DroppedExample {
  readonly id: string;
  readonly reason: DropReason;
  /** Samples judged for it (over all runs, for an example resumed with `retryDropped`). */
  readonly attempts: number;
  /** Human-readable cause: the last transport error, the validation message, … */
  readonly detail?: string;
  /** Whether the drop was written to the checkpoint (only `'max_attempts'` is final). */
  readonly final: boolean;
}

/**
 * Statistics of one run. Rates are 0 when their denominator is 0.
 *
 * @example
 * ```ts
 * const { acceptanceRate, attemptsHistogram, errorsByKind } = report.stats;
 * console.log(acceptanceRate, attemptsHistogram.slice(1), errorsByKind.rate_limit ?? 0);
 * ```
 */
export interface SamplerStats {
  /** Examples of this shard read from the input (including skipped ones). */
  readonly examples: number;
  /** Examples skipped because the checkpoint lists them as finished. */
  readonly skipped: number;
  readonly accepted: number;
  readonly dropped: number;
  readonly unfinished: number;
  /** accepted / (accepted + dropped): the share of finished examples that yielded a trace. */
  readonly acceptanceRate: number;
  /** Samples judged by the predicate (accepted + rejected). Transport failures are never samples. */
  readonly samples: number;
  readonly rejected: number;
  /** accepted / samples. */
  readonly sampleAcceptanceRate: number;
  /** `attemptsHistogram[k]` = examples accepted at attempt k (index 0 unused, length maxAttempts + 1). */
  readonly attemptsHistogram: number[];
  /** Requests sent (retries included). */
  readonly requests: number;
  /** Requests that were retries of a failed one. */
  readonly retries: number;
  readonly tokens: { readonly prompt: number; readonly completion: number; readonly total: number };
  /** Failed requests by kind (`'other'`: the generator threw something other than a `GeneratorError`). */
  readonly errorsByKind: Partial<Record<GeneratorErrorKind | 'other', number>>;
  readonly elapsedMs: number;
}

/**
 * The result of {@link rejectionSample}.
 *
 * @example
 * ```ts
 * const report = await rejectionSample(examples, teacher, { checkpoint: 'traces.jsonl' });
 * if (report.stopped === 'budget') console.log(`${report.unfinished.length} examples left for the next run`);
 * ```
 */
export interface RejectionSampleReport {
  /** Records accepted in this run (empty when `keepRecords` is false; the checkpoint has them all). */
  readonly accepted: AcceptedRecord[];
  /** Examples given up in this run, each with its reason. */
  readonly dropped: DroppedExample[];
  /** Examples cut short by the budget or an abort; a rerun with the checkpoint picks them up. */
  readonly unfinished: { readonly id: string; readonly attempts: number; readonly reason: 'budget' | 'aborted' }[];
  /** Why the run ended early, or null when every example of the input was handled. */
  readonly stopped: 'budget' | 'aborted' | null;
  readonly stats: SamplerStats;
  /** Bytes of a torn last record cut off the checkpoint when resuming (0 when clean or no checkpoint). */
  readonly repairedBytes: number;
}

/**
 * GR2's default acceptance: the first candidate the completion ranks (`parsed.parsedOrder[0]`, what the model
 * actually wrote, never a repaired fallback) is the target. The full ranking need not be valid (TR Eq. 2).
 *
 * @param context - The sample and its parse.
 * @returns Whether the top pick is the target.
 * @example
 * ```ts
 * // require a valid permutation too:
 * const accept: AcceptPredicate = (c) => topPickIsTarget(c) && c.parsed.valid;
 * ```
 */
export function topPickIsTarget(context: AcceptContext): boolean {
  const fn = 'topPickIsTarget';
  if (context === null || typeof context !== 'object') throw typeError(fn, 'context', 'an accept context {example, parsed}', context);
  if (context.parsed === null || typeof context.parsed !== 'object' || !Array.isArray(context.parsed.parsedOrder)) {
    throw typeError(fn, 'context.parsed', 'a parse result with parsedOrder', context.parsed);
  }
  if (context.example === null || typeof context.example !== 'object' || !Array.isArray(context.example.candidates)) {
    throw typeError(fn, 'context.example', 'a sampler example with candidates', context.example);
  }
  const first = context.parsed.parsedOrder[0];
  return first !== undefined && context.example.candidates[first] === context.example.target;
}

interface Resolved {
  concurrency: number;
  maxAttempts: number;
  accept: AcceptPredicate;
  parse: ParseRerankOptions | undefined;
  request: { temperature: number; topP?: number; maxTokens?: number; stop?: readonly string[] };
  seed: number;
  maxRequests: number;
  maxTokens: number;
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
  timeoutMs: number;
  checkpoint: string | undefined;
  fsync: boolean;
  retryDropped: boolean;
  shard: { index: number; count: number } | undefined;
  onProgress: ((event: SamplerEvent) => void) | undefined;
  signal: AbortSignal | undefined;
  keepRecords: boolean;
}

function intOpt(name: string, v: unknown, dflt: number, min: 0 | 1): number {
  if (v === undefined) return dflt;
  if (min === 1) assertPositiveInteger(FN, name, v);
  else assertNonNegativeInteger(FN, name, v);
  if (v > MAX_INT) throw rangeError(FN, name, `at most ${MAX_INT}`, v);
  return v;
}

function resolveOptions(options: RejectionSampleOptions | undefined): Resolved {
  const o = checkOptions(FN, options, [
    'concurrency', 'maxAttempts', 'accept', 'parse', 'request', 'seed', 'budget', 'retry', 'timeoutMs',
    'checkpoint', 'fsync', 'retryDropped', 'shard', 'onProgress', 'signal', 'keepRecords',
  ]);
  const req = checkOptions(FN, o.request, ['temperature', 'topP', 'maxTokens', 'stop'], 'options.request');
  const budget = checkOptions(FN, o.budget, ['maxRequests', 'maxTokens'], 'options.budget');
  const retry = checkOptions(FN, o.retry, ['maxRetries', 'baseDelayMs', 'maxDelayMs', 'maxRetryAfterMs'], 'options.retry');
  if (o.accept !== undefined && typeof o.accept !== 'function') throw typeError(FN, 'options.accept', 'a function', o.accept);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw typeError(FN, 'options.onProgress', 'a function', o.onProgress);
  if (o.checkpoint !== undefined && (typeof o.checkpoint !== 'string' || o.checkpoint.length === 0)) {
    throw typeError(FN, 'options.checkpoint', 'a non-empty path string', o.checkpoint);
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw typeError(FN, 'options.signal', 'an AbortSignal', o.signal);
  for (const k of ['fsync', 'retryDropped', 'keepRecords'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'boolean') throw typeError(FN, `options.${k}`, 'a boolean', o[k]);
  }
  if (o.parse !== undefined && (o.parse === null || typeof o.parse !== 'object' || Array.isArray(o.parse))) {
    throw typeError(FN, 'options.parse', 'a parser options object', o.parse);
  }
  if (o.parse?.mode !== undefined && o.parse.mode !== 'strict') {
    throw rangeError(FN, 'options.parse.mode', "'strict' (the sampler reads parsedOrder, never a repaired order)", o.parse.mode);
  }
  if (o.parse !== undefined) parseRerankOutput('', ['x'], o.parse); // surfaces bad parser options now, not mid-run
  let shard: Resolved['shard'];
  if (o.shard !== undefined) {
    const s = checkOptions(FN, o.shard, ['index', 'count'], 'options.shard');
    const count = intOpt('options.shard.count', s.count, NaN, 1);
    const index = intOpt('options.shard.index', s.index, NaN, 0);
    if (Number.isNaN(count) || Number.isNaN(index)) throw typeError(FN, 'options.shard', '{index, count}', o.shard);
    if (index >= count) throw rangeError(FN, 'options.shard.index', `below shard.count (${count})`, index);
    shard = { index, count };
  }
  if (req.temperature !== undefined) assertFiniteNumber(FN, 'options.request.temperature', req.temperature, { min: 0 });
  if (req.topP !== undefined) assertFiniteNumber(FN, 'options.request.topP', req.topP, { min: 0, max: 1, minExclusive: true });
  if (req.stop !== undefined && (!Array.isArray(req.stop) || req.stop.some((s) => typeof s !== 'string'))) {
    throw typeError(FN, 'options.request.stop', 'an array of strings', req.stop);
  }
  const seed = intOpt('options.seed', o.seed, 1234, 0);
  const maxAttempts = intOpt('options.maxAttempts', o.maxAttempts, 8, 1);
  if (maxAttempts > MAX_ATTEMPTS) throw rangeError(FN, 'options.maxAttempts', `at most ${MAX_ATTEMPTS}`, maxAttempts);
  const request: Resolved['request'] = { temperature: req.temperature ?? 1 };
  if (req.topP !== undefined) request.topP = req.topP;
  if (req.maxTokens !== undefined) request.maxTokens = intOpt('options.request.maxTokens', req.maxTokens, 0, 1);
  if (req.stop !== undefined) request.stop = req.stop;
  // an explicit null is an error, not the default
  const baseDelayMs = retry.baseDelayMs === undefined ? 250 : retry.baseDelayMs;
  const maxDelayMs = retry.maxDelayMs === undefined ? 30_000 : retry.maxDelayMs;
  assertFiniteNumber(FN, 'options.retry.baseDelayMs', baseDelayMs, { min: 0, max: 864e5 });
  assertFiniteNumber(FN, 'options.retry.maxDelayMs', maxDelayMs, { min: 0, max: 864e5 });
  const maxRetryAfterMs = retryAfterCap(FN, 'options.retry.maxRetryAfterMs', retry.maxRetryAfterMs);
  const timeoutMs = o.timeoutMs ?? 120_000;
  assertFiniteNumber(FN, 'options.timeoutMs', timeoutMs, { min: 0, max: MAX_INT, minExclusive: true });
  return {
    concurrency: intOpt('options.concurrency', o.concurrency, 8, 1),
    maxAttempts,
    accept: o.accept ?? topPickIsTarget,
    parse: o.parse,
    request,
    seed,
    maxRequests: o.budget?.maxRequests === undefined ? Infinity : intOpt('options.budget.maxRequests', budget.maxRequests, 0, 1),
    maxTokens: o.budget?.maxTokens === undefined ? Infinity : intOpt('options.budget.maxTokens', budget.maxTokens, 0, 1),
    maxRetries: intOpt('options.retry.maxRetries', retry.maxRetries, 6, 0),
    baseDelayMs,
    maxDelayMs,
    maxRetryAfterMs,
    timeoutMs,
    checkpoint: o.checkpoint,
    fsync: o.fsync ?? false,
    retryDropped: o.retryDropped ?? false,
    shard,
    onProgress: o.onProgress,
    signal: o.signal,
    keepRecords: o.keepRecords ?? o.checkpoint === undefined,
  };
}

const ROLES = new Set(['system', 'user', 'assistant']);

/** The structural problem of an example, in the library's message format, or null. */
function exampleProblem(ex: unknown, at: string): string | null {
  if (ex === null || typeof ex !== 'object' || Array.isArray(ex)) return typeError(FN, at, 'an example object', ex).message;
  const e = ex as Record<string, unknown>;
  if (typeof e.id !== 'string' || e.id.length === 0) return typeError(FN, `${at}.id`, 'a non-empty string', e.id).message;
  const m = e.messages;
  if (!Array.isArray(m) || m.length === 0) return typeError(FN, `${at}.messages`, 'a non-empty array of chat messages', m).message;
  for (let i = 0; i < m.length; i++) {
    const msg = m[i] as { role?: unknown; content?: unknown } | null;
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg) || !ROLES.has(msg.role as string) || typeof msg.content !== 'string') {
      return typeError(FN, `${at}.messages[${i}]`, "a {role: 'system' | 'user' | 'assistant', content: string} message", msg).message;
    }
  }
  const c = e.candidates;
  if (!Array.isArray(c) || c.length === 0) return typeError(FN, `${at}.candidates`, 'a non-empty array of SID strings', c).message;
  for (let i = 0; i < c.length; i++) {
    if (typeof c[i] !== 'string') return typeError(FN, `${at}.candidates[${i}]`, 'a string', c[i]).message;
  }
  if (new Set(c).size !== c.length) {
    const dup = c.find((x, i) => c.indexOf(x) !== i);
    return rangeError(FN, `${at}.candidates`, 'distinct SIDs', raw(`${describeValue(dup)} twice`)).message;
  }
  if (typeof e.target !== 'string') return typeError(FN, `${at}.target`, 'a string', e.target).message;
  if (!c.includes(e.target)) return rangeError(FN, `${at}.target`, 'one of the candidates', e.target).message;
  if (e.meta !== undefined) {
    try {
      JSON.stringify(e.meta);
    } catch (err) {
      return typeError(FN, `${at}.meta`, `JSON-serialisable (${(err as Error).message})`, e.meta).message;
    }
  }
  return null;
}

type Outcome =
  | { ok: true; result: GenerateResult; generation: Generation }
  | { ok: false; stop: true }
  | { ok: false; stop: false; reason: DropReason; detail: string };

/**
 * Samples a teacher until its answer is accepted, for every example, and reports what happened to each.
 *
 * For each example (of this shard, not finished in the checkpoint), attempts `a = 1, 2, …, maxAttempts` run one
 * after another: a request with `seed = attemptSeed(seed, id, a)`, then `parseRerankOutput` and the acceptance
 * predicate. The first accepted sample is appended to the checkpoint and ends the example; after `maxAttempts`
 * rejections the example is dropped (`'max_attempts'`, also written). A request that fails in transport is
 * retried with the same seed and never counts as a rejection; past `retry.maxRetries` the example is dropped as
 * `'retries_exhausted'` (not written, so a rerun tries again). Nothing is dropped silently: every example read
 * ends up skipped, accepted, in `dropped` with its reason, or in `unfinished`.
 *
 * With a generator that is deterministic given `(messages, seed)`, the accepted set and every record are
 * reproducible whatever the concurrency and however often the job is killed and resumed.
 *
 * @param examples - Examples, sync or async iterable (read lazily, one at a time).
 * @param generator - The teacher.
 * @param options - See {@link RejectionSampleOptions}.
 * @returns The report: this run's accepted records, dropped and unfinished examples, and statistics.
 * @throws TypeError/RangeError for bad arguments; the error of the input iterator, of the checkpoint
 *   (`DataFormatError` for a corrupt one), or of a throwing acceptance predicate, after in-flight work settled.
 * @example
 * ```ts
 * const report = await rejectionSample(examples, createOpenAIGenerator({ baseURL, model: 'teacher' }), {
 *   concurrency: 16, maxAttempts: 8, checkpoint: 'traces.jsonl', shard: { index: 0, count: 4 },
 *   onProgress: (e) => e.type === 'dropped' && console.warn(e.id, e.reason),
 * });
 * console.log(report.stats.acceptanceRate, report.stats.attemptsHistogram, report.dropped);
 * ```
 */
export async function rejectionSample(
  examples: Iterable<SamplerExample> | AsyncIterable<SamplerExample>,
  generator: Generator,
  options?: RejectionSampleOptions,
): Promise<RejectionSampleReport> {
  const isObj = examples !== null && typeof examples === 'object';
  const asyncIt = isObj && typeof (examples as AsyncIterable<SamplerExample>)[Symbol.asyncIterator] === 'function';
  const syncIt = isObj && typeof (examples as Iterable<SamplerExample>)[Symbol.iterator] === 'function';
  if (!asyncIt && !syncIt) throw typeError(FN, 'examples', 'an iterable or async iterable of examples', examples);
  if (generator === null || typeof generator !== 'object' || typeof (generator as Generator).generate !== 'function') {
    throw typeError(FN, 'generator', 'a Generator ({name, generate(request)})', generator);
  }
  const o = resolveOptions(options);
  const run = new Run(o, generator);
  return run.execute(examples, asyncIt);
}

class Run {
  private readonly started = performance.now();
  private readonly stopCtl = new AbortController();
  private stopped: 'budget' | 'aborted' | 'error' | null = null;
  private fatal: { error: unknown } | null = null;
  private pauseUntil = 0;
  private readonly jitter: Random;
  private ckpt: OpenCheckpoint | null = null;
  private readonly seen = new Set<string>();
  // statistics
  private examples = 0;
  private skipped = 0;
  private inFlight = 0;
  private samples = 0;
  private rejected = 0;
  private requests = 0;
  private retries = 0;
  private promptTokens = 0;
  private completionTokens = 0;
  private readonly histogram: number[];
  private readonly errorsByKind: Partial<Record<GeneratorErrorKind | 'other', number>> = {};
  private readonly accepted: AcceptedRecord[] = [];
  private acceptedCount = 0;
  private readonly dropped: DroppedExample[] = [];
  private readonly unfinished: RejectionSampleReport['unfinished'] = [];

  constructor(
    private readonly o: Resolved,
    private readonly generator: Generator,
  ) {
    this.histogram = new Array<number>(o.maxAttempts + 1).fill(0);
    this.jitter = new Random(o.seed);
    // one abort listener per request in flight and per backoff sleep: bounded by the concurrency, not a leak
    setMaxListeners(0, this.stopCtl.signal);
  }

  async execute(
    examples: Iterable<SamplerExample> | AsyncIterable<SamplerExample>,
    isAsync: boolean,
  ): Promise<RejectionSampleReport> {
    const o = this.o;
    const onAbort = (): void => this.stop('aborted');
    if (o.signal?.aborted) this.stop('aborted');
    const running = new Set<Promise<void>>();
    let position = 0;
    o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (o.checkpoint !== undefined) this.ckpt = openCheckpoint(o.checkpoint, { fsync: o.fsync });
      const iterator = isAsync
        ? (examples as AsyncIterable<SamplerExample>)[Symbol.asyncIterator]()
        : (examples as Iterable<SamplerExample>)[Symbol.iterator]();
      for (;;) {
        while (running.size >= o.concurrency) await Promise.race(running);
        if (this.stopped !== null) break;
        let next: IteratorResult<SamplerExample>;
        try {
          next = await iterator.next();
        } catch (e) {
          this.fail(e);
          break;
        }
        if (next.done) break;
        const at = `examples[${position++}]`;
        const start = this.admit(next.value, at);
        if (start === 0) continue;
        const task = this.work(next.value, start).catch((e: unknown) => this.fail(e));
        const tracked: Promise<void> = task.finally(() => running.delete(tracked));
        running.add(tracked);
      }
      await Promise.all(running);
      if (this.stopped !== null && typeof iterator.return === 'function') {
        try {
          await iterator.return();
        } catch {
          /* closing the input is best effort */
        }
      }
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
      this.ckpt?.close();
    }
    if (this.fatal) throw this.fatal.error;
    if (this.stopped === 'budget' || this.stopped === 'aborted') this.emit({ type: 'stopped', reason: this.stopped, progress: this.progress() });
    return this.report();
  }

  /** Decides whether an example is worked on; returns its first attempt (0: not worked on). */
  private admit(ex: SamplerExample, at: string): number {
    const o = this.o;
    const id = ex !== null && typeof ex === 'object' ? (ex as { id?: unknown }).id : undefined;
    if (o.shard && typeof id === 'string' && shardOf(id, o.shard.count) !== o.shard.index) return 0;
    this.examples++;
    const problem = exampleProblem(ex, at);
    if (problem !== null) {
      this.drop(typeof id === 'string' ? id : `${at}`, 'invalid_example', 0, problem, false);
      return 0;
    }
    if (this.seen.has(ex.id)) {
      this.drop(ex.id, 'duplicate_id', 0, `${at}.id ${describeValue(ex.id)} was already read in this run`, false);
      return 0;
    }
    this.seen.add(ex.id);
    const done = this.ckpt?.finished.get(ex.id);
    if (done === undefined) return 1;
    if (done.status === 'dropped' && o.retryDropped && done.attempts < o.maxAttempts) return done.attempts + 1;
    this.skipped++;
    return 0;
  }

  private async work(ex: SamplerExample, firstAttempt: number): Promise<void> {
    const o = this.o;
    this.inFlight++;
    try {
      const index = indexCandidates(ex.candidates, o.parse?.spec);
      for (let attempt = firstAttempt; attempt <= o.maxAttempts; attempt++) {
        if (this.stopped !== null) {
          this.unfinish(ex.id, attempt - 1);
          return;
        }
        const seed = deriveSeed(o.seed, ex.id, attempt);
        const out = await this.sample(ex, attempt, seed);
        if (!out.ok) {
          if (out.stop) this.unfinish(ex.id, attempt - 1);
          else this.drop(ex.id, out.reason, attempt - 1, out.detail, false);
          return;
        }
        if (await this.judge(ex, index, attempt, seed, out.result, out.generation)) return;
      }
      this.drop(ex.id, 'max_attempts', o.maxAttempts, `all ${o.maxAttempts} samples rejected`, true, ex.meta);
    } finally {
      this.inFlight--;
    }
  }

  /** Parses and judges one sample; on acceptance writes the record. Returns whether it was accepted. */
  private async judge(
    ex: SamplerExample,
    index: CandidateIndex,
    attempt: number,
    seed: number,
    result: GenerateResult,
    generation: Generation,
  ): Promise<boolean> {
    const text = typeof generation.text === 'string' ? generation.text : '';
    const parsed = parseRerankOutput(text, index, this.o.parse);
    const ok = await this.o.accept({ example: ex, generation, parsed, attempt });
    this.samples++;
    if (ok !== true) {
      this.rejected++;
      this.emit({ type: 'rejected', id: ex.id, attempt, progress: this.progress() });
      return false;
    }
    const rec: AcceptedRecord = {
      id: ex.id,
      status: 'accepted',
      attempt,
      seed,
      messages: ex.messages.map((m) => ({ role: m.role, content: m.content })),
      completion: text,
      finishReason: String(generation.finishReason ?? 'stop'),
      candidates: ex.candidates.slice(),
      target: ex.target,
      order: parsed.parsedOrder,
      valid: parsed.valid,
      usage: { promptTokens: result.usage.promptTokens, completionTokens: result.usage.completionTokens },
      ...(ex.meta !== undefined ? { meta: ex.meta } : {}),
    };
    this.ckpt?.append(rec);
    this.acceptedCount++;
    this.histogram[attempt]!++;
    if (this.o.keepRecords) this.accepted.push(rec);
    this.emit({ type: 'accepted', id: ex.id, attempt, progress: this.progress() });
    return true;
  }

  /** One sample: a request with transport retries. */
  private async sample(ex: SamplerExample, attempt: number, seed: number): Promise<Outcome> {
    const o = this.o;
    let last = '';
    for (let r = 0; r <= o.maxRetries; r++) {
      const wait = this.pauseUntil - Date.now();
      if (wait > 0) await sleep(wait, this.stopCtl.signal);
      if (this.stopped !== null || !this.budgetLeft()) return { ok: false, stop: true };
      this.requests++;
      if (r > 0) this.retries++;
      let error: unknown;
      try {
        const result = await this.call(ex, seed);
        this.promptTokens += finiteCount(result?.usage?.promptTokens);
        this.completionTokens += finiteCount(result?.usage?.completionTokens);
        const generation = result?.generations?.[0];
        if (generation && typeof generation.text === 'string') return { ok: true, result, generation };
        error = new GeneratorError('bad_response', `${this.generator.name}: the result has no generation with text`);
      } catch (e) {
        error = e;
      }
      if (this.stopCtl.signal.aborted) return { ok: false, stop: true };
      const kind: GeneratorErrorKind | 'other' = error instanceof GeneratorError ? error.kind : 'other';
      this.errorsByKind[kind] = (this.errorsByKind[kind] ?? 0) + 1;
      last = `${kind}: ${error instanceof Error ? error.message : describeValue(error)}`;
      if (!(error instanceof GeneratorError) || !error.retryable) {
        return { ok: false, stop: false, reason: 'generator_error', detail: last };
      }
      if (r === o.maxRetries) break;
      const delayMs = this.delay(r, error.retryAfterMs);
      if (error.retryAfterMs !== undefined) this.pauseUntil = Math.max(this.pauseUntil, Date.now() + delayMs);
      this.emit({ type: 'retry', id: ex.id, attempt, kind, delayMs, progress: this.progress() });
      await sleep(delayMs, this.stopCtl.signal);
    }
    return { ok: false, stop: false, reason: 'retries_exhausted', detail: `${o.maxRetries + 1} requests failed; last ${last}` };
  }

  /** Backoff before retry r+1: full jitter on min(max, base·2^r), or min(Retry-After plus up to 10 %, the cap). */
  private delay(r: number, retryAfterMs: number | undefined): number {
    const u = this.jitter.random();
    if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs * (1 + 0.1 * u), this.o.maxRetryAfterMs); // the cap is ≤ setTimeout's limit
    return u * Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** Math.min(r, 30));
  }

  /** One request, with a hard time limit whether or not the generator honours `timeoutMs`/`signal`. */
  private call(ex: SamplerExample, seed: number): Promise<GenerateResult> {
    const o = this.o;
    const ctl = new AbortController();
    const onStop = (): void => ctl.abort(new GeneratorError('aborted', `${FN}: aborted`));
    const parent = this.stopCtl.signal;
    if (parent.aborted) onStop();
    const request: GenerateRequest = {
      messages: ex.messages,
      n: 1,
      seed,
      signal: ctl.signal,
      timeoutMs: o.timeoutMs,
      ...o.request,
    };
    return new Promise<GenerateResult>((resolve, reject) => {
      let settled = false;
      const finish = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        parent.removeEventListener('abort', abortNow);
        return true;
      };
      const abortNow = (): void => {
        onStop();
        if (finish()) reject(new GeneratorError('aborted', `${FN}: aborted`));
      };
      const timer = setTimeout(() => {
        const err = new GeneratorError('timeout', `${this.generator.name}: no answer within ${o.timeoutMs} ms`);
        ctl.abort(err);
        if (finish()) reject(err);
      }, o.timeoutMs);
      parent.addEventListener('abort', abortNow);
      let p: Promise<GenerateResult>;
      try {
        p = Promise.resolve(this.generator.generate(request));
      } catch (e) {
        p = Promise.reject(e);
      }
      p.then(
        (v) => {
          if (finish()) resolve(v);
        },
        (e: unknown) => {
          if (finish()) reject(e);
        },
      );
    });
  }

  private budgetLeft(): boolean {
    if (this.requests >= this.o.maxRequests || this.promptTokens + this.completionTokens >= this.o.maxTokens) {
      this.stop('budget');
      return false;
    }
    return true;
  }

  private stop(reason: 'budget' | 'aborted' | 'error'): void {
    if (this.stopped !== null && !(reason === 'aborted' && this.stopped === 'budget')) return;
    this.stopped = reason;
    if (reason !== 'budget') this.stopCtl.abort();
  }

  private fail(error: unknown): void {
    if (!this.fatal) this.fatal = { error };
    this.stop('error');
  }

  private drop(id: string, reason: DropReason, attempts: number, detail: string, final: boolean, meta?: unknown): void {
    if (final) this.ckpt?.append({ id, status: 'dropped', reason, attempts, ...(meta !== undefined ? { meta } : {}) });
    this.dropped.push({ id, reason, attempts, detail, final });
    this.emit({ type: 'dropped', id, reason, attempts, detail, progress: this.progress() });
  }

  private unfinish(id: string, attempts: number): void {
    this.unfinished.push({ id, attempts, reason: this.stopped === 'budget' ? 'budget' : 'aborted' });
  }

  private progress(): SamplerProgress {
    return {
      examples: this.examples,
      skipped: this.skipped,
      accepted: this.acceptedCount,
      dropped: this.dropped.length,
      inFlight: this.inFlight,
      requests: this.requests,
      tokens: this.promptTokens + this.completionTokens,
    };
  }

  private emit(event: SamplerEvent): void {
    const cb = this.o.onProgress;
    if (!cb) return;
    try {
      cb(event);
    } catch (e) {
      log('warning', () => `${FN}: onProgress threw on a '${event.type}' event (ignored): ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private report(): RejectionSampleReport {
    const accepted = this.acceptedCount;
    const dropped = this.dropped.length;
    return {
      accepted: this.accepted,
      dropped: this.dropped,
      unfinished: this.unfinished,
      stopped: this.stopped === 'budget' || this.stopped === 'aborted' ? this.stopped : null,
      repairedBytes: this.ckpt?.repairedBytes ?? 0,
      stats: {
        examples: this.examples,
        skipped: this.skipped,
        accepted,
        dropped,
        unfinished: this.unfinished.length,
        acceptanceRate: accepted + dropped > 0 ? accepted / (accepted + dropped) : 0,
        samples: this.samples,
        rejected: this.rejected,
        sampleAcceptanceRate: this.samples > 0 ? accepted / this.samples : 0,
        attemptsHistogram: this.histogram,
        requests: this.requests,
        retries: this.retries,
        tokens: { prompt: this.promptTokens, completion: this.completionTokens, total: this.promptTokens + this.completionTokens },
        errorsByKind: this.errorsByKind,
        elapsedMs: performance.now() - this.started,
      },
    };
  }
}

function finiteCount(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}
