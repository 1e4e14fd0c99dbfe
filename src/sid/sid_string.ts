/**
 * The semantic-ID (SID) string format of GR2: `<|sid_begin|><s_a_97><s_b_168><s_c_137><s_d_135><|sid_end|>`.
 *
 * One token per level, `<s_{level}_{code}>`, with 0-based codes and level prefixes `a, b, c, d, …`
 * (GR2 P1 §2.3, the OneRec-Think format), wrapped in two boundary tokens. Everything here is configurable through a
 * {@link SidSpec}; the default spec is 4 levels of 256 codes.
 *
 * Parsing is a hand-written linear scan (no backtracking regular expression): it runs in O(text length) even on
 * adversarial input, tolerates whitespace between tokens (decoders insert spaces between added tokens) and skips
 * malformed fragments.
 *
 * @packageDocumentation
 */
import { assertNonNegativeInteger, assertPositiveInteger, rangeError, raw, typeError } from '../errors.js';

/** A semantic ID: one 0-based code per level. */
export type SemanticId = readonly number[];

/**
 * How SIDs are rendered as text.
 *
 * Rendering of one SID: `begin + token(0, codes[0]) + … + token(L−1, codes[L−1]) + end`, where
 * `token(l, c) = tokenTemplate` with `{level}` replaced by `levelPrefixes[l]` and `{code}` by the decimal `c`.
 */
export interface SidSpec {
  /** Number of levels L (tokens per SID). */
  readonly levels: number;
  /** Codebook size C_l of each level (length L); codes of level l lie in `[0, C_l)`. */
  readonly codebookSizes: readonly number[];
  /** Level prefix of each level (length L), `a, b, c, …, z, aa, ab, …` by default. */
  readonly levelPrefixes: readonly string[];
  /** Token template containing `{level}` then `{code}` exactly once each, e.g. `<s_{level}_{code}>`. */
  readonly tokenTemplate: string;
  /** Opening boundary token, `<|sid_begin|>` by default. */
  readonly begin: string;
  /** Closing boundary token, `<|sid_end|>` by default. */
  readonly end: string;
}

/** Options of {@link createSidSpec}. Every field is optional. */
export interface SidSpecOptions {
  /**
   * Number of levels L. Inferred from `codebookSizes` when that is an array.
   * @defaultValue `4`
   */
  readonly levels?: number;
  /**
   * Codebook size per level: one number for every level, or an array of length L.
   * @defaultValue `256`
   */
  readonly codebookSizes?: number | readonly number[];
  /**
   * Level prefixes (length L).
   * @defaultValue `sidLevelPrefix(0..L−1)`, i.e. `a, b, c, …, z, aa, ab, …`
   */
  readonly levelPrefixes?: readonly string[];
  /**
   * Token template with `{level}` before `{code}`.
   * @defaultValue `'<s_{level}_{code}>'`
   */
  readonly tokenTemplate?: string;
  /**
   * Opening boundary token.
   * @defaultValue `'<|sid_begin|>'`
   */
  readonly begin?: string;
  /**
   * Closing boundary token.
   * @defaultValue `'<|sid_end|>'`
   */
  readonly end?: string;
}

/** One SID found in free text by {@link parseSids}. */
export interface SidMatch {
  /** The decoded 0-based codes (length L). */
  readonly codes: number[];
  /** Index of the first character of the match (the begin token, or the first level token without boundaries). */
  readonly start: number;
  /** Index one past the last character of the match. */
  readonly end: number;
  /** `text.slice(start, end)` — the SID as written, whitespace included. */
  readonly text: string;
}

/** Options of {@link parseSids}. */
export interface ParseSidsOptions {
  /**
   * `'required'`: only `begin … end` wrapped SIDs count. `'optional'`: a run of L level tokens in level order also
   * counts without the boundary tokens (a wrapped SID is still reported with its boundaries).
   * @defaultValue `'required'`
   */
  readonly boundaries?: 'required' | 'optional';
  /**
   * Stop after this many matches (bounds the work on adversarial input).
   * @defaultValue `Infinity`
   */
  readonly maxMatches?: number;
}

/**
 * The level prefix of level `level` (0-based) in bijective base 26: `0 → 'a'`, `25 → 'z'`, `26 → 'aa'`,
 * `27 → 'ab'`, `701 → 'zz'`, `702 → 'aaa'`.
 *
 * @param level - 0-based level index.
 * @returns The lower-case prefix.
 * @throws RangeError if `level` is not a non-negative integer.
 * @example
 * ```ts
 * sidLevelPrefix(3);  // 'd'
 * sidLevelPrefix(27); // 'ab'
 * ```
 */
export function sidLevelPrefix(level: number): string {
  assertNonNegativeInteger('sidLevelPrefix', 'level', level);
  let n = level + 1;
  let out = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    out = String.fromCharCode(97 + r) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

interface CompiledSpec {
  readonly spec: SidSpec;
  /** Text before `{level}`. */
  readonly head: string;
  /** Text between `{level}` and `{code}`. */
  readonly mid: string;
  /** Text after `{code}`. */
  readonly tail: string;
  /** `head + prefix_l + mid` per level: the text a level-l token starts with. */
  readonly tokenStarts: readonly string[];
  /** Max decimal digits of a level-l code. */
  readonly maxDigits: readonly number[];
}

const compiledCache = new WeakMap<SidSpec, CompiledSpec>();

/** Validates a spec and precomputes the pieces the scanner needs (cached per spec object). */
function compileSpec(fn: string, arg: string, spec: unknown): CompiledSpec {
  if (spec !== null && typeof spec === 'object') {
    const hit = compiledCache.get(spec as SidSpec);
    if (hit) return hit;
  }
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw typeError(fn, arg, 'a SidSpec object', spec);
  }
  const s = spec as Partial<SidSpec>;
  const levels = s.levels;
  assertPositiveInteger(fn, `${arg}.levels`, levels);
  const sizes = s.codebookSizes;
  if (!Array.isArray(sizes)) throw typeError(fn, `${arg}.codebookSizes`, 'an array of numbers', sizes);
  if (sizes.length !== levels) {
    throw rangeError(fn, `${arg}.codebookSizes`, `of length ${arg}.levels (${levels})`, raw(`length ${sizes.length}`));
  }
  sizes.forEach((c, l) => {
    if (typeof c !== 'number') throw typeError(fn, `${arg}.codebookSizes[${l}]`, 'a number', c);
    if (!Number.isInteger(c) || c < 1 || c > 2 ** 31 - 1) {
      throw rangeError(fn, `${arg}.codebookSizes[${l}]`, 'a positive integer below 2^31', c);
    }
  });
  const prefixes = s.levelPrefixes;
  if (!Array.isArray(prefixes)) throw typeError(fn, `${arg}.levelPrefixes`, 'an array of strings', prefixes);
  if (prefixes.length !== levels) {
    throw rangeError(fn, `${arg}.levelPrefixes`, `of length ${arg}.levels (${levels})`, raw(`length ${prefixes.length}`));
  }
  const seen = new Set<string>();
  prefixes.forEach((p, l) => {
    if (typeof p !== 'string') throw typeError(fn, `${arg}.levelPrefixes[${l}]`, 'a string', p);
    if (p.length === 0 || /[\s\d{}]/.test(p)) {
      throw rangeError(fn, `${arg}.levelPrefixes[${l}]`, 'a non-empty string without whitespace, digits or braces', p);
    }
    if (seen.has(p)) throw rangeError(fn, `${arg}.levelPrefixes`, 'distinct', p);
    seen.add(p);
  });
  const template = s.tokenTemplate;
  if (typeof template !== 'string') throw typeError(fn, `${arg}.tokenTemplate`, 'a string', template);
  const li = template.indexOf('{level}');
  const ci = template.indexOf('{code}');
  if (
    li < 0 ||
    ci < 0 ||
    ci < li + 7 ||
    template.indexOf('{level}', li + 1) >= 0 ||
    template.indexOf('{code}', ci + 1) >= 0
  ) {
    throw rangeError(fn, `${arg}.tokenTemplate`, "a string with '{level}' then '{code}', each exactly once", template);
  }
  const head = template.slice(0, li);
  const mid = template.slice(li + 7, ci);
  const tail = template.slice(ci + 6);
  if (head.length === 0 || tail.length === 0 || /^\d/.test(tail) || /\s/.test(template)) {
    throw rangeError(
      fn,
      `${arg}.tokenTemplate`,
      'a template with non-empty text before {level} and after {code}, no whitespace, and no digit right after {code}',
      template,
    );
  }
  for (const key of ['begin', 'end'] as const) {
    const b = s[key];
    if (typeof b !== 'string') throw typeError(fn, `${arg}.${key}`, 'a string', b);
    if (b.length === 0 || /\s/.test(b)) throw rangeError(fn, `${arg}.${key}`, 'a non-empty string without whitespace', b);
  }
  const begin = s.begin as string;
  const end = s.end as string;
  if (begin === end) throw rangeError(fn, `${arg}.end`, `different from ${arg}.begin`, end);
  const tokenStarts = prefixes.map((p) => head + p + mid);
  for (const t of tokenStarts) {
    if (begin.startsWith(t) || end.startsWith(t) || t.startsWith(begin) || t.startsWith(end)) {
      throw rangeError(fn, `${arg}.begin`, 'distinguishable from the level tokens', begin);
    }
  }
  const compiled: CompiledSpec = {
    spec: spec as SidSpec,
    head,
    mid,
    tail,
    tokenStarts,
    maxDigits: (sizes as number[]).map((c) => String(c - 1).length),
  };
  compiledCache.set(spec as SidSpec, compiled);
  return compiled;
}

/**
 * Builds and validates a {@link SidSpec}.
 *
 * @param options - Fields to override; see {@link SidSpecOptions}.
 * @returns A frozen, validated spec.
 * @throws TypeError / RangeError naming the offending field (e.g. `'options.codebookSizes'`).
 * @example
 * ```ts
 * const spec = createSidSpec({ levels: 3, codebookSizes: [256, 256, 64] });
 * renderSid([1, 2, 3], spec); // '<|sid_begin|><s_a_1><s_b_2><s_c_3><|sid_end|>'
 * ```
 */
export function createSidSpec(options: SidSpecOptions = {}): SidSpec {
  const fn = 'createSidSpec';
  if (options === null || typeof options !== 'object') throw typeError(fn, 'options', 'an object', options);
  const sizesOpt = options.codebookSizes;
  const levels = options.levels ?? (Array.isArray(sizesOpt) ? sizesOpt.length : 4);
  if (typeof levels !== 'number') throw typeError(fn, 'options.levels', 'a number', levels);
  if (!Number.isInteger(levels) || levels < 1 || levels > 4096) {
    throw rangeError(fn, 'options.levels', 'an integer in [1, 4096]', levels);
  }
  const rawSizes = sizesOpt ?? 256;
  const codebookSizes =
    typeof rawSizes === 'number' ? new Array<number>(levels).fill(rawSizes) : Array.from(rawSizes as readonly number[]);
  const levelPrefixes = options.levelPrefixes
    ? Array.from(options.levelPrefixes)
    : Array.from({ length: levels }, (_, l) => sidLevelPrefix(l));
  const spec: SidSpec = {
    levels,
    codebookSizes: Object.freeze(codebookSizes),
    levelPrefixes: Object.freeze(levelPrefixes),
    tokenTemplate: options.tokenTemplate ?? '<s_{level}_{code}>',
    begin: options.begin ?? '<|sid_begin|>',
    end: options.end ?? '<|sid_end|>',
  };
  compileSpec(fn, 'options', spec);
  return Object.freeze(spec);
}

/**
 * The default spec of GR2 on Amazon: 4 levels × 256 codes, prefixes `a–d`, `<s_{level}_{code}>`,
 * `<|sid_begin|>` / `<|sid_end|>` (paper-digest §2.3).
 *
 * @example
 * ```ts
 * renderSid([97, 168, 137, 135], DEFAULT_SID_SPEC);
 * // '<|sid_begin|><s_a_97><s_b_168><s_c_137><s_d_135><|sid_end|>'
 * ```
 */
export const DEFAULT_SID_SPEC: SidSpec = createSidSpec();

function checkCodes(fn: string, codes: unknown, c: CompiledSpec): asserts codes is readonly number[] {
  if (!Array.isArray(codes) && !(ArrayBuffer.isView(codes) && !(codes instanceof DataView))) {
    throw typeError(fn, 'codes', 'an array of integers', codes);
  }
  const arr = codes as ArrayLike<number>;
  const { levels, codebookSizes } = c.spec;
  if (arr.length !== levels) {
    throw rangeError(fn, 'codes', `of length ${levels} (the spec's levels)`, raw(`length ${arr.length}`));
  }
  for (let l = 0; l < levels; l++) {
    const v = arr[l];
    if (typeof v !== 'number') throw typeError(fn, `codes[${l}]`, 'a number', v);
    if (!Number.isInteger(v) || v < 0 || v >= codebookSizes[l]!) {
      throw rangeError(fn, `codes[${l}]`, `an integer in [0, ${codebookSizes[l]! - 1}]`, v);
    }
  }
}

/**
 * The text token of code `code` at level `level` (0-based), e.g. `<s_b_168>`.
 *
 * @param level - 0-based level.
 * @param code - 0-based code, `< codebookSizes[level]`.
 * @param spec - The SID spec. @defaultValue {@link DEFAULT_SID_SPEC}
 * @returns The token text.
 * @throws RangeError if `level` or `code` is out of range.
 * @example
 * ```ts
 * sidToken(1, 168); // '<s_b_168>'
 * ```
 */
export function sidToken(level: number, code: number, spec: SidSpec = DEFAULT_SID_SPEC): string {
  const c = compileSpec('sidToken', 'spec', spec);
  if (typeof level !== 'number') throw typeError('sidToken', 'level', 'a number', level);
  if (!Number.isInteger(level) || level < 0 || level >= spec.levels) {
    throw rangeError('sidToken', 'level', `an integer in [0, ${spec.levels - 1}]`, level);
  }
  if (typeof code !== 'number') throw typeError('sidToken', 'code', 'a number', code);
  if (!Number.isInteger(code) || code < 0 || code >= spec.codebookSizes[level]!) {
    throw rangeError('sidToken', 'code', `an integer in [0, ${spec.codebookSizes[level]! - 1}]`, code);
  }
  return c.tokenStarts[level] + String(code) + c.tail;
}

/**
 * Renders a semantic ID as text: `begin + <s_a_{z_1}> + … + <s_{L}_{z_L}> + end` (0-based codes).
 *
 * @param codes - One code per level, `0 <= codes[l] < codebookSizes[l]`.
 * @param spec - The SID spec. @defaultValue {@link DEFAULT_SID_SPEC}
 * @returns The SID string.
 * @throws TypeError if `codes` is not an array of numbers; RangeError on a wrong length or an out-of-range code
 *   (the message names `codes[l]`).
 * @example
 * ```ts
 * renderSid([97, 168, 137, 135]);
 * // '<|sid_begin|><s_a_97><s_b_168><s_c_137><s_d_135><|sid_end|>'
 * ```
 */
export function renderSid(codes: SemanticId, spec: SidSpec = DEFAULT_SID_SPEC): string {
  const c = compileSpec('renderSid', 'spec', spec);
  checkCodes('renderSid', codes, c);
  let out = spec.begin;
  for (let l = 0; l < spec.levels; l++) out += c.tokenStarts[l] + String(codes[l]) + c.tail;
  return out + spec.end;
}

function isSpace(ch: number): boolean {
  return ch === 32 || ch === 10 || ch === 9 || ch === 13 || ch === 12 || ch === 11;
}

function skipSpace(text: string, i: number): number {
  const n = text.length;
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/**
 * Tries to read one level-`l` token at `i`. Returns the code and the index after the token, or -1 in `code` when
 * the text there is not a well-formed, in-range level-`l` token.
 */
function readToken(text: string, i: number, l: number, c: CompiledSpec, out: { code: number; next: number }): boolean {
  const startText = c.tokenStarts[l]!;
  if (!text.startsWith(startText, i)) return false;
  let j = i + startText.length;
  const n = text.length;
  const maxDigits = c.maxDigits[l]!;
  let code = 0;
  let digits = 0;
  while (j < n) {
    const ch = text.charCodeAt(j);
    if (ch < 48 || ch > 57) break;
    if (digits === maxDigits) return false;
    if (digits === 1 && code === 0) return false; // leading zero: not canonical
    code = code * 10 + (ch - 48);
    digits++;
    j++;
  }
  if (digits === 0 || code >= c.spec.codebookSizes[l]!) return false;
  if (!text.startsWith(c.tail, j)) return false;
  out.code = code;
  out.next = j + c.tail.length;
  return true;
}

/**
 * Reads the L level tokens starting at `i` (whitespace allowed before each). Returns the index after the last token
 * or -1; the codes are written into `codes`.
 */
function readTokens(text: string, i: number, c: CompiledSpec, codes: number[], tmp: { code: number; next: number }): number {
  let j = i;
  for (let l = 0; l < c.spec.levels; l++) {
    j = skipSpace(text, j);
    if (!readToken(text, j, l, c, tmp)) return -1;
    codes[l] = tmp.code;
    j = tmp.next;
  }
  return j;
}

/**
 * Finds every SID in free text (reasoning traces, JSON answers), left to right, without overlaps.
 *
 * Whitespace (space, tab, newline) is allowed between the boundary tokens and the level tokens. A fragment that is
 * malformed — a level out of order, a code out of range or with a leading zero, a missing boundary — is skipped
 * and the scan resumes inside it, so a well-formed SID right after a broken one is still found.
 * Runs in O(text.length): a linear scan with `indexOf`, no backtracking regular expression.
 *
 * @param text - Any string.
 * @param spec - The SID spec. @defaultValue {@link DEFAULT_SID_SPEC}
 * @param options - See {@link ParseSidsOptions}.
 * @returns The matches, `{codes, start, end, text}`, in order of appearance.
 * @throws TypeError if `text` is not a string; TypeError/RangeError on an invalid `spec` or options.
 * @example
 * ```ts
 * parseSids('pick <|sid_begin|> <s_a_1> <s_b_2> <s_c_3> <s_d_4> <|sid_end|> first');
 * // [{ codes: [1, 2, 3, 4], start: 5, end: 62, text: '<|sid_begin|> <s_a_1> … <|sid_end|>' }]
 * ```
 */
export function parseSids(text: string, spec: SidSpec = DEFAULT_SID_SPEC, options: ParseSidsOptions = {}): SidMatch[] {
  const fn = 'parseSids';
  if (typeof text !== 'string') throw typeError(fn, 'text', 'a string', text);
  const c = compileSpec(fn, 'spec', spec);
  if (options === null || typeof options !== 'object') throw typeError(fn, 'options', 'an object', options);
  const boundaries = options.boundaries ?? 'required';
  if (boundaries !== 'required' && boundaries !== 'optional') {
    throw rangeError(fn, 'options.boundaries', "one of 'required', 'optional'", boundaries);
  }
  const maxMatches = options.maxMatches ?? Infinity;
  if (typeof maxMatches !== 'number' || Number.isNaN(maxMatches) || maxMatches < 0) {
    throw rangeError(fn, 'options.maxMatches', 'a non-negative number', maxMatches);
  }
  return scanSids(text, c, boundaries === 'optional', maxMatches);
}

function scanSids(text: string, c: CompiledSpec, optional: boolean, maxMatches: number): SidMatch[] {
  const out: SidMatch[] = [];
  const { begin, end } = c.spec;
  const first = c.tokenStarts[0]!;
  const tmp = { code: 0, next: 0 };
  let pos = 0;
  // Cached next occurrences; they only move forward, so the indexOf calls scan each character O(1) times.
  let nextBegin = -2;
  let nextFirst = -2;
  while (pos < text.length && out.length < maxMatches) {
    if (nextBegin !== -1 && nextBegin < pos) nextBegin = text.indexOf(begin, pos);
    if (optional && nextFirst !== -1 && nextFirst < pos) nextFirst = text.indexOf(first, pos);
    let at: number;
    let wrapped: boolean;
    if (!optional) {
      if (nextBegin < 0) break;
      at = nextBegin;
      wrapped = true;
    } else {
      if (nextBegin < 0 && nextFirst < 0) break;
      wrapped = nextBegin >= 0 && (nextFirst < 0 || nextBegin < nextFirst);
      at = wrapped ? nextBegin : nextFirst;
    }
    const codes = new Array<number>(c.spec.levels);
    if (wrapped) {
      const after = readTokens(text, at + begin.length, c, codes, tmp);
      if (after >= 0) {
        const e = skipSpace(text, after);
        if (text.startsWith(end, e)) {
          const stop = e + end.length;
          out.push({ codes, start: at, end: stop, text: text.slice(at, stop) });
          pos = stop;
          continue;
        }
        if (optional) {
          // Unterminated but complete: report the bare token run.
          const s = skipSpace(text, at + begin.length);
          out.push({ codes, start: s, end: after, text: text.slice(s, after) });
          pos = after;
          continue;
        }
      }
      pos = at + 1;
    } else {
      const after = readTokens(text, at, c, codes, tmp);
      if (after >= 0) {
        out.push({ codes, start: at, end: after, text: text.slice(at, after) });
        pos = after;
        continue;
      }
      pos = at + 1;
    }
  }
  return out;
}

/**
 * Parses a string that must be exactly one SID (surrounding whitespace allowed).
 *
 * @param text - The SID text, e.g. `'<|sid_begin|><s_a_1><s_b_2><s_c_3><s_d_4><|sid_end|>'`.
 * @param spec - The SID spec. @defaultValue {@link DEFAULT_SID_SPEC}
 * @returns The codes.
 * @throws TypeError if `text` is not a string; RangeError naming `'text'` if it is not exactly one well-formed SID.
 * @example
 * ```ts
 * parseSid('<|sid_begin|><s_a_97><s_b_168><s_c_137><s_d_135><|sid_end|>'); // [97, 168, 137, 135]
 * ```
 */
export function parseSid(text: string, spec: SidSpec = DEFAULT_SID_SPEC): number[] {
  const codes = tryParseSid(text, spec);
  if (codes === null) {
    throw rangeError('parseSid', 'text', 'exactly one well-formed SID', text);
  }
  return codes;
}

/**
 * Like {@link parseSid} but returns `null` instead of throwing when `text` is not exactly one well-formed SID.
 *
 * @param text - Candidate SID text.
 * @param spec - The SID spec. @defaultValue {@link DEFAULT_SID_SPEC}
 * @returns The codes or `null`.
 * @throws TypeError if `text` is not a string (a wrong kind of argument, not a parse failure).
 * @example
 * ```ts
 * tryParseSid('<s_a_1>'); // null
 * ```
 */
export function tryParseSid(text: string, spec: SidSpec = DEFAULT_SID_SPEC): number[] | null {
  if (typeof text !== 'string') throw typeError('tryParseSid', 'text', 'a string', text);
  const c = compileSpec('tryParseSid', 'spec', spec);
  const s = skipSpace(text, 0);
  if (!text.startsWith(c.spec.begin, s)) return null;
  const codes = new Array<number>(c.spec.levels);
  const after = readTokens(text, s + c.spec.begin.length, c, codes, { code: 0, next: 0 });
  if (after < 0) return null;
  const e = skipSpace(text, after);
  if (!text.startsWith(c.spec.end, e)) return null;
  if (skipSpace(text, e + c.spec.end.length) !== text.length) return null;
  return codes;
}

/**
 * A compact map key for a SID: the codes joined by `-` (e.g. `'97-168-137-135'`). Two SIDs have the same key iff
 * they have the same codes.
 *
 * @param codes - Non-negative integer codes (any length ≥ 1).
 * @returns The key.
 * @throws TypeError / RangeError naming `codes` (or `codes[i]`) when a code is not a non-negative integer.
 * @example
 * ```ts
 * sidKey([97, 168, 137, 135]); // '97-168-137-135'
 * ```
 */
export function sidKey(codes: SemanticId): string {
  if (!Array.isArray(codes) && !(ArrayBuffer.isView(codes) && !(codes instanceof DataView))) {
    throw typeError('sidKey', 'codes', 'an array of integers', codes);
  }
  const arr = codes as ArrayLike<number>;
  if (arr.length === 0) throw rangeError('sidKey', 'codes', 'non-empty', raw('length 0'));
  let key = '';
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (typeof v !== 'number') throw typeError('sidKey', `codes[${i}]`, 'a number', v);
    if (!Number.isInteger(v) || v < 0) throw rangeError('sidKey', `codes[${i}]`, 'a non-negative integer', v);
    key += i === 0 ? String(v) : '-' + String(v);
  }
  return key;
}

/**
 * The vocabulary a tokenizer must add for SIDs: every level token `<s_{level}_{code}>` (level-major, code order),
 * then the two boundary tokens. Its length is Σ_l C_l + 2 (4·256 + 2 = 1026 for the default spec).
 *
 * @param spec - The SID spec. @defaultValue {@link DEFAULT_SID_SPEC}
 * @returns The tokens.
 * @throws TypeError / RangeError on an invalid spec.
 * @example
 * ```ts
 * const v = sidVocabulary();
 * v.length;  // 1026
 * v[0];      // '<s_a_0>'
 * v.at(-1);  // '<|sid_end|>'
 * ```
 */
export function sidVocabulary(spec: SidSpec = DEFAULT_SID_SPEC): string[] {
  const c = compileSpec('sidVocabulary', 'spec', spec);
  const out: string[] = [];
  for (let l = 0; l < spec.levels; l++) {
    const size = spec.codebookSizes[l]!;
    for (let code = 0; code < size; code++) out.push(c.tokenStarts[l] + String(code) + c.tail);
  }
  out.push(spec.begin, spec.end);
  return out;
}

/**
 * Validates a spec (throws like every function taking one). Useful at a module boundary.
 *
 * @param spec - The value to check.
 * @param fn - Function name used in the error message. @defaultValue `'validateSidSpec'`
 * @returns The spec, typed.
 * @throws TypeError / RangeError naming the offending field.
 * @example
 * ```ts
 * validateSidSpec(DEFAULT_SID_SPEC) === DEFAULT_SID_SPEC; // true
 * ```
 */
export function validateSidSpec(spec: unknown, fn = 'validateSidSpec'): SidSpec {
  if (typeof fn !== 'string' || !/^[A-Za-z_$][\w$.#]*$/.test(fn)) throw typeError('validateSidSpec', 'fn', 'a function name', fn);
  return compileSpec(fn, 'spec', spec).spec;
}

/**
 * @internal
 * A fast, allocation-free reader from SID text to a number: `key = Σ_l code_l · Π_{m>l} C_m` (mixed radix, level 0
 * most significant) for text holding exactly one well-formed SID (whitespace allowed around the tokens), `-1`
 * otherwise. Two texts get the same key iff they spell the same codes. Useful to match SIDs in model output
 * without allocating or hashing strings.
 *
 * @param spec - The SID spec. @defaultValue {@link DEFAULT_SID_SPEC}
 * @returns The reader, or `null` when Π_l C_l exceeds 2^53 − 1 (keys would not be exact; use {@link sidKey}).
 * @throws TypeError / RangeError on an invalid spec.
 * @example
 * ```ts
 * const key = sidNumericKeyReader()!;
 * key('<|sid_begin|><s_a_0><s_b_0><s_c_1><s_d_2><|sid_end|>'); // 258 (= 1·256 + 2)
 * key('<s_a_0>'); // -1
 * ```
 */
export function sidNumericKeyReader(spec: SidSpec = DEFAULT_SID_SPEC): ((text: string) => number) | null {
  const c = compileSpec('sidNumericKeyReader', 'spec', spec);
  let space = 1;
  for (const size of spec.codebookSizes) space *= size;
  if (space > Number.MAX_SAFE_INTEGER) return null;
  const L = spec.levels;
  const begin = spec.begin;
  const end = spec.end;
  const starts = c.tokenStarts;
  const tail = c.tail;
  const sizes = spec.codebookSizes;
  const maxDigits = c.maxDigits;
  return (text: string): number => {
    const n = text.length;
    let i = 0;
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (!text.startsWith(begin, i)) return -1;
    i += begin.length;
    let key = 0;
    for (let l = 0; l < L; l++) {
      while (i < n && isSpace(text.charCodeAt(i))) i++;
      const st = starts[l]!;
      if (!text.startsWith(st, i)) return -1;
      i += st.length;
      let code = 0;
      let digits = 0;
      while (i < n) {
        const ch = text.charCodeAt(i);
        if (ch < 48 || ch > 57) break;
        if (digits === maxDigits[l]! || (digits === 1 && code === 0)) return -1;
        code = code * 10 + (ch - 48);
        digits++;
        i++;
      }
      if (digits === 0 || code >= sizes[l]! || !text.startsWith(tail, i)) return -1;
      i += tail.length;
      key = key * sizes[l]! + code;
    }
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (!text.startsWith(end, i)) return -1;
    i += end.length;
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    return i === n ? key : -1;
  };
}


