/**
 * GR2 re-ranking slates from sequences: pre-ranked top-K candidates with the target inside.
 *
 * @packageDocumentation
 */
import { assertOneOf, assertPositiveInteger, checkOptions, rangeError, raw, typeError } from '../errors.js';
import { checkSequences } from '../validate.js';
import { Random } from '../sampling/random.js';
import { TransitionPreRanker, type PreRankerOptions } from './pre_ranker.js';
import type { SequenceDataset, Slate, UserSequence } from './types.js';

/** Multi-positive labelling (GR2 Technical Report setting). */
export interface MultiPositiveOptions {
  /** Number of held-out next items that become positives. @defaultValue `3` */
  readonly horizon?: number;
  /**
   * Grade of the held-out item at each offset (index 0 = the very next item). Must have `horizon` entries,
   * each > 0. @defaultValue `[2, 1, 1, …]` (next item = 2 "click + conversion", later items = 1 "click")
   */
  readonly grades?: readonly number[];
}

/** Options of {@link buildSlates}. */
export interface BuildSlatesOptions {
  /** Slate size K. @defaultValue `10` */
  readonly k?: number;
  /** Which held-out item is the target: the last (`'test'`) or the second-to-last (`'validation'`). @defaultValue `'test'` */
  readonly split?: 'test' | 'validation';
  /**
   * `'inject'`: every user gets a slate; a target the pre-ranker did not retrieve replaces the K-th
   * candidate at `unretrievedPosition`. `'filter'`: keep only users whose target was retrieved.
   * @defaultValue `'inject'`
   */
  readonly policy?: 'inject' | 'filter';
  /**
   * Where an unretrieved target goes under `'inject'`: `'random'` = a seeded uniform position in `1..K`
   * (no positional tell: a re-ranker cannot learn "injected items sit last"), `'last'` = position K (the
   * pre-ranker's own verdict, clipped to the slate). @defaultValue `'random'`
   */
  readonly unretrievedPosition?: 'random' | 'last';
  /** Seed of the injection positions. @defaultValue `1234` */
  readonly seed?: number;
  /** Label several later items as graded positives instead of one target. @defaultValue `false` */
  readonly multiPositive?: boolean | MultiPositiveOptions;
  /**
   * A pre-ranker to use. It must have been trained without the held-out items (the default one is trained
   * here on each user's items before `min(cut, n − 2)`). @defaultValue a new {@link TransitionPreRanker}
   */
  readonly preRanker?: TransitionPreRanker;
  /** Options of the default pre-ranker. @defaultValue `{}` */
  readonly preRankerOptions?: PreRankerOptions;
}

/** Counts reported by {@link buildSlates}. */
export interface SlateStats {
  /** Users long enough to evaluate. */
  readonly users: number;
  /** Users skipped for being too short (fewer than `max(3, horizon + 1)` items, one more for `'validation'`). */
  readonly skipped: number;
  /** Slates returned. */
  readonly slates: number;
  /** Slates whose target (every positive in the slate, when multi-positive) was retrieved by the pre-ranker. */
  readonly retrieved: number;
  /** Share of evaluated users whose target the pre-ranker retrieved in its top K (single target). */
  readonly retrievalRate: number;
  /** Positives injected (0 under `'filter'`). */
  readonly injected: number;
  /** Users dropped by `'filter'` (or, multi-positive, slates left without a positive or a negative). */
  readonly filtered: number;
  /** Multi-positive: held-out positives retrieved / all held-out positives (equals `retrievalRate` for one target). */
  readonly positiveRecall: number;
}

/** Result of {@link buildSlates}. */
export interface SlateSet {
  readonly slates: Slate[];
  readonly stats: SlateStats;
  /** The pre-ranker that ordered the candidates. */
  readonly preRanker: TransitionPreRanker;
}

/**
 * Builds GR2 re-ranking slates (P1: K = 10 pre-ranked candidates that contain the next item).
 *
 * For a user with items `(v_1 … v_n)` the cut is `c = n − 1` (`split: 'test'`) or `n − 2` (`'validation'`);
 * with `multiPositive` the cut moves back by `horizon − 1`. The history is `(v_1 … v_c)` and the positives
 * are `v_{c+1} …` (one target, or `horizon` graded positives). The pre-ranker, trained only on each user's
 * items before `min(c, n − 2)` (so validation and test targets never enter training), ranks the catalog
 * minus the history; the slate is its top K. A positive it did not retrieve is handled by `policy`
 * (see {@link BuildSlatesOptions}); labels are 1 for the target (single) or the grades (multi-positive).
 * Multi-positive slates without a negative or a positive are dropped, as the TR does at loading.
 *
 * @param data - sequences (or a {@link SequenceDataset}).
 * @param options - see {@link BuildSlatesOptions}.
 * @returns slates in input order, counts, and the pre-ranker.
 * @throws TypeError for a non-array input; RangeError for bad options.
 * @example
 * ```ts
 * const { slates, stats } = buildSlates((await loadBeauty()).sequences);
 * // slates.length = 22363; slates[0].candidates.length = 10; stats.retrievalRate ≈ 0.08
 * ```
 */
export function buildSlates(data: readonly UserSequence[] | SequenceDataset, options: BuildSlatesOptions = {}): SlateSet {
  const fn = 'buildSlates';
  const sequences = checkSequences<UserSequence>(fn, 'data', data);
  checkOptions(fn, options, ['k', 'split', 'policy', 'unretrievedPosition', 'seed', 'multiPositive', 'preRanker', 'preRankerOptions']);
  const k = options.k ?? 10;
  const split = options.split ?? 'test';
  const policy = options.policy ?? 'inject';
  const position = options.unretrievedPosition ?? 'random';
  const seed = options.seed ?? 1234;
  assertPositiveInteger(fn, 'options.k', k);
  if (k < 2) throw rangeError(fn, 'options.k', 'at least 2', k);
  assertOneOf(fn, 'options.split', split, ['test', 'validation'] as const);
  assertOneOf(fn, 'options.policy', policy, ['inject', 'filter'] as const);
  assertOneOf(fn, 'options.unretrievedPosition', position, ['random', 'last'] as const);
  const multi = options.multiPositive ?? false;
  let horizon = 1;
  let grades: number[] = [1];
  if (multi !== false) {
    const m: MultiPositiveOptions = multi === true ? {} : multi;
    if (m === null || typeof m !== 'object') throw typeError(fn, 'options.multiPositive', 'a boolean or {horizon, grades}', multi);
    horizon = m.horizon ?? 3;
    assertPositiveInteger(fn, 'options.multiPositive.horizon', horizon);
    if (horizon >= k) throw rangeError(fn, 'options.multiPositive.horizon', `below k = ${k}`, horizon);
    grades = m.grades ? [...m.grades] : Array.from({ length: horizon }, (_, i) => (i === 0 ? 2 : 1));
    if (grades.length !== horizon || grades.some((g) => !(Number.isFinite(g) && g > 0))) {
      throw rangeError(fn, 'options.multiPositive.grades', `${horizon} positive grades`, raw(`[${grades.join(', ')}]`));
    }
  }
  const isMulti = multi !== false;
  const back = split === 'test' ? 0 : 1;
  const minLen = Math.max(3, horizon + back + 1); // ≥ 1 history item and ≥ 1 training item before the cut
  const cutOf = (n: number): number => n - horizon - back;

  let preRanker = options.preRanker;
  if (preRanker !== undefined && !(preRanker instanceof TransitionPreRanker)) {
    throw typeError(fn, 'options.preRanker', 'a TransitionPreRanker', preRanker);
  }
  if (!preRanker) {
    const train: UserSequence[] = [];
    let maxId = 0;
    for (const s of sequences) {
      for (const v of s.items) if (v > maxId) maxId = v;
      const n = s.items.length;
      if (n < minLen) continue;
      train.push({ user: s.user, items: s.items.slice(0, Math.min(cutOf(n), n - 2)) });
    }
    preRanker = TransitionPreRanker.train(train, { numItems: Math.max(maxId, 1), ...options.preRankerOptions });
  }

  const rng = new Random(seed);
  const slates: Slate[] = [];
  let users = 0;
  let skipped = 0;
  let retrievedSlates = 0;
  let retrievedUsers = 0;
  let injected = 0;
  let filtered = 0;
  let positivesTotal = 0;
  let positivesRetrieved = 0;
  for (const s of sequences) {
    const items = s.items;
    const n = items.length;
    if (n < minLen) {
      skipped++;
      continue;
    }
    users++;
    const c = cutOf(n);
    const history = items.slice(0, c);
    const posGrade = new Map<number, number>();
    for (let i = 0; i < horizon; i++) {
      const v = items[c + i]!;
      posGrade.set(v, Math.max(posGrade.get(v) ?? 0, grades[i]!));
    }
    const positives = [...posGrade.keys()];
    const r = preRanker.rankWith(history, k, true, [], positives);
    const cand = Array.from(r.items);
    const scores = Array.from(r.scores);
    const missing: number[] = [];
    const missingScores: number[] = [];
    let hit = 0;
    positives.forEach((p, i) => {
      if (cand.includes(p)) hit++;
      else {
        missing.push(p);
        missingScores.push(r.extra[i]!);
      }
    });
    positivesTotal += positives.length;
    positivesRetrieved += hit;
    if (!isMulti && hit === 1) retrievedUsers++;
    if (policy === 'filter') {
      if (hit === 0) {
        filtered++;
        continue;
      }
    } else if (missing.length > 0) {
      // drop the lowest-scored non-positive candidates, then insert each missing positive
      for (let m = 0; m < missing.length; m++) {
        for (let j = cand.length - 1; j >= 0; j--) {
          if (!posGrade.has(cand[j]!)) {
            cand.splice(j, 1);
            scores.splice(j, 1);
            break;
          }
        }
      }
      for (let m = 0; m < missing.length; m++) {
        const at = position === 'last' ? cand.length : rng.int(cand.length + 1);
        cand.splice(at, 0, missing[m]!);
        scores.splice(at, 0, missingScores[m]!);
        injected++;
      }
    }
    const relevance = cand.map((v) => posGrade.get(v) ?? 0);
    const npos = relevance.filter((g) => g > 0).length;
    if (isMulti && (npos === 0 || npos === cand.length)) {
      filtered++;
      continue;
    }
    const allRetrieved = policy === 'filter' || missing.length === 0;
    if (allRetrieved) retrievedSlates++;
    const target = isMulti ? null : items[c]!;
    slates.push({
      user: s.user,
      history,
      candidates: cand,
      relevance,
      target,
      targetRank: target === null ? null : cand.indexOf(target) + 1,
      targetRetrieved: allRetrieved,
      scores,
    });
  }
  const positiveRecall = positivesTotal > 0 ? positivesRetrieved / positivesTotal : 0;
  return {
    slates,
    stats: {
      users,
      skipped,
      slates: slates.length,
      retrieved: retrievedSlates,
      retrievalRate: isMulti ? positiveRecall : users > 0 ? retrievedUsers / users : 0,
      injected,
      filtered,
      positiveRecall,
    },
    preRanker,
  };
}
