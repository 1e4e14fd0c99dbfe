/**
 * Run and judgment files for `gr2 eval`: TREC (`qid Q0 doc rank score tag` / `qid iter doc rel`, streamed line by
 * line) and ranx / pytrec_eval JSON (`{"q1": {"d1": 1.5, …}, …}`).
 *
 * @packageDocumentation
 * @internal
 */
import { open, readFile } from 'node:fs/promises';
import { dataError } from './errors.js';
import { assertInputFile, readLines } from './io.js';

/** Per query: document → score (runs) or document → grade (qrels). @internal */
export type DocScores = Map<string, Map<string, number>>;

async function looksLikeJson(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(256);
    const { bytesRead } = await fh.read(buf, 0, 256, 0);
    return buf.subarray(0, bytesRead).toString('utf8').trimStart().startsWith('{');
  } finally {
    await fh.close();
  }
}

async function readJsonScores(path: string, what: 'run' | 'qrels'): Promise<DocScores> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw dataError(path, null, `not valid JSON (${(e as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw dataError(path, null, `expected a JSON object {query: {doc: ${what === 'run' ? 'score' : 'grade'}}}`);
  }
  const out: DocScores = new Map();
  for (const [q, docs] of Object.entries(value)) {
    if (docs === null || typeof docs !== 'object' || Array.isArray(docs)) {
      throw dataError(path, null, `query ${JSON.stringify(q)}: expected an object {doc: ${what === 'run' ? 'score' : 'grade'}}; got ${Array.isArray(docs) ? 'an array' : JSON.stringify(docs)}`);
    }
    const m = new Map<string, number>();
    for (const [d, s] of Object.entries(docs as Record<string, unknown>)) {
      if (typeof s !== 'number' || !Number.isFinite(s)) throw dataError(path, null, `query ${JSON.stringify(q)}, doc ${JSON.stringify(d)}: expected a finite number; got ${JSON.stringify(s)}`);
      m.set(d, what === 'qrels' ? Math.max(0, s) : s);
    }
    out.set(q, m);
  }
  return out;
}

function number(path: string, n: number, token: string, what: string): number {
  const x = Number(token);
  if (token === '' || !Number.isFinite(x)) throw dataError(path, n, `${what} must be a number; got ${JSON.stringify(token)}`);
  return x;
}

/**
 * Reads a run: TREC format (6 whitespace-separated columns `qid Q0 docno rank score tag`; the rank column is
 * ignored, as by trec_eval) or JSON. A document listed twice for a query is a data error.
 * @internal
 */
export async function readRun(path: string): Promise<DocScores> {
  assertInputFile(path, 'run file');
  if (await looksLikeJson(path)) return readJsonScores(path, 'run');
  const out: DocScores = new Map();
  for await (const { line, n } of readLines(path)) {
    const t = line.trim();
    if (t === '') continue;
    const cols = t.split(/\s+/);
    if (cols.length !== 6) throw dataError(path, n, `a TREC run line has 6 columns (qid Q0 docno rank score tag); got ${cols.length}`);
    const [q, , d, , s] = cols as [string, string, string, string, string];
    const score = number(path, n, s, 'the score (column 5)');
    let m = out.get(q);
    if (!m) out.set(q, (m = new Map()));
    if (m.has(d)) throw dataError(path, n, `document ${JSON.stringify(d)} appears twice for query ${JSON.stringify(q)}`);
    m.set(d, score);
  }
  if (out.size === 0) throw dataError(path, null, 'no run lines (the file is empty)');
  return out;
}

/** Reads judgments: TREC qrels (4 columns `qid iter docno rel`) or JSON. @internal */
export async function readQrels(path: string): Promise<DocScores> {
  assertInputFile(path, 'qrels file');
  if (await looksLikeJson(path)) return readJsonScores(path, 'qrels');
  const out: DocScores = new Map();
  for await (const { line, n } of readLines(path)) {
    const t = line.trim();
    if (t === '') continue;
    const cols = t.split(/\s+/);
    if (cols.length !== 4) throw dataError(path, n, `a TREC qrels line has 4 columns (qid iter docno rel); got ${cols.length}`);
    const [q, , d, r] = cols as [string, string, string, string];
    const rel = number(path, n, r, 'the relevance (column 4)');
    let m = out.get(q);
    if (!m) out.set(q, (m = new Map()));
    m.set(d, Math.max(0, rel)); // trec_eval: a grade <= 0 is not relevant
  }
  if (out.size === 0) throw dataError(path, null, 'no judgments (the file is empty)');
  return out;
}

/**
 * A query's documents best-first, as trec_eval orders them: by score descending, ties by document id in
 * decreasing lexical order.
 * @internal
 */
export function rankDocs(docs: ReadonlyMap<string, number>): string[] {
  return [...docs.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0)).map(([d]) => d);
}
