/**
 * Loading S3-Rec / TIGER sequence files (`user item item ...`).
 *
 * @packageDocumentation
 */
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DataFormatError, assertPositiveInteger, checkOptions, typeError } from '../errors.js';
import { MAX_INT32 } from '../validate.js';
import type { SequenceDataset, UserSequence } from './types.js';

/** Accepted sources of {@link loadSequences}. */
export type SequenceSource = string | URL | AsyncIterable<string | Uint8Array>;

/** Options of {@link parseSequences} and {@link loadSequences}. */
export interface LoadSequencesOptions {
  /** Users with fewer items are dropped. @defaultValue `1` */
  readonly minLength?: number;
}

class LineParser {
  readonly sequences: UserSequence[] = [];
  private readonly users = new Set<number>();
  numItems = 0;
  numInteractions = 0;
  private line = 0;
  constructor(
    private readonly fn: string,
    private readonly minLength: number,
  ) {}

  push(text: string): void {
    this.line++;
    let i = 0;
    const n = text.length;
    const values: number[] = [];
    while (i < n) {
      let c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 13) {
        i++;
        continue;
      }
      let v = 0;
      const start = i;
      while (i < n) {
        c = text.charCodeAt(i);
        if (c < 48 || c > 57) break;
        v = v * 10 + (c - 48);
        i++;
      }
      if (i === start || (i < n && c !== 32 && c !== 9 && c !== 13)) {
        let end = i;
        while (end < n && text.charCodeAt(end) !== 32 && text.charCodeAt(end) !== 9) end++;
        throw new DataFormatError(
          `${this.fn}: line ${this.line}: ${JSON.stringify(text.slice(start, end))} is not a non-negative integer id.`,
        );
      }
      if (v > MAX_INT32) {
        throw new DataFormatError(`${this.fn}: line ${this.line}: id ${text.slice(start, i)} is beyond 2^31 − 1.`);
      }
      values.push(v);
    }
    if (values.length === 0) return;
    if (values.length < 2) throw new DataFormatError(`${this.fn}: line ${this.line}: a user id needs at least one item; got none.`);
    const user = values[0]!;
    if (this.users.has(user)) throw new DataFormatError(`${this.fn}: line ${this.line}: user ${user} appears twice.`);
    this.users.add(user);
    const items = values.slice(1);
    for (const it of items) {
      if (it < 1) throw new DataFormatError(`${this.fn}: line ${this.line}: item ids are 1-based; got ${it}.`);
      if (it > this.numItems) this.numItems = it;
    }
    if (items.length < this.minLength) return;
    this.numInteractions += items.length;
    this.sequences.push({ user, items });
  }

  result(): SequenceDataset {
    return {
      sequences: this.sequences,
      numUsers: this.sequences.length,
      numItems: this.numItems,
      numInteractions: this.numInteractions,
    };
  }
}

function resolveMinLength(fn: string, options: LoadSequencesOptions, known: readonly string[] = ['minLength']): number {
  checkOptions(fn, options, known);
  const m = options.minLength ?? 1;
  assertPositiveInteger(fn, 'options.minLength', m);
  return m;
}

/**
 * Parses sequence-file text: one user per line, `user_id item_id item_id ...`, items in chronological order,
 * ids 1-based (S3-Rec / TIGER format). Blank lines are ignored.
 *
 * @param text - the file content.
 * @param options - see {@link LoadSequencesOptions}.
 * @returns the sequences and their counts.
 * @throws {@link DataFormatError} naming the line for a non-integer token, a user without items, an item id 0
 * or a repeated user; TypeError when `text` is not a string.
 * @example
 * ```ts
 * const ds = parseSequences('1 10 11 12\n2 11 13\n');
 * // ds.numUsers = 2, ds.numItems = 13, ds.sequences[1] = { user: 2, items: [11, 13] }
 * ```
 */
export function parseSequences(text: string, options: LoadSequencesOptions = {}): SequenceDataset {
  const fn = 'parseSequences';
  if (typeof text !== 'string') throw typeError(fn, 'text', 'a string', text);
  const parser = new LineParser(fn, resolveMinLength(fn, options));
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    parser.push(text.slice(start, end));
    start = end + 1;
  }
  return parser.result();
}

/**
 * Loads a sequence file from a path, a `file:` URL, or a stream / async iterable of text or bytes (e.g.
 * `fs.createReadStream(...)`, `process.stdin`), streaming line by line. Format: see {@link parseSequences}.
 *
 * @param source - a path, URL, or async iterable of chunks (UTF-8).
 * @param options - see {@link LoadSequencesOptions}.
 * @returns the sequences and their counts.
 * @throws {@link DataFormatError} for malformed lines; TypeError for an unsupported source; the file
 * system's error (ENOENT …) for a missing file.
 * @example
 * ```ts
 * const ds = await loadSequences('examples/data/Beauty.txt');
 * // ds.numUsers = 22363, ds.numItems = 12101, ds.numInteractions = 198502
 * ```
 */
export async function loadSequences(source: SequenceSource, options: LoadSequencesOptions = {}): Promise<SequenceDataset> {
  const fn = 'loadSequences';
  const parser = new LineParser(fn, resolveMinLength(fn, options));
  let iterable: AsyncIterable<string | Uint8Array>;
  if (typeof source === 'string' || source instanceof URL) {
    iterable = createReadStream(source instanceof URL ? fileURLToPath(source) : source);
  } else if (source != null && typeof (source as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    iterable = source;
  } else {
    throw typeError(fn, 'source', 'a path, a URL or an async iterable (stream) of text', source);
  }
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  for await (const chunk of iterable) {
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let nl = rest.indexOf('\n');
    let start = 0;
    while (nl >= 0) {
      parser.push(rest.slice(start, nl));
      start = nl + 1;
      nl = rest.indexOf('\n', start);
    }
    rest = rest.slice(start);
  }
  rest += decoder.decode();
  if (rest.length > 0) parser.push(rest);
  return parser.result();
}

/**
 * The bundled Amazon Beauty path: `examples/data/Beauty.txt` at the package root (see
 * `examples/data/README.md` for provenance and attribution).
 *
 * @example
 * ```ts
 * const ds = await loadSequences(BEAUTY_URL);   // same as loadBeauty()
 * ```
 */
export const BEAUTY_URL: URL = new URL('../../examples/data/Beauty.txt', import.meta.url);

/** Options of {@link loadBeauty}. */
export interface LoadBeautyOptions extends LoadSequencesOptions {
  /** Read this file instead of the bundled one. @defaultValue {@link BEAUTY_URL} */
  readonly path?: string | URL;
}

/**
 * Loads the bundled Amazon Beauty 5-core sequences (22,363 users, 12,101 items, 198,502 interactions),
 * the GR2 P1 academic dataset.
 *
 * @param options - see {@link LoadBeautyOptions}.
 * @returns the dataset.
 * @throws the file system's error when the file is missing (an install without `examples/data`: pass `path`).
 * @example
 * ```ts
 * const beauty = await loadBeauty();
 * // beauty.numUsers = 22363, beauty.numItems = 12101
 * ```
 */
export async function loadBeauty(options: LoadBeautyOptions = {}): Promise<SequenceDataset> {
  const { path, ...rest } = checkOptions('loadBeauty', options, ['minLength', 'path']);
  return loadSequences(path ?? BEAUTY_URL, rest);
}
