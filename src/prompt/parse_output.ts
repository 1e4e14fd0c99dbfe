/**
 * Parser and validator of GR2 re-ranking output.
 *
 * GR2 answers with a JSON object `{"explanation": "…", "recommendations": [SID, …]}` (P1 §4.1; key names
 * configurable), possibly inside a ```` ```json ```` fence or after a `<think>…</think>` block; the deployed
 * reasoning-free model emits the ranking only (TR §9.4). RankGPT-style lists (`[3] > [1] > [2]`) are read for
 * interoperability (valid in strict mode only with `allowIndices`).
 *
 * One code path serves two modes:
 * - `'strict'` (rewards): `valid` ⇔ the answer parses and is a permutation of the candidates; `order` is that
 *   permutation or `null`.
 * - `'lenient'` (serving): `order` is always a permutation — duplicates dropped, unknown ids removed, missing
 *   candidates appended in input order, and the input order itself when nothing parses (the pre-rank fallback of
 *   D-GR2).
 *
 * It never throws on model output and runs in O(text length): a bounded hand-written scanner finds the JSON span
 * (nesting depth capped) before the native `JSON.parse`, the SID scan is linear, and input beyond `maxLength` is
 * rejected without being read.
 *
 * @packageDocumentation
 */
import { assertNonNegativeInteger, rangeError, typeError } from '../errors.js';
import { checkArrayLike, checkInt, MAX_ARRAY_ELEMENTS } from '../validate.js';
import {
  DEFAULT_SID_SPEC,
  parseSids,
  sidKey,
  sidNumericKeyReader,
  tryParseSid,
  validateSidSpec,
  type SidSpec,
} from '../sid/sid_string.js';

/**
 * JSON key names of GR2's answer (P1 §4.1): `{"explanation": "…", "recommendations": [SID, …]}`. The prompt
 * builders write these keys into the output schema and {@link parseRerankOutput} reads them by default, so the two
 * cannot drift.
 *
 * @example
 * ```ts
 * RERANK_ANSWER_KEYS.reasoning; // 'explanation'
 * RERANK_ANSWER_KEYS.ranking;   // 'recommendations'
 * ```
 */
export const RERANK_ANSWER_KEYS: Readonly<{ reasoning: 'explanation'; ranking: 'recommendations' }> = Object.freeze({
  reasoning: 'explanation',
  ranking: 'recommendations',
});

const OPTIONAL_ONE = Object.freeze({ boundaries: 'optional' as const, maxMatches: 1 });
const readerCache = new WeakMap<SidSpec, ((text: string) => number) | null>();
function readerFor(spec: SidSpec): ((text: string) => number) | null {
  let r = readerCache.get(spec);
  if (r === undefined) {
    r = sidNumericKeyReader(spec);
    readerCache.set(spec, r);
  }
  return r;
}

/** Answer formats the parser recognises. `'sids'`: bare SIDs in the answer text (no JSON). */
export type RerankFormat = 'json' | 'rankgpt' | 'sids';

/** Options of {@link parseRerankOutput}. All fields are optional. */
export interface ParseRerankOptions {
  /**
   * `'strict'`: `order` is the parsed permutation or `null`. `'lenient'`: `order` is always a repaired permutation.
   * @defaultValue `'strict'`
   */
  readonly mode?: 'strict' | 'lenient';
  /**
   * JSON key of the reasoning trace.
   * @defaultValue `'explanation'`
   */
  readonly reasoningKey?: string;
  /**
   * JSON key of the ranked list.
   * @defaultValue `'recommendations'`
   */
  readonly rankingKey?: string;
  /**
   * Formats that count as valid in strict mode (lenient mode reads all of them). A RankGPT chain refers to
   * candidates by index, so it is valid in strict mode only with `allowIndices` as well.
   * @defaultValue `['json', 'rankgpt']`
   */
  readonly formats?: readonly RerankFormat[];
  /**
   * Strict validity also requires a non-empty reasoning trace: `true` — the JSON reasoning field or a `<think>`
   * block; `'json'` — the JSON reasoning field itself, as P1's Ω reads it ("extracted from the JSON"; the rewards'
   * default). Leave `false` for the reasoning-free variant.
   * @defaultValue `false`
   */
  readonly requireReasoning?: boolean | 'json';
  /**
   * Whether non-whitespace text outside the answer (other than a `<think>` block and code fences) is allowed in
   * strict mode. It is always reported in `diagnostics.extraText`.
   * @defaultValue `true`
   */
  readonly allowExtraText?: boolean;
  /**
   * Whether strict mode accepts candidates referred to by numeric index — RankGPT chains `[3] > [1] > …` and numbers
   * in a JSON list — instead of their SIDs. GR2's answer cites SIDs (P1 §4.2, TR Ω), so this is off unless asked;
   * lenient mode always reads indices.
   * @defaultValue `false`
   */
  readonly allowIndices?: boolean;
  /**
   * Base of numeric ids (RankGPT `[n]` and numbers in the JSON list): 1 means `[1]` is the first candidate.
   * @defaultValue `1`
   */
  readonly indexBase?: 0 | 1;
  /**
   * SID format used to match SIDs in the output to the candidates.
   * @defaultValue `DEFAULT_SID_SPEC`
   */
  readonly spec?: SidSpec;
  /**
   * Longer text is not read at all (`diagnostics.tooLong`), which bounds the time on adversarial input.
   * @defaultValue `1_000_000` characters
   */
  readonly maxLength?: number;
  /**
   * Maximum JSON nesting depth the scanner accepts.
   * @defaultValue `64`
   */
  readonly maxDepth?: number;
  /**
   * Maximum number of entries kept in `outOfSet` / `unknownSids` (the counts are exact).
   * @defaultValue `50`
   */
  readonly maxDiagnostics?: number;
}

/** What went wrong (or right) in one parse. Always present, also for valid output. */
export interface RerankDiagnostics {
  /** No ranking could be extracted (no JSON list, RankGPT chain or — in lenient mode — SIDs). */
  readonly unparsable: boolean;
  /** Lenient mode returned the input order because nothing usable parsed. */
  readonly fallback: boolean;
  /** Candidate indices (0-based) that appear more than once, each listed once. */
  readonly duplicates: readonly number[];
  /** Candidate indices (0-based) absent from the ranking, in input order. */
  readonly missing: readonly number[];
  /** Ranking entries that are not candidates (malformed entries and unknown SIDs), as written (capped). */
  readonly outOfSet: readonly string[];
  /** Exact number of out-of-set entries. */
  readonly outOfSetCount: number;
  /** The subset of `outOfSet` that are well-formed SIDs — valid item ids that are just not in the slate (capped). */
  readonly unknownSids: readonly string[];
  /** Exact number of unknown SIDs. */
  readonly unknownSidCount: number;
  /** Non-whitespace text outside the answer, the `<think>` block and code fences. */
  readonly extraText: boolean;
  /** No non-empty reasoning was found. */
  readonly missingReasoning: boolean;
  /** The input exceeded `maxLength` and was not read. */
  readonly tooLong: boolean;
  /** Human-readable notes, one per problem. */
  readonly messages: readonly string[];
}

/** Result of {@link parseRerankOutput}. */
export interface RerankParseResult {
  /** Strict validity: parsed in an accepted format and a permutation of the candidates (plus the options' rules). */
  readonly valid: boolean;
  /**
   * Candidate indices (0-based), best first. Strict mode: the permutation when `valid`, else `null`. Lenient mode:
   * always a permutation of `0..K−1` (repaired, or the input order as the fallback).
   */
  readonly order: number[] | null;
  /** Candidate indices in the order they appeared, duplicates kept, out-of-set entries dropped. */
  readonly parsedOrder: number[];
  /** The reasoning trace (JSON reasoning field, else the `<think>` block), or `null`. */
  readonly reasoning: string | null;
  /** The format the answer was read from, or `'none'`. */
  readonly format: RerankFormat | 'none';
  /** Diagnostics. */
  readonly diagnostics: RerankDiagnostics;
}

/** A {@link RerankParseResult} whose `order` is always a permutation (lenient mode). */
export interface LenientRerankParseResult extends RerankParseResult {
  readonly order: number[];
}

/** A lookup from ranking entries to candidate indices; build once with {@link indexCandidates} and reuse. */
export interface CandidateIndex {
  /** The candidates, in input order. */
  readonly candidates: readonly string[];
  /** Number of candidates K. */
  readonly size: number;
  /**
   * Candidate index of an entry string, exact tokens only, or -1: the candidate's text (surrounding whitespace
   * ignored), or exactly one well-formed SID with the same codes — the spec's boundary and level tokens, whitespace
   * allowed between them and nothing else (no title, no missing boundary, no extra level, no zero-width or bidi
   * character). Strict parsing uses this.
   */
  lookup(entry: string): number;
  /** {@link CandidateIndex.lookup}, else the first SID written anywhere in the entry (boundaries optional). Lenient parsing uses this. */
  lookupLoose(entry: string): number;
  /** Whether an entry is exactly one well-formed SID (used to report unknown SIDs). */
  isSid(entry: string): boolean;
}

interface ResolvedOptions {
  strict: boolean;
  reasoningKey: string;
  rankingKey: string;
  formats: ReadonlySet<RerankFormat>;
  requireReasoning: boolean | 'json';
  allowExtraText: boolean;
  allowIndices: boolean;
  indexBase: number;
  spec: SidSpec;
  maxLength: number;
  maxDepth: number;
  maxDiagnostics: number;
}

const FN = 'parseRerankOutput';

function resolveRequireReasoning(v: unknown): boolean | 'json' {
  if (v === undefined) return false;
  if (v !== true && v !== false && v !== 'json') throw rangeError(FN, 'options.requireReasoning', "true, false or 'json'", v);
  return v;
}
const defaultResolved = new WeakMap<object, ResolvedOptions>();
const EMPTY_OPTIONS: ParseRerankOptions = Object.freeze({});

function resolveOptions(options: ParseRerankOptions): ResolvedOptions {
  const hit = defaultResolved.get(options);
  if (hit) return hit;
  if (options === null || typeof options !== 'object') throw typeError(FN, 'options', 'an object', options);
  const mode = options.mode ?? 'strict';
  if (mode !== 'strict' && mode !== 'lenient') throw rangeError(FN, 'options.mode', "one of 'strict', 'lenient'", mode);
  const reasoningKey = options.reasoningKey ?? RERANK_ANSWER_KEYS.reasoning;
  const rankingKey = options.rankingKey ?? RERANK_ANSWER_KEYS.ranking;
  if (typeof reasoningKey !== 'string') throw typeError(FN, 'options.reasoningKey', 'a string', reasoningKey);
  if (typeof rankingKey !== 'string' || rankingKey.length === 0) {
    throw typeError(FN, 'options.rankingKey', 'a non-empty string', rankingKey);
  }
  const formats = options.formats ?? ['json', 'rankgpt'];
  if (!Array.isArray(formats)) throw typeError(FN, 'options.formats', 'an array', formats);
  for (const f of formats) {
    if (f !== 'json' && f !== 'rankgpt' && f !== 'sids') {
      throw rangeError(FN, 'options.formats', "a list of 'json', 'rankgpt', 'sids'", f);
    }
  }
  const indexBase = options.indexBase ?? 1;
  if (indexBase !== 0 && indexBase !== 1) throw rangeError(FN, 'options.indexBase', '0 or 1', indexBase);
  const maxLength = options.maxLength ?? 1_000_000;
  const maxDepth = options.maxDepth ?? 64;
  const maxDiagnostics = options.maxDiagnostics ?? 50;
  for (const [name, v] of [
    ['options.maxLength', maxLength],
    ['options.maxDepth', maxDepth],
    ['options.maxDiagnostics', maxDiagnostics],
  ] as const) {
    assertNonNegativeInteger(FN, name, v);
  }
  const r: ResolvedOptions = {
    strict: mode === 'strict',
    reasoningKey,
    rankingKey,
    formats: new Set(formats),
    requireReasoning: resolveRequireReasoning(options.requireReasoning),
    allowExtraText: options.allowExtraText ?? true,
    allowIndices: options.allowIndices ?? false,
    indexBase,
    spec: validateSidSpec(options.spec ?? DEFAULT_SID_SPEC, FN),
    maxLength,
    maxDepth,
    maxDiagnostics,
  };
  // Options objects are usually created once and reused (frozen or not); caching them is safe because the
  // resolved values are only read when the object is the same identity and was not mutated — mutation of a
  // cached options object is not supported (documented on parseRerankOutput).
  defaultResolved.set(options, r);
  return r;
}

const candidateCache = new WeakMap<object, Map<SidSpec, CandidateIndexImpl>>();
const defaultCandidateCache = new WeakMap<object, CandidateIndexImpl>();

class CandidateIndexImpl implements CandidateIndex {
  readonly size: number;
  private readonly exact = new Map<string, number>();
  private readonly bySid = new Map<string, number>();
  /** Numeric SID key of each candidate (-1 when it is not a SID); null when the spec's code space is too large. */
  private readonly numKeys: number[] | null;
  private readonly reader: ((text: string) => number) | null;
  private readonly flat: string[] | null;
  constructor(
    readonly candidates: readonly string[],
    private readonly spec: SidSpec,
    private readonly snapshot: readonly string[],
  ) {
    this.size = candidates.length;
    this.reader = readerFor(spec);
    // Flat (non-rope) copies so that `===` is a plain memory compare.
    this.flat = candidates.length <= 64 ? candidates.map((c) => (typeof c === 'string' ? (JSON.parse(JSON.stringify(c)) as string) : '')) : null;
    this.numKeys = this.reader ? candidates.map((c) => (typeof c === 'string' ? this.reader!(c) : -1)) : null;
    candidates.forEach((c, i) => {
      if (typeof c !== 'string') throw typeError('indexCandidates', `candidates[${i}]`, 'a string', c);
      const t = c.trim();
      const codes = tryParseSid(t, spec);
      const k = codes ? sidKey(codes) : null;
      if (this.exact.has(t) || (k !== null && this.bySid.has(k))) {
        throw rangeError('indexCandidates', 'candidates', 'distinct', c);
      }
      this.exact.set(c, i);
      this.exact.set(t, i);
      if (k !== null) this.bySid.set(k, i);
    });
  }
  matches(candidates: readonly string[]): boolean {
    if (candidates.length !== this.snapshot.length) return false;
    for (let i = 0; i < candidates.length; i++) if (candidates[i] !== this.snapshot[i]) return false;
    return true;
  }
  lookup(entry: string): number {
    // Fast path: model output usually repeats a candidate verbatim. A linear scan of `===` over flat copies of the
    // candidates beats hashing the fresh entry string (measured ~4x on 60-character SIDs).
    const flat = this.flat;
    if (flat !== null) {
      for (let i = 0; i < flat.length; i++) if (flat[i] === entry) return i;
    }
    if (this.reader !== null) {
      // A well-formed SID, matched by its codes whatever the spacing.
      const key = this.reader(entry);
      if (key >= 0) {
        const keys = this.numKeys!;
        for (let i = 0; i < keys.length; i++) if (keys[i] === key) return i;
        return this.exact.get(entry) ?? -1;
      }
    }
    const e = this.exact.get(entry);
    if (e !== undefined) return e;
    if (this.reader === null) {
      const codes = tryParseSid(entry, this.spec);
      if (codes !== null) return this.bySid.get(sidKey(codes)) ?? -1;
    }
    return this.exact.get(entry.trim()) ?? -1;
  }
  lookupLoose(entry: string): number {
    const i = this.lookup(entry);
    if (i >= 0) return i;
    const m = parseSids(entry, this.spec, OPTIONAL_ONE);
    if (m.length === 0) return -1;
    return this.bySid.get(sidKey(m[0]!.codes)) ?? -1;
  }
  isSid(entry: string): boolean {
    return tryParseSid(entry, this.spec) !== null;
  }
}

/**
 * Builds the lookup from ranking entries to candidate indices (exact text, or the same SID codes whatever the
 * whitespace). {@link parseRerankOutput} caches it per candidates array, so calling this is only needed to share
 * one index explicitly.
 *
 * @param candidates - Candidate ids in input (pre-rank) order, usually SID strings.
 * @param spec - SID format. @defaultValue `DEFAULT_SID_SPEC`
 * @returns The index.
 * @throws TypeError if `candidates` is not an array of strings; RangeError if two candidates are equal.
 * @example
 * ```ts
 * const idx = indexCandidates([renderSid([1, 2, 3, 4]), renderSid([5, 6, 7, 8])]);
 * idx.lookup('<|sid_begin|> <s_a_5> <s_b_6> <s_c_7> <s_d_8> <|sid_end|>'); // 1
 * ```
 */
export function indexCandidates(candidates: readonly string[], spec: SidSpec = DEFAULT_SID_SPEC): CandidateIndex {
  if (!Array.isArray(candidates)) throw typeError('indexCandidates', 'candidates', 'an array of strings', candidates);
  if (spec === DEFAULT_SID_SPEC) {
    const hit = defaultCandidateCache.get(candidates);
    if (hit && hit.matches(candidates)) return hit;
    const idx = new CandidateIndexImpl(candidates, spec, candidates.slice());
    defaultCandidateCache.set(candidates, idx);
    return idx;
  }
  validateSidSpec(spec, 'indexCandidates');
  let perSpec = candidateCache.get(candidates);
  const hit = perSpec?.get(spec);
  if (hit && hit.matches(candidates)) return hit;
  const idx = new CandidateIndexImpl(candidates, spec, candidates.slice());
  if (!perSpec) {
    perSpec = new Map();
    candidateCache.set(candidates, perSpec);
  }
  perSpec.set(spec, idx);
  return idx;
}

function isWs(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 12 || c === 11;
}

/** Index after the optional language tag (`[A-Za-z0-9_-]*`) that starts at `i`, scanning no further than `b`. */
function skipFenceTag(text: string, i: number, b: number): number {
  while (i < b) {
    const d = text.charCodeAt(i);
    if ((d >= 97 && d <= 122) || (d >= 65 && d <= 90) || (d >= 48 && d <= 57) || d === 45 || d === 95) i++;
    else break;
  }
  return i;
}

/** True when [a, b) holds non-whitespace text other than code-fence markers (```` ``` ```` plus a language tag). */
function hasExtraText(text: string, a: number, b: number): boolean {
  let i = a;
  while (i < b) {
    const c = text.charCodeAt(i);
    if (isWs(c)) {
      i++;
      continue;
    }
    if (c === 96 && text.startsWith('```', i) && i + 3 <= b) {
      i = skipFenceTag(text, i + 3, b);
      continue;
    }
    return true;
  }
  return false;
}

/**
 * Index one past the JSON value opening at `s` (`{` or `[`), `-1` when unterminated or mismatched, `-2` when nested
 * deeper than `maxDepth`. Strings are skipped with `indexOf`, so this is linear.
 */
function matchJsonSpan(text: string, s: number, end: number, maxDepth: number, stack: Uint8Array): number {
  let depth = 0;
  let i = s;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      let j = i + 1;
      for (;;) {
        const k = text.indexOf('"', j);
        if (k < 0 || k >= end) return -1;
        let bs = 0;
        let p = k - 1;
        while (p > i && text.charCodeAt(p) === 92) {
          bs++;
          p--;
        }
        if ((bs & 1) === 0) {
          i = k + 1;
          break;
        }
        j = k + 1;
      }
      continue;
    }
    if (c === 123 || c === 91) {
      if (depth >= maxDepth) return -2;
      stack[depth++] = c === 123 ? 125 : 93;
    } else if (c === 125 || c === 93) {
      if (depth === 0 || stack[depth - 1] !== c) return -1;
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return -1;
}

interface Extracted {
  format: RerankFormat | 'none';
  entries: unknown[] | null; // JSON entries
  numbers: number[] | null; // RankGPT numbers
  sidTexts: string[] | null; // bare SIDs
  reasoning: string | null;
  spanStart: number;
  spanEnd: number;
  messages: string[];
  think?: string;
}

/** Records a JSON answer object spanning [s, e): its ranking list and its reasoning (a string or list of strings). */
function takeJsonAnswer(obj: Record<string, unknown>, ranking: unknown[], s: number, e: number, o: ResolvedOptions, ex: Extracted): void {
  ex.format = 'json';
  ex.entries = ranking;
  ex.spanStart = s;
  ex.spanEnd = e;
  const r = Object.prototype.hasOwnProperty.call(obj, o.reasoningKey) ? obj[o.reasoningKey] : undefined;
  if (typeof r === 'string') ex.reasoning = r;
  else if (Array.isArray(r) && r.every((x) => typeof x === 'string')) ex.reasoning = (r as string[]).join('\n');
}

function findJsonAnswer(text: string, a: number, b: number, o: ResolvedOptions, ex: Extracted): 'ok' | 'deep' | 'none' {
  const stack = new Uint8Array(o.maxDepth + 1);
  let from = a;
  for (let attempt = 0; attempt < 8 && from < b; attempt++) {
    const s = text.indexOf('{', from);
    if (s < 0 || s >= b) return 'none';
    const e = matchJsonSpan(text, s, b, o.maxDepth, stack);
    if (e === -2) return 'deep';
    if (e < 0) {
      from = s + 1;
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text.slice(s, e));
    } catch {
      from = s + 1;
      continue;
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const obj = value as Record<string, unknown>;
      const ranking = Object.prototype.hasOwnProperty.call(obj, o.rankingKey) ? obj[o.rankingKey] : undefined;
      if (Array.isArray(ranking)) {
        takeJsonAnswer(obj, ranking, s, e, o, ex);
        return 'ok';
      }
      if (ranking !== undefined) addMessage(ex, `'${o.rankingKey}' is not a list`);
    }
    from = e;
  }
  return 'none';
}

function findJsonArray(text: string, a: number, b: number, o: ResolvedOptions, ex: Extracted): 'ok' | 'deep' | 'none' {
  // Only a list that opens the answer counts (after whitespace and an optional code fence), never one nested in
  // prose or inside an object without the ranking key.
  let s = a;
  for (;;) {
    while (s < b && isWs(text.charCodeAt(s))) s++;
    if (text.startsWith('```', s)) {
      s = skipFenceTag(text, s + 3, b);
      continue;
    }
    break;
  }
  if (s >= b || text.charCodeAt(s) !== 91) return 'none';
  const e = matchJsonSpan(text, s, b, o.maxDepth, new Uint8Array(o.maxDepth + 1));
  if (e === -2) return 'deep';
  if (e < 0) return 'none';
  let value: unknown;
  try {
    value = JSON.parse(text.slice(s, e));
  } catch {
    return 'none';
  }
  if (Array.isArray(value) && value.length > 0 && value.every((x) => typeof x === 'string' || typeof x === 'number')) {
    ex.format = 'json';
    ex.entries = value;
    ex.spanStart = s;
    ex.spanEnd = e;
    return 'ok';
  }
  return 'none';
}

/** Finds the first RankGPT chain `[a] > [b] > …` (at least two items) in [a, b). */
function findRankGpt(text: string, a: number, b: number, ex: Extracted): boolean {
  let i = a;
  while (i < b) {
    const s = text.indexOf('[', i);
    if (s < 0 || s >= b) return false;
    const nums: number[] = [];
    let j = s;
    let chainEnd = s;
    for (;;) {
      // read "[digits]"
      if (j >= b || text.charCodeAt(j) !== 91) break;
      let k = j + 1;
      let v = 0;
      let digits = 0;
      while (k < b && digits <= 7) {
        const c = text.charCodeAt(k);
        if (c < 48 || c > 57) break;
        v = v * 10 + (c - 48);
        digits++;
        k++;
      }
      if (digits === 0 || digits > 7 || k >= b || text.charCodeAt(k) !== 93) break;
      nums.push(v);
      chainEnd = k + 1;
      // separator: whitespace, '>' and whitespace
      let m = k + 1;
      while (m < b && isWs(text.charCodeAt(m))) m++;
      if (m < b && text.charCodeAt(m) === 62) {
        m++;
        while (m < b && isWs(text.charCodeAt(m))) m++;
        j = m;
      } else break;
    }
    if (nums.length >= 2) {
      ex.format = 'rankgpt';
      ex.numbers = nums;
      ex.spanStart = s;
      ex.spanEnd = chainEnd;
      return true;
    }
    i = s + 1;
  }
  return false;
}

/**
 * Parses GR2 re-ranking output and validates it against the slate's candidates.
 *
 * Steps: split off a `<think>…</think>` block (its text is the reasoning unless the JSON has one); find the first
 * JSON object holding `rankingKey` (fences and surrounding prose are skipped), else a RankGPT chain
 * `[i] > [j] > …`, else a bare JSON list; in lenient mode, else the SIDs written after `"rankingKey"` (truncated
 * JSON) or anywhere in the answer. Strict mode matches each entry by exact tokens: the candidate's text, or exactly
 * one well-formed SID with the same codes (whitespace between its tokens is ignored; anything else inside the entry
 * — a title, a missing boundary token, a fifth level, a zero-width or bidi character — makes it out of set), or,
 * only with `allowIndices`, a 1-based number (`indexBase`). Lenient mode also reads the first SID inside an entry.
 *
 * Strict validity (P1/TR Ω): an accepted format, exactly K entries, each candidate exactly once, no numeric
 * index unless `allowIndices` — plus a reasoning trace if `requireReasoning`, and no extra text unless
 * `allowExtraText`. (The rewards of `gr2/rewards` default to the paper's stricter Ω; see `ParsingRewardOptions`.)
 * Never throws on `text`; throws only on invalid `candidates` or options. O(|text|) time. Options objects are cached
 * by identity: do not mutate one after passing it.
 *
 * @param text - Raw model output (any string; non-strings are treated as unparsable output).
 * @param candidates - Candidate ids in input (pre-rank) order, usually SID strings.
 * @param options - See {@link ParseRerankOptions}.
 * @returns `{valid, order, parsedOrder, reasoning, format, diagnostics}`.
 * @throws TypeError / RangeError on invalid `candidates` (not strings, duplicates) or options.
 * @example
 * ```ts
 * const c = [renderSid([1, 1, 1, 1]), renderSid([2, 2, 2, 2]), renderSid([3, 3, 3, 3])];
 * const out = `<think>x</think>{"explanation": "…", "recommendations": ["${c[2]}", "${c[0]}", "${c[1]}"]}`;
 * parseRerankOutput(out, c).order;                              // [2, 0, 1]
 * parseRerankOutput('[3] > [1] > [2]', c).valid;                 // false (numeric indices not asked for)
 * parseRerankOutput('[3] > [1] > [2]', c, { allowIndices: true }).order; // [2, 0, 1]
 * parseRerankOutput('[2] > [2] > [9]', c, { mode: 'lenient' }).order; // [1, 0, 2]
 * ```
 */
export function parseRerankOutput(
  text: string,
  candidates: readonly string[] | CandidateIndex,
  options: ParseRerankOptions & { readonly mode: 'lenient' },
): LenientRerankParseResult;
export function parseRerankOutput(
  text: string,
  candidates: readonly string[] | CandidateIndex,
  options?: ParseRerankOptions,
): RerankParseResult;
export function parseRerankOutput(
  text: string,
  candidates: readonly string[] | CandidateIndex,
  options: ParseRerankOptions = EMPTY_OPTIONS,
): RerankParseResult {
  const o = resolveOptions(options);
  const index: CandidateIndex = Array.isArray(candidates)
    ? indexCandidates(candidates as readonly string[], o.spec)
    : candidates instanceof CandidateIndexImpl
      ? candidates
      : (() => {
          throw typeError(FN, 'candidates', 'an array of strings or a CandidateIndex', candidates);
        })();
  return parseWithIndex(typeof text === 'string' ? text : '', index, o, typeof text !== 'string');
}

/**
 * Fast path for the common shapes — `{…}`, ```` ```json {…} ``` ````, `<think>…</think> {…}` — where the JSON object is
 * the whole answer: one native `JSON.parse`, no scanning. Returns false (and leaves `ex` untouched) otherwise.
 */
function fastPath(text: string, o: ResolvedOptions, ex: Extracted): boolean {
  const n = text.length;
  let a = 0;
  while (a < n && isWs(text.charCodeAt(a))) a++;
  let think: string | undefined;
  if (text.startsWith('<think>', a)) {
    const close = text.indexOf('</think>', a + 7);
    if (close < 0) return false;
    const inner = text.slice(a + 7, close);
    if (inner.includes('<think>')) return false;
    think = inner;
    a = close + 8;
    while (a < n && isWs(text.charCodeAt(a))) a++;
  }
  let fenced = false;
  if (text.startsWith('```', a)) {
    fenced = true;
    a = skipFenceTag(text, a + 3, n);
    while (a < n && isWs(text.charCodeAt(a))) a++;
  }
  if (text.charCodeAt(a) !== 123) return false;
  let e = n - 1;
  while (e > a && isWs(text.charCodeAt(e))) e--;
  if (fenced) {
    if (!text.startsWith('```', e - 2)) return false;
    e -= 3;
    while (e > a && isWs(text.charCodeAt(e))) e--;
  }
  if (text.charCodeAt(e) !== 125) return false;
  let value: unknown;
  try {
    value = JSON.parse(a === 0 && e === n - 1 ? text : text.slice(a, e + 1));
  } catch {
    return false;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const obj = value as Record<string, unknown>;
  const ranking = obj[o.rankingKey];
  if (!Array.isArray(ranking) || !Object.prototype.hasOwnProperty.call(obj, o.rankingKey)) return false;
  takeJsonAnswer(obj, ranking, a, e + 1, o, ex);
  if (think !== undefined) ex.think = think;
  return true;
}

const EMPTY_NUMBERS: number[] = Object.freeze([]) as unknown as number[];
const EMPTY_STRINGS: string[] = Object.freeze([]) as unknown as string[];

interface OutAcc {
  outOfSet: string[];
  unknownSids: string[];
  count: number;
  sidCount: number;
  max: number;
}

function addMessage(ex: Extracted, m: string): void {
  if (ex.messages === EMPTY_STRINGS) ex.messages = [];
  ex.messages.push(m);
}

function noteOut(acc: OutAcc, s: string, sid: boolean): void {
  acc.count++;
  if (acc.outOfSet === EMPTY_STRINGS) acc.outOfSet = [];
  if (acc.outOfSet.length < acc.max) acc.outOfSet.push(s);
  if (sid) {
    acc.sidCount++;
    if (acc.unknownSids === EMPTY_STRINGS) acc.unknownSids = [];
    if (acc.unknownSids.length < acc.max) acc.unknownSids.push(s);
  }
}

function fromNumber(acc: OutAcc, parsedOrder: number[], i: number, K: number, shown: string): void {
  if (Number.isInteger(i) && i >= 0 && i < K) parsedOrder.push(i);
  else noteOut(acc, shown, false);
}

interface Extraction {
  readonly ex: Extracted;
  readonly tooLong: boolean;
  readonly extraText: boolean;
  readonly thinkText: string | null;
}

function emptyExtracted(): Extracted {
  return { format: 'none', entries: null, numbers: null, sidTexts: null, reasoning: null, spanStart: -1, spanEnd: -1, messages: EMPTY_STRINGS };
}

/** Finds the answer in `text`: the fast path, else the `<think>` split and the format scanners (see {@link scanAnswer}). */
function extractAnswer(text: string, o: ResolvedOptions, K: number, notString: boolean): Extraction {
  const ex = emptyExtracted();
  if (notString) {
    addMessage(ex, 'output is not a string');
    return { ex, tooLong: false, extraText: false, thinkText: null };
  }
  if (text.length > o.maxLength) {
    addMessage(ex, `output longer than maxLength (${text.length} > ${o.maxLength}); not read`);
    return { ex, tooLong: true, extraText: false, thinkText: null };
  }
  if (fastPath(text, o, ex)) return { ex, tooLong: false, extraText: false, thinkText: null };
  return scanAnswer(text, o, K, ex);
}

/**
 * The general scan: 1. split off `<think>…</think>`; 2. a JSON object with the ranking key, 3. a RankGPT chain,
 * 4. a bare JSON list; 5. SIDs after the ranking key (truncated JSON) or anywhere (lenient, or `'sids'` accepted).
 */
function scanAnswer(text: string, o: ResolvedOptions, K: number, ex: Extracted): Extraction {
  const n = text.length;
  let a = 0;
  let extraText = false;
  let thinkText: string | null = null;
  const closeAt = text.indexOf('</think>');
  const openAt = closeAt >= 0 ? text.lastIndexOf('<think>', closeAt) : text.indexOf('<think>');
  if (closeAt >= 0) {
    thinkText = text.slice(openAt >= 0 ? openAt + 7 : 0, closeAt);
    if (openAt > 0 && hasExtraText(text, 0, openAt)) extraText = true;
    a = closeAt + 8;
  } else if (openAt >= 0) {
    thinkText = text.slice(openAt + 7);
    addMessage(ex, 'unterminated <think> block');
    return { ex, tooLong: false, extraText: extraText || hasExtraText(text, 0, openAt), thinkText };
  }
  let r = findJsonAnswer(text, a, n, o, ex);
  if (r === 'none') r = findRankGpt(text, a, n, ex) ? 'ok' : 'none';
  if (r === 'none') r = findJsonArray(text, a, n, o, ex);
  if (r === 'deep') addMessage(ex, `JSON nested deeper than maxDepth (${o.maxDepth})`);
  if (r !== 'ok' && (!o.strict || o.formats.has('sids'))) findSidList(text, a, o, K, ex);
  if (ex.format === 'sids') extraText = true;
  else if (ex.format !== 'none') {
    if (hasExtraText(text, a, ex.spanStart) || hasExtraText(text, ex.spanEnd, n)) extraText = true;
  } else if (hasExtraText(text, a, n)) extraText = true;
  return { ex, tooLong: false, extraText, thinkText };
}

/**
 * SIDs written after the ranking key (truncated JSON), else anywhere after `a`. Strict mode reads only whole SIDs
 * (boundary tokens required); lenient mode also bare level-token runs.
 */
function findSidList(text: string, a: number, o: ResolvedOptions, K: number, ex: Extracted): void {
  const keyAt = text.lastIndexOf(`"${o.rankingKey}"`);
  const from = keyAt >= a ? keyAt : a;
  const ms = parseSids(from === 0 ? text : text.slice(from), o.spec, {
    boundaries: o.strict ? 'required' : 'optional',
    maxMatches: 4 * K + 64,
  });
  if (ms.length === 0) return;
  ex.format = 'sids';
  ex.sidTexts = ms.map((m) => m.text);
  ex.spanStart = from + ms[0]!.start;
  ex.spanEnd = from + ms[ms.length - 1]!.end;
}

interface Matched {
  readonly parsedOrder: number[];
  readonly acc: OutAcc;
  /** Some entry referred to a candidate by a numeric index (RankGPT `[n]`, a number in a JSON list). */
  readonly numeric: boolean;
}

/**
 * Matches the extracted entries to candidate indices. Strict mode matches exact tokens only
 * ({@link CandidateIndex.lookup}); lenient mode also reads the first SID inside an entry ({@link CandidateIndex.lookupLoose}).
 */
function matchEntries(ex: Extracted, index: CandidateIndex, o: ResolvedOptions): Matched {
  const K = index.size;
  const parsedOrder: number[] = [];
  const acc: OutAcc = { outOfSet: EMPTY_STRINGS, unknownSids: EMPTY_STRINGS, count: 0, sidCount: 0, max: o.maxDiagnostics };
  let numeric = false;
  const find = (e: string): number => (o.strict ? index.lookup(e) : index.lookupLoose(e));
  if (ex.entries) {
    const entries = ex.entries;
    for (let j = 0; j < entries.length; j++) {
      const e = entries[j];
      if (typeof e === 'string') {
        const i = find(e);
        if (i >= 0) parsedOrder.push(i);
        else noteOut(acc, e.length > 200 ? e.slice(0, 200) + '…' : e, index.isSid(e));
      } else if (typeof e === 'number') {
        numeric = true;
        fromNumber(acc, parsedOrder, e - o.indexBase, K, String(e));
      } else noteOut(acc, JSON.stringify(e)?.slice(0, 200) ?? String(e), false);
    }
  } else if (ex.numbers) {
    numeric = true;
    for (const v of ex.numbers) fromNumber(acc, parsedOrder, v - o.indexBase, K, `[${v}]`);
  } else if (ex.sidTexts) {
    for (const t of ex.sidTexts) {
      const i = find(t);
      if (i >= 0) parsedOrder.push(i);
      else noteOut(acc, t, true);
    }
  }
  return { parsedOrder, acc, numeric };
}

/** Candidates that appear more than once (each listed once) and candidates that never appear, in input order. */
function coverage(parsedOrder: readonly number[], K: number): { duplicates: number[]; missing: number[] } {
  let duplicates: number[] = EMPTY_NUMBERS;
  let missing: number[] = EMPTY_NUMBERS;
  if (K <= 30) {
    // bit masks: no allocation on the hot path
    let once = 0;
    let twice = 0;
    for (let j = 0; j < parsedOrder.length; j++) {
      const bit = 1 << parsedOrder[j]!;
      if ((once & bit) !== 0) {
        if ((twice & bit) === 0) {
          if (duplicates === EMPTY_NUMBERS) duplicates = [];
          duplicates.push(parsedOrder[j]!);
        }
        twice |= bit;
      } else once |= bit;
    }
    if (once !== (K === 30 ? 0x3fffffff : (1 << K) - 1)) {
      missing = [];
      for (let i = 0; i < K; i++) if ((once & (1 << i)) === 0) missing.push(i);
    }
    return { duplicates, missing };
  }
  duplicates = [];
  missing = [];
  const seen = new Uint8Array(K);
  for (const i of parsedOrder) {
    if (seen[i] === 1) {
      duplicates.push(i);
      seen[i] = 2;
    } else if (seen[i] === 0) seen[i] = 1;
  }
  for (let i = 0; i < K; i++) if (seen[i] === 0) missing.push(i);
  return { duplicates, missing };
}

/** The lenient repair: first occurrences in order, then the missing candidates in input order. */
function repairOrder(parsedOrder: readonly number[], K: number): { order: number[]; fallback: boolean } {
  const order: number[] = [];
  const used = new Uint8Array(K);
  for (const i of parsedOrder) {
    if (used[i] === 0) {
      used[i] = 1;
      order.push(i);
    }
  }
  const fallback = order.length === 0;
  for (let i = 0; i < K; i++) if (used[i] === 0) order.push(i);
  return { order, fallback };
}

/** A character `String.prototype.trim` would keep (`\s` is exactly the set it strips): no trimmed copy needed. */
const NON_WHITESPACE = /\S/;

function parseWithIndex(text: string, index: CandidateIndex, o: ResolvedOptions, notString: boolean): RerankParseResult {
  const K = index.size;
  const { ex, tooLong, extraText, thinkText } = extractAnswer(text, o, K, notString);
  const { parsedOrder, acc, numeric } = matchEntries(ex, index, o);
  const { duplicates, missing } = coverage(parsedOrder, K);
  const unparsable = ex.format === 'none';
  const reasoning = ex.reasoning ?? ex.think ?? thinkText;
  const missingReasoning = reasoning === null || !NON_WHITESPACE.test(reasoning);
  const formatOk = o.formats.has(ex.format as RerankFormat);
  const indicesOk = !numeric || o.allowIndices;
  if (unparsable && ex.messages.length === 0) addMessage(ex, 'no ranking found');
  if (duplicates.length > 0) addMessage(ex, `duplicate candidates: ${duplicates.join(', ')}`);
  if (missing.length > 0 && !unparsable) addMessage(ex, `missing candidates: ${missing.join(', ')}`);
  if (acc.count > 0) addMessage(ex, `${acc.count} out-of-set entries (${acc.sidCount} well-formed SIDs)`);
  if (!unparsable && !formatOk) addMessage(ex, `format '${ex.format}' not accepted`);
  if (!indicesOk) addMessage(ex, 'numeric indices not accepted (allowIndices: false)');
  const reasoningOk =
    o.requireReasoning === false || (o.requireReasoning === 'json' ? ex.reasoning !== null && NON_WHITESPACE.test(ex.reasoning) : !missingReasoning);
  if (!reasoningOk) addMessage(ex, o.requireReasoning === 'json' ? 'no reasoning in the JSON answer' : 'no reasoning');
  if (!o.allowExtraText && extraText) addMessage(ex, 'extra text outside the answer');
  const valid =
    !unparsable &&
    formatOk &&
    indicesOk &&
    duplicates.length === 0 &&
    missing.length === 0 &&
    acc.count === 0 &&
    parsedOrder.length === K &&
    reasoningOk &&
    (o.allowExtraText || !extraText);
  const repaired = valid || o.strict ? null : repairOrder(parsedOrder, K);
  return {
    valid,
    order: valid ? parsedOrder : repaired === null ? null : repaired.order,
    parsedOrder,
    reasoning,
    format: ex.format,
    diagnostics: {
      unparsable,
      fallback: repaired?.fallback ?? false,
      duplicates,
      missing,
      outOfSet: acc.outOfSet,
      outOfSetCount: acc.count,
      unknownSids: acc.unknownSids,
      unknownSidCount: acc.sidCount,
      extraText,
      missingReasoning,
      tooLong,
      messages: ex.messages,
    },
  };
}

/**
 * Whether `order` is a permutation of `0..k−1`.
 *
 * @param order - Candidate indices.
 * @param k - Number of candidates.
 * @returns True iff every index in `[0, k)` appears exactly once and nothing else appears.
 * @example
 * ```ts
 * isPermutation([2, 0, 1], 3); // true
 * isPermutation([0, 0, 1], 3); // false
 * ```
 */
export function isPermutation(order: ArrayLike<number>, k: number): boolean {
  checkArrayLike('isPermutation', 'order', order);
  checkInt('isPermutation', 'k', k, 0);
  if (order.length !== k) return false;
  if (k <= 30) {
    let mask = 0;
    for (let i = 0; i < k; i++) {
      const v = order[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= k) return false;
      const bit = 1 << v;
      if ((mask & bit) !== 0) return false;
      mask |= bit;
    }
    return true;
  }
  const seen = new Uint8Array(k);
  for (let i = 0; i < k; i++) {
    const v = order[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= k || seen[v] === 1) return false;
    seen[v] = 1;
  }
  return true;
}

/**
 * Whether `order` is the identity `[0, 1, …, K−1]` — the output copies the input order (TR §6.4 hack path 2).
 *
 * @param order - Candidate indices.
 * @returns True iff `order[i] === i` for every i.
 * @example
 * ```ts
 * isIdentityOrder([0, 1, 2]); // true
 * ```
 */
export function isIdentityOrder(order: ArrayLike<number>): boolean {
  checkArrayLike('isIdentityOrder', 'order', order);
  for (let i = 0; i < order.length; i++) if (order[i] !== i) return false;
  return true;
}

/**
 * The serving fallback of D-GR2: the pre-rank order `[0, 1, …, k−1]`.
 *
 * @param k - Number of candidates (non-negative integer).
 * @returns The identity order.
 * @throws RangeError if `k` is not a non-negative integer.
 * @example
 * ```ts
 * fallbackToPreRank(3); // [0, 1, 2]
 * ```
 */
export function fallbackToPreRank(k: number): number[] {
  checkInt('fallbackToPreRank', 'k', k, 0, MAX_ARRAY_ELEMENTS);
  return Array.from({ length: k }, (_, i) => i);
}
