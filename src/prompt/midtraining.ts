/**
 * Mid-training corpora (digest §3, OneRec-Think's itemic alignment as used by GR2): builders for the four tasks —
 * interleaved user persona grounding, sequential next-SID prediction, SID → text dense captioning, general text —
 * and a seeded, streaming task mixer.
 *
 * Every builder is a lazy generator: it reads its source one element at a time, so a catalog of millions of items
 * or users is never held in memory.
 *
 * @packageDocumentation
 */
import { assertNonNegativeInteger, assertPositiveInteger, checkOptions, rangeError, typeError } from '../errors.js';
import type { ItemId } from '../metrics/types.js';
import { Random } from '../sampling/random.js';
import { DEFAULT_SID_SPEC, validateSidSpec, type SidSpec } from '../sid/sid_string.js';
import { itemSid, neutralize } from './render.js';

/** The four mid-training tasks. `'persona'` is OneRec-Think's "alignment" (interleaved user persona grounding). */
export type MidTrainingTask = 'persona' | 'sequential' | 'caption' | 'general';

/**
 * One mid-training sample, trained with next-token prediction on `prompt + completion` (or on `completion` only
 * when the trainer masks the prompt, as TRL's prompt-completion format does).
 */
export interface MidTrainingSample {
  readonly task: MidTrainingTask;
  /** Conditioning text (`''` for plain language modelling). */
  readonly prompt: string;
  /** Text to predict. */
  readonly completion: string;
}

/** A source of elements: any iterable or async iterable (arrays, generators, streams). */
export type CorpusSource<T> = Iterable<T> | AsyncIterable<T>;

/** An item with its SID and optional text, as the corpus builders read it (metadata is neutralised). */
export interface CorpusItem {
  readonly id: ItemId;
  readonly sid: readonly number[] | string;
  readonly title?: string;
  readonly description?: string;
  readonly categories?: readonly string[];
}

async function* iterate<T>(fn: string, arg: string, source: CorpusSource<T>): AsyncGenerator<T> {
  if (source === null || typeof source !== 'object' || (!(Symbol.iterator in source) && !(Symbol.asyncIterator in source))) {
    throw typeError(fn, arg, 'an iterable or async iterable', source);
  }
  yield* source as AsyncIterable<T>;
}

function sidResolver(fn: string, sidOf: unknown, spec: SidSpec): (id: ItemId) => string {
  if (typeof sidOf !== 'function') throw typeError(fn, 'options.sidOf', 'a function (itemId) => SID codes or string', sidOf);
  const f = sidOf as (id: ItemId) => readonly number[] | string | undefined;
  return (id) => itemSid(fn, `sidOf(${JSON.stringify(id)})`, { id, sid: f(id) as readonly number[] | string }, spec);
}

function specOf(fn: string, spec: unknown): SidSpec {
  return spec === undefined ? DEFAULT_SID_SPEC : validateSidSpec(spec, fn);
}

// ---------------------------------------------------------------------------------------------------------------
// Sequential preference modelling: history SIDs → next SID

/** Options of {@link nextSidSamples}. */
export interface NextSidOptions {
  /** SID of an item id (codes or SID string). Required. */
  readonly sidOf: (itemId: ItemId) => readonly number[] | string;
  /** SID format. @defaultValue `DEFAULT_SID_SPEC` */
  readonly spec?: SidSpec;
  /** Shortest history of a sample. @defaultValue `1` */
  readonly minHistory?: number;
  /** Longest history (the most recent items are kept: a sliding window). @defaultValue `50` */
  readonly maxHistory?: number;
  /** Prompt template; `{history}` = the history SIDs separated by spaces. */
  readonly template?: string;
}

/**
 * Default prompt of {@link nextSidSamples} (our wording); `{history}` is replaced by the history SIDs.
 *
 * @example
 * ```ts
 * nextSidSamples(seqs, { sidOf, template: DEFAULT_NEXT_SID_TEMPLATE.replace('The next item', 'Next') });
 * ```
 */
export const DEFAULT_NEXT_SID_TEMPLATE = 'A user interacted with these items, in order: {history}\nThe next item is: ';

/**
 * Sequential preference modelling (digest §3): for every position `t ≥ minHistory` of every user sequence, a
 * sample whose prompt holds the SIDs of the (at most `maxHistory`) items before `t` and whose completion is the SID
 * of item `t` — a sliding window over the sequence.
 *
 * @param sequences - Chronological item-id sequences, as arrays or `{items}` objects (`gr2/data` `UserSequence`).
 * @param options - See {@link NextSidOptions}.
 * @returns A lazy async stream of `'sequential'` samples.
 * @throws TypeError / RangeError (when iterated) on malformed sequences, ids without a valid SID, or bad options.
 * @example
 * ```ts
 * for await (const s of nextSidSamples([[1, 2, 3]], { sidOf: (id) => [id, 0, 0, 0] })) console.log(s.completion);
 * // '<|sid_begin|><s_a_2><s_b_0><s_c_0><s_d_0><|sid_end|>', then the SID of item 3
 * ```
 */
export async function* nextSidSamples(
  sequences: CorpusSource<readonly ItemId[] | { readonly items: readonly ItemId[] }>,
  options: NextSidOptions,
): AsyncGenerator<MidTrainingSample> {
  const fn = 'nextSidSamples';
  if (options === undefined) throw typeError(fn, 'options', 'an options object with sidOf', options);
  const o = checkOptions(fn, options, ['sidOf', 'spec', 'minHistory', 'maxHistory', 'template']);
  const spec = specOf(fn, o.spec);
  const sid = sidResolver(fn, o.sidOf, spec);
  const minHistory = o.minHistory ?? 1;
  const maxHistory = o.maxHistory ?? 50;
  assertPositiveInteger(fn, 'options.minHistory', minHistory);
  assertPositiveInteger(fn, 'options.maxHistory', maxHistory);
  if (maxHistory < minHistory) throw rangeError(fn, 'options.maxHistory', `≥ minHistory (${minHistory})`, maxHistory);
  const template = o.template ?? DEFAULT_NEXT_SID_TEMPLATE;
  if (typeof template !== 'string' || !template.includes('{history}')) throw typeError(fn, 'options.template', "a string containing '{history}'", template);
  let u = 0;
  for await (const seq of iterate(fn, 'sequences', sequences)) {
    const items = Array.isArray(seq) ? seq : seq !== null && typeof seq === 'object' ? (seq as { items?: unknown }).items : undefined;
    if (!Array.isArray(items)) throw typeError(fn, `sequences[${u}]`, 'an array of item ids or {items}', seq);
    const sids = (items as ItemId[]).map((id) => sid(id));
    for (let t = minHistory; t < sids.length; t++) {
      const history = sids.slice(Math.max(0, t - maxHistory), t).join(' ');
      yield { task: 'sequential', prompt: template.split('{history}').join(history), completion: sids[t]! };
    }
    u++;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Itemic dense captioning: SID → text

/** Options of {@link captionSamples}. */
export interface CaptionOptions {
  /** SID format. @defaultValue `DEFAULT_SID_SPEC` */
  readonly spec?: SidSpec;
  /** Prompt; `{sid}` = the item's SID. @defaultValue {@link DEFAULT_CAPTION_TEMPLATE} (P1's wording) */
  readonly template?: string;
  /** Longest title / description / category text in code points (after neutralisation). @defaultValue `500` */
  readonly maxFieldChars?: number;
}

/**
 * P1's dense-captioning prompt (digest §3); `{sid}` is replaced by the item's SID.
 *
 * @example
 * ```ts
 * DEFAULT_CAPTION_TEMPLATE.replace('{sid}', renderSid([1, 2, 3, 4]));
 * ```
 */
export const DEFAULT_CAPTION_TEMPLATE = 'Given an itemic token, generate a concise and accurate textual description. Token: {sid}';

/**
 * Itemic dense captioning (digest §3): prompt = the item's SID, completion =
 * `Title: … Description: … Categories: A > B > C` (fields that are absent are left out; metadata is neutralised as
 * in prompts). Items with no text at all are skipped — e.g. every item of the bundled Amazon Beauty file, which has
 * no metadata.
 *
 * @param items - Items with `id`, `sid` and optional `title`, `description`, `categories`.
 * @param options - See {@link CaptionOptions}.
 * @returns A lazy async stream of `'caption'` samples.
 * @throws TypeError / RangeError (when iterated) on malformed items.
 * @example
 * ```ts
 * for await (const s of captionSamples([{ id: 1, sid: [1, 2, 3, 4], title: 'Rose cream', categories: ['Beauty', 'Skin'] }])) {
 *   s.completion; // 'Title: Rose cream Categories: Beauty > Skin'
 * }
 * ```
 */
export async function* captionSamples(items: CorpusSource<CorpusItem>, options?: CaptionOptions): AsyncGenerator<MidTrainingSample> {
  const fn = 'captionSamples';
  const o = checkOptions(fn, options, ['spec', 'template', 'maxFieldChars']);
  const spec = specOf(fn, o.spec);
  const template = o.template ?? DEFAULT_CAPTION_TEMPLATE;
  if (typeof template !== 'string' || !template.includes('{sid}')) throw typeError(fn, 'options.template', "a string containing '{sid}'", template);
  const maxChars = o.maxFieldChars ?? 500;
  assertPositiveInteger(fn, 'options.maxFieldChars', maxChars);
  let i = 0;
  for await (const item of iterate(fn, 'items', items)) {
    const sid = itemSid(fn, `items[${i}]`, item, spec);
    const text = (name: 'title' | 'description'): string => {
      const v = item[name];
      if (v === undefined) return '';
      if (typeof v !== 'string') throw typeError(fn, `items[${i}].${name}`, 'a string', v);
      return neutralize(v, maxChars, spec);
    };
    const parts: string[] = [];
    const title = text('title');
    const description = text('description');
    if (title) parts.push(`Title: ${title}`);
    if (description) parts.push(`Description: ${description}`);
    if (item.categories !== undefined) {
      if (!Array.isArray(item.categories)) throw typeError(fn, `items[${i}].categories`, 'an array of strings', item.categories);
      const cats = item.categories.map((c, k) => {
        if (typeof c !== 'string') throw typeError(fn, `items[${i}].categories[${k}]`, 'a string', c);
        return neutralize(c, maxChars, spec);
      }).filter((c) => c.length > 0);
      if (cats.length > 0) parts.push(`Categories: ${cats.join(' > ')}`);
    }
    i++;
    if (parts.length === 0) continue;
    yield { task: 'caption', prompt: template.split('{sid}').join(sid), completion: parts.join(' ') };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Interleaved user persona grounding

/** A user for {@link personaSamples}: profile text, searches, interactions (items) and summarised interests. */
export interface PersonaUser {
  readonly profile?: string;
  readonly searches?: readonly string[];
  /** Chronological interactions. */
  readonly history: readonly CorpusItem[];
  /** A summary of the user's interests (written by a teacher model or derived from categories). */
  readonly interests?: string;
}

/** Options of {@link personaSamples}. */
export interface PersonaOptions {
  /** SID format. @defaultValue `DEFAULT_SID_SPEC` */
  readonly spec?: SidSpec;
  /** Longest history shown (the most recent items). @defaultValue `50` */
  readonly maxHistory?: number;
  /** Longest text field in code points (after neutralisation). @defaultValue `300` */
  readonly maxFieldChars?: number;
}

/**
 * Interleaved user persona grounding (digest §3; OneRec-Think's "alignment" task): one document per user that
 * interleaves text and SIDs — `User profile: … | Recent searches: … | Interactions: SID (title); SID (title); … |
 * Interests: …` — trained with plain next-token prediction (`prompt: ''`). Absent fields are left out; all text is
 * neutralised. Users with no history are skipped.
 *
 * @param users - {@link PersonaUser}s.
 * @param options - See {@link PersonaOptions}.
 * @returns A lazy async stream of `'persona'` samples.
 * @throws TypeError / RangeError (when iterated) on malformed users.
 * @example
 * ```ts
 * for await (const s of personaSamples([{ history: [{ id: 1, sid: [1, 2, 3, 4], title: 'Shampoo' }], interests: 'hair care' }])) {
 *   s.completion; // 'Interactions: <|sid_begin|>…<|sid_end|> (Shampoo)\nInterests: hair care'
 * }
 * ```
 */
export async function* personaSamples(users: CorpusSource<PersonaUser>, options?: PersonaOptions): AsyncGenerator<MidTrainingSample> {
  const fn = 'personaSamples';
  const o = checkOptions(fn, options, ['spec', 'maxHistory', 'maxFieldChars']);
  const spec = specOf(fn, o.spec);
  const maxHistory = o.maxHistory ?? 50;
  const maxChars = o.maxFieldChars ?? 300;
  assertPositiveInteger(fn, 'options.maxHistory', maxHistory);
  assertPositiveInteger(fn, 'options.maxFieldChars', maxChars);
  let u = 0;
  for await (const user of iterate(fn, 'users', users)) {
    const arg = `users[${u}]`;
    if (user === null || typeof user !== 'object' || Array.isArray(user)) throw typeError(fn, arg, 'a PersonaUser object', user);
    if (!Array.isArray(user.history)) throw typeError(fn, `${arg}.history`, 'an array of items', user.history);
    const str = (name: 'profile' | 'interests'): string => {
      const v = user[name];
      if (v === undefined) return '';
      if (typeof v !== 'string') throw typeError(fn, `${arg}.${name}`, 'a string', v);
      return neutralize(v, maxChars, spec);
    };
    const lines: string[] = [];
    const profile = str('profile');
    if (profile) lines.push(`User profile: ${profile}`);
    if (user.searches !== undefined) {
      if (!Array.isArray(user.searches)) throw typeError(fn, `${arg}.searches`, 'an array of strings', user.searches);
      const qs = user.searches.map((q, k) => {
        if (typeof q !== 'string') throw typeError(fn, `${arg}.searches[${k}]`, 'a string', q);
        return neutralize(q, maxChars, spec);
      }).filter((q) => q.length > 0);
      if (qs.length > 0) lines.push(`Recent searches: ${qs.join('; ')}`);
    }
    const hist = user.history.slice(Math.max(0, user.history.length - maxHistory));
    const offset = user.history.length - hist.length;
    const shown = hist.map((it, k) => {
      const sid = itemSid(fn, `${arg}.history[${offset + k}]`, it, spec);
      const t = it.title === undefined ? '' : typeof it.title === 'string' ? neutralize(it.title, maxChars, spec) : (() => {
        throw typeError(fn, `${arg}.history[${offset + k}].title`, 'a string', it.title);
      })();
      return t ? `${sid} (${t})` : sid;
    });
    const interests = str('interests');
    u++;
    if (shown.length === 0) continue;
    lines.push(`Interactions: ${shown.join('; ')}`);
    if (interests) lines.push(`Interests: ${interests}`);
    yield { task: 'persona', prompt: '', completion: lines.join('\n') };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// General language modelling

/**
 * General language modelling (digest §3): text passed through unchanged as `'general'` samples (`prompt: ''`), to
 * preserve the model's language ability. Empty strings are skipped.
 *
 * @param texts - Any text corpus.
 * @returns A lazy async stream of `'general'` samples.
 * @throws TypeError (when iterated) when an element is not a string.
 * @example
 * ```ts
 * for await (const s of generalTextSamples(['Hello world.'])) s.completion; // 'Hello world.'
 * ```
 */
export async function* generalTextSamples(texts: CorpusSource<string>): AsyncGenerator<MidTrainingSample> {
  let i = 0;
  for await (const t of iterate('generalTextSamples', 'texts', texts)) {
    if (typeof t !== 'string') throw typeError('generalTextSamples', `texts[${i}]`, 'a string', t);
    i++;
    if (t.length > 0) yield { task: 'general', prompt: '', completion: t };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Mixer

/** Task ratios of the mix (any non-negative weights; normalised). */
export type MidTrainingRatios = Readonly<Record<MidTrainingTask, number>>;

/**
 * OneRec-Think's task mix (digest §3): persona grounding ("alignment") 24.30 %, sequential 65.73 %, caption
 * 4.94 %, general 5.03 %. Whether GR2 used the same ratios is not stated.
 *
 * @example
 * ```ts
 * DEFAULT_MIDTRAINING_RATIOS.sequential; // 65.73
 * ```
 */
export const DEFAULT_MIDTRAINING_RATIOS: MidTrainingRatios = Object.freeze({ persona: 24.3, sequential: 65.73, caption: 4.94, general: 5.03 });

/** Options of {@link mixMidTraining}. */
export interface MixOptions {
  /** Task weights (tasks without a source are dropped and the rest renormalised). @defaultValue {@link DEFAULT_MIDTRAINING_RATIOS} */
  readonly ratios?: Partial<MidTrainingRatios>;
  /** Seed of the task draws. @defaultValue `1234` */
  readonly seed?: number;
  /** Stop after this many samples. @defaultValue no limit */
  readonly limit?: number;
  /**
   * When a source runs dry: `'stop'` ends the mix (the ratios hold exactly in expectation up to that point);
   * `'renormalize'` continues with the remaining sources.
   * @defaultValue `'stop'`
   */
  readonly onExhausted?: 'stop' | 'renormalize';
}

const TASKS: readonly MidTrainingTask[] = ['persona', 'sequential', 'caption', 'general'];

/**
 * Seeded streaming mixer of the four task streams: each output sample comes from task `k` with probability
 * `ratios[k] / Σ ratios` (over the tasks that have a source), drawn with `Random(seed)`. Sources are pulled one
 * sample at a time, only when their task is drawn, so memory stays bounded whatever the corpus size.
 *
 * @param sources - One stream per task (e.g. from {@link personaSamples}, {@link nextSidSamples},
 *   {@link captionSamples}, {@link generalTextSamples}); missing tasks are left out of the mix.
 * @param options - See {@link MixOptions}.
 * @returns A lazy async stream of samples.
 * @throws TypeError / RangeError on bad sources or options (negative or non-finite ratios, all-zero ratios).
 * @example
 * ```ts
 * const mix = mixMidTraining({ sequential: nextSidSamples(seqs, { sidOf }), general: generalTextSamples(texts) }, { seed: 1, limit: 1000 });
 * for await (const s of mix) write(s);
 * ```
 */
export async function* mixMidTraining(
  sources: Partial<Readonly<Record<MidTrainingTask, CorpusSource<MidTrainingSample>>>>,
  options?: MixOptions,
): AsyncGenerator<MidTrainingSample> {
  const fn = 'mixMidTraining';
  checkOptions(fn, sources, TASKS, 'sources');
  if (sources === undefined) throw typeError(fn, 'sources', 'an object of task streams', sources);
  const o = checkOptions(fn, options, ['ratios', 'seed', 'limit', 'onExhausted']);
  const r = checkOptions(fn, o.ratios, TASKS, 'options.ratios');
  const ratios = { ...DEFAULT_MIDTRAINING_RATIOS, ...r };
  for (const t of TASKS) {
    const v = ratios[t];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw rangeError(fn, `options.ratios.${t}`, 'a finite number ≥ 0', v);
  }
  const seed = o.seed ?? 1234;
  assertNonNegativeInteger(fn, 'options.seed', seed);
  const limit = o.limit ?? Infinity;
  if (limit !== Infinity) assertNonNegativeInteger(fn, 'options.limit', limit);
  const onExhausted = o.onExhausted ?? 'stop';
  if (onExhausted !== 'stop' && onExhausted !== 'renormalize') throw rangeError(fn, 'options.onExhausted', "'stop' or 'renormalize'", onExhausted);
  const active: { task: MidTrainingTask; weight: number; it: AsyncIterator<MidTrainingSample> }[] = [];
  for (const t of TASKS) {
    const src = sources[t];
    if (src === undefined || ratios[t] === 0) continue;
    active.push({ task: t, weight: ratios[t], it: iterate(fn, `sources.${t}`, src)[Symbol.asyncIterator]() });
  }
  if (active.length === 0) throw rangeError(fn, 'options.ratios', 'positive for at least one task that has a source', ratios);
  const rng = new Random(seed);
  let emitted = 0;
  try {
    while (emitted < limit && active.length > 0) {
      let total = 0;
      for (const a of active) total += a.weight;
      let x = rng.random() * total;
      let k = 0;
      while (k < active.length - 1 && x >= active[k]!.weight) {
        x -= active[k]!.weight;
        k++;
      }
      const a = active[k]!;
      const next = await a.it.next();
      if (next.done) {
        active.splice(k, 1);
        if (onExhausted === 'stop') break;
        continue;
      }
      const s = next.value;
      if (s === null || typeof s !== 'object' || s.task !== a.task || typeof s.completion !== 'string' || typeof s.prompt !== 'string') {
        throw typeError(fn, `sources.${a.task}`, `a stream of '${a.task}' MidTrainingSamples`, s);
      }
      emitted++;
      yield s;
    }
  } finally {
    for (const a of active) await a.it.return?.();
  }
}
