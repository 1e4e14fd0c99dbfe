/**
 * Internal: turns (ranking, relevance, options) into position-ordered grades and tie groups.
 *
 * @packageDocumentation
 * @internal
 */
import { assertOneOf, assertPositiveInteger, rangeError, raw, typeError } from '../errors.js';
import { aucKernel, type RowView } from './kernels.js';
import type { DuplicatePolicy, ItemId, KBeyondList, MetricOptions, NoRelevantPolicy, Ranking, Relevance, ScoredList, TieBreaking } from './types.js';

/** @internal */
export const TIES: readonly TieBreaking[] = ['average', 'optimistic', 'pessimistic', 'stable'];
const NO_RELEVANT: readonly NoRelevantPolicy[] = ['zero', 'skip', 'error'];
const K_BEYOND: readonly KBeyondList[] = ['pad', 'clamp', 'error'];
const DUPLICATES: readonly DuplicatePolicy[] = ['error', 'first'];

/** @internal Grade lookup built from any {@link Relevance} form. */
export interface Judgments {
  grade(id: ItemId): number;
  /** The key under which `id` is judged (`String(id)` for `{id: grade}` objects, whose keys are strings). */
  key(id: ItemId): ItemId;
  /** Every judged id with grade > 0, with its grade. */
  readonly relevant: readonly { id: ItemId; grade: number }[];
}

function checkId(fn: string, arg: string, id: unknown): asserts id is ItemId {
  if (typeof id === 'number') {
    if (Number.isNaN(id)) throw rangeError(fn, arg, 'ids that are not NaN', id);
    return;
  }
  if (typeof id !== 'string') throw typeError(fn, arg, 'item ids (numbers or strings)', id);
}

function checkGrade(fn: string, arg: string, g: unknown): number {
  if (typeof g !== 'number') throw typeError(fn, arg, 'a number grade', g);
  if (!Number.isFinite(g) || g < 0) throw rangeError(fn, arg, 'a finite grade >= 0', g);
  return g;
}

const sameKey = (id: ItemId): ItemId => id;

/** @internal Normalises the judgments of one query. */
export function toJudgments(fn: string, relevant: Relevance): Judgments {
  if (typeof relevant === 'number' || typeof relevant === 'string') {
    checkId(fn, 'relevant', relevant);
    const one = relevant;
    return { grade: (id) => (id === one ? 1 : 0), key: sameKey, relevant: [{ id: one, grade: 1 }] };
  }
  if (Array.isArray(relevant) || ArrayBuffer.isView(relevant)) {
    const ids = relevant as ArrayLike<ItemId>;
    const set = new Set<ItemId>();
    const list: { id: ItemId; grade: number }[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      checkId(fn, `relevant[${i}]`, id);
      if (!set.has(id)) {
        set.add(id);
        list.push({ id, grade: 1 });
      }
    }
    return { grade: (id) => (set.has(id) ? 1 : 0), key: sameKey, relevant: list };
  }
  if (relevant instanceof Map) {
    const map = relevant as ReadonlyMap<ItemId, number>;
    const list: { id: ItemId; grade: number }[] = [];
    for (const [id, g] of map) {
      checkId(fn, 'relevant (key)', id);
      const grade = checkGrade(fn, `relevant.get(${String(id)})`, g);
      if (grade > 0) list.push({ id, grade });
    }
    return { grade: (id) => map.get(id) ?? 0, key: sameKey, relevant: list };
  }
  if (relevant !== null && typeof relevant === 'object') {
    const rec = relevant as Readonly<Record<string, number>>;
    const list: { id: ItemId; grade: number }[] = [];
    for (const key of Object.keys(rec)) {
      const grade = checkGrade(fn, `relevant['${key}']`, rec[key]);
      if (grade > 0) list.push({ id: key, grade });
    }
    return { grade: (id) => (Object.prototype.hasOwnProperty.call(rec, String(id)) ? rec[String(id)]! : 0), key: String, relevant: list };
  }
  throw typeError(fn, 'relevant', 'an id, an array of ids, a Map of grades or a {id: grade} object', relevant);
}

/** @internal A ranking after validation, deduplication and tie resolution. */
export interface Prepared {
  /** Ids in final order. */
  readonly ids: ItemId[];
  /** Grade of the item at each position (0-based). */
  readonly grades: Float64Array;
  /**
   * Tie-group boundaries for `'average'` ties: `bounds[g]` is the first position of group g, and the last
   * entry equals the list length. `null` when every group is a singleton.
   */
  readonly bounds: Int32Array | null;
  /** Judged relevant grades (> 0), descending. */
  readonly idealGrades: number[];
  /** Judged relevant items missing from the ranking (grades), in judgment order. */
  readonly missing: number[];
}

function isScored(r: Ranking): r is ScoredList {
  return r !== null && typeof r === 'object' && !Array.isArray(r) && !ArrayBuffer.isView(r) && 'ids' in r && 'scores' in r;
}

/** @internal Resolved shared options. */
export interface ResolvedCommon {
  readonly ties: TieBreaking;
  readonly noRelevant: NoRelevantPolicy;
  readonly kBeyondList: KBeyondList;
  readonly duplicates: DuplicatePolicy;
}

/** @internal */
export function resolveCommon(fn: string, options: MetricOptions): ResolvedCommon {
  if (options === null || typeof options !== 'object') throw typeError(fn, 'options', 'an object', options);
  const ties = options.ties ?? 'average';
  const noRelevant = options.noRelevant ?? 'zero';
  const kBeyondList = options.kBeyondList ?? 'pad';
  const duplicates = options.duplicates ?? 'error';
  assertOneOf(fn, 'options.ties', ties, TIES);
  assertOneOf(fn, 'options.noRelevant', noRelevant, NO_RELEVANT);
  assertOneOf(fn, 'options.kBeyondList', kBeyondList, K_BEYOND);
  assertOneOf(fn, 'options.duplicates', duplicates, DUPLICATES);
  return { ties, noRelevant, kBeyondList, duplicates };
}

/** @internal Validates and orders a ranking against its judgments. */
export function prepare(fn: string, ranking: Ranking, relevant: Relevance, options: MetricOptions, common: ResolvedCommon): Prepared {
  const judg = toJudgments(fn, relevant);
  let rawIds: ArrayLike<ItemId>;
  let scores: ArrayLike<number> | null = null;
  if (isScored(ranking)) {
    rawIds = ranking.ids as ArrayLike<ItemId>;
    scores = ranking.scores;
    if (rawIds == null || typeof rawIds !== 'object' || typeof rawIds.length !== 'number') {
      throw typeError(fn, 'ranking.ids', 'an array of ids', rawIds);
    }
    if (scores == null || typeof scores !== 'object' || typeof scores.length !== 'number') {
      throw typeError(fn, 'ranking.scores', 'an array of numbers', scores);
    }
    if (scores.length !== rawIds.length) {
      throw rangeError(fn, 'ranking.scores', `of length ${rawIds.length} (as ranking.ids)`, raw(`length ${scores.length}`));
    }
  } else if (Array.isArray(ranking) || ArrayBuffer.isView(ranking)) {
    rawIds = ranking as ArrayLike<ItemId>;
  } else {
    throw typeError(fn, 'ranking', 'an array of ids or {ids, scores}', ranking);
  }

  let allowed: Set<ItemId> | null = null;
  if (options.candidates !== undefined) {
    const c = options.candidates as ArrayLike<ItemId>;
    if (c == null || typeof c !== 'object' || typeof c.length !== 'number') {
      throw typeError(fn, 'options.candidates', 'an array of ids', c);
    }
    allowed = new Set<ItemId>();
    for (let i = 0; i < c.length; i++) allowed.add(c[i]!);
  }

  const n0 = rawIds.length;
  const seen = new Set<ItemId>();
  const keep: number[] = [];
  for (let i = 0; i < n0; i++) {
    const id = rawIds[i];
    checkId(fn, `ranking[${i}]`, id);
    if (allowed && !allowed.has(id)) {
      throw rangeError(fn, 'ranking', 'ids from options.candidates', raw(`unknown id ${JSON.stringify(id)} at position ${i}`));
    }
    if (scores) {
      const s = scores[i];
      if (typeof s !== 'number' || Number.isNaN(s)) {
        throw rangeError(fn, 'ranking.scores', 'numbers that are not NaN', raw(`${String(s)} at index ${i}`));
      }
    }
    if (seen.has(id)) {
      if (common.duplicates === 'error') {
        throw rangeError(fn, 'ranking', 'free of duplicate ids', raw(`id ${JSON.stringify(id)} repeated at position ${i}`),
          "Pass {duplicates: 'first'} to keep the first occurrence.");
      }
      continue;
    }
    seen.add(id);
    keep.push(i);
  }

  let order = keep;
  let bounds: Int32Array | null = null;
  if (scores) {
    const s = scores;
    const gradeOf = (i: number): number => judg.grade(rawIds[i]!);
    order = keep.slice().sort((a, b) => {
      // compare, not subtract: two equal infinite scores (masked logits) are a tie, and −∞ − −∞ is NaN
      const sa = s[a]!;
      const sb = s[b]!;
      if (sa !== sb) return sb > sa ? 1 : -1;
      if (common.ties === 'optimistic') {
        const g = gradeOf(b) - gradeOf(a);
        if (g !== 0) return g;
      } else if (common.ties === 'pessimistic') {
        const g = gradeOf(a) - gradeOf(b);
        if (g !== 0) return g;
      }
      return a - b;
    });
    if (common.ties === 'average') {
      const b: number[] = [0];
      for (let p = 1; p < order.length; p++) if (s[order[p]!] !== s[order[p - 1]!]) b.push(p);
      b.push(order.length);
      if (b.length - 1 < order.length) bounds = Int32Array.from(b);
    }
  }

  const n = order.length;
  const ids: ItemId[] = new Array(n);
  const grades = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    const id = rawIds[order[p]!]!;
    ids[p] = id;
    grades[p] = judg.grade(id);
  }
  const idealGrades = judg.relevant.map((r) => r.grade).sort((a, b) => b - a);
  // a judged id is ranked when some ranked id maps to its judgment key (numeric ids match '{"7": 1}' keys)
  let ranked = seen;
  if (judg.key !== sameKey) {
    ranked = new Set<ItemId>();
    for (const id of seen) ranked.add(judg.key(id));
  }
  const missing: number[] = [];
  for (const r of judg.relevant) if (!ranked.has(r.id)) missing.push(r.grade);
  return { ids, grades, bounds, idealGrades, missing };
}

/** @internal Validates k and applies the kBeyondList policy; returns the effective cut-off. */
export function resolveK(fn: string, k: number, n: number, policy: KBeyondList): number {
  assertPositiveInteger(fn, 'k', k);
  if (k > n) {
    if (policy === 'error') {
      throw rangeError(fn, 'k', `at most the ranking length ${n}`, k, "Pass {kBeyondList: 'pad'} or 'clamp'.");
    }
    if (policy === 'clamp') return Math.max(n, 1);
  }
  return k;
}

/** @internal What AUC needs to be defined, by pair mode (for the no-relevant message). */
export const AUC_NEEDS = { binary: 'at least one positive and one negative', graded: 'two different grades' } as const;

/** @internal Applies the no-relevant policy. */
export function noRelevantValue(fn: string, policy: NoRelevantPolicy, what = 'at least one relevant item (grade > 0)'): number {
  if (policy === 'error') throw rangeError(fn, 'relevant', `to contain ${what}`, raw('none'), "Pass {noRelevant: 'zero'} or 'skip'.");
  return policy === 'zero' ? 0 : Number.NaN;
}

/** @internal A {@link RowView} of a prepared ranking; `ideal` from the judgments or from the ranking. */
export function toRowView(prep: Prepared, idealFrom: 'qrels' | 'ranking' = 'qrels'): RowView {
  const n = prep.grades.length;
  let bounds = prep.bounds;
  if (!bounds) {
    bounds = new Int32Array(n + 1);
    for (let i = 0; i <= n; i++) bounds[i] = i;
  }
  const ideal =
    idealFrom === 'qrels'
      ? Float64Array.from(prep.idealGrades)
      : Float64Array.from(prep.grades).filter((g) => g > 0).sort().reverse();
  return { grades: prep.grades, n, bounds, groups: bounds.length - 1, ideal, nIdeal: ideal.length };
}

/**
 * @internal AUC pair counts `[correct, total]` of a prepared ranking: the ranked grades with their tie groups,
 * then the judged positives missing from the ranking as one block after every ranked item (one tie group for
 * `'average'`, ordered by grade for `'optimistic'`/`'pessimistic'`, judgment order for `'stable'`).
 */
export function aucPairs(prep: Prepared, ties: TieBreaking, binary: boolean): [number, number] {
  const n = prep.grades.length;
  const missing = prep.missing.slice();
  if (ties === 'optimistic') missing.sort((a, b) => b - a);
  else if (ties === 'pessimistic') missing.sort((a, b) => a - b);
  const grades = new Float64Array(n + missing.length);
  grades.set(prep.grades);
  for (let i = 0; i < missing.length; i++) grades[n + i] = missing[i]!;
  // group id per position: tie groups of the ranking, then the missing block
  const group = new Int32Array(grades.length);
  if (prep.bounds) {
    const b = prep.bounds;
    for (let gi = 0; gi + 1 < b.length; gi++) for (let p = b[gi]!; p < b[gi + 1]!; p++) group[p] = gi;
  } else for (let p = 0; p < n; p++) group[p] = p;
  for (let i = 0; i < missing.length; i++) group[n + i] = ties === 'average' ? -1 : -2 - i;
  return aucKernel(grades, group, grades.length, binary);
}
