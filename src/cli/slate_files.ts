/**
 * Reading slates files (JSON lines, as written by `gr2 slates`), streamed and checked line by line.
 *
 * @packageDocumentation
 * @internal
 */
import type { Slate } from '../data/types.js';
import { dataError } from './errors.js';
import { assertInputFile, readJsonl } from './io.js';

const isIntArray = (x: unknown): x is number[] => Array.isArray(x) && x.every((v) => Number.isSafeInteger(v));

/** Reads at most `limit` slates. @internal */
export async function readSlates(path: string, limit = Infinity): Promise<Slate[]> {
  assertInputFile(path, 'slates file');
  const out: Slate[] = [];
  for await (const { value, n } of readJsonl(path)) {
    if (out.length >= limit) break;
    const s = value as Partial<Slate> | null;
    if (s === null || typeof s !== 'object' || Array.isArray(s)) throw dataError(path, n, 'expected a slate object (as written by gr2 slates)');
    if (!isIntArray(s.candidates) || s.candidates.length < 2) throw dataError(path, n, '"candidates" must be an array of at least 2 integer item ids');
    if (!Array.isArray(s.relevance) || s.relevance.length !== s.candidates.length || !s.relevance.every((r) => typeof r === 'number' && r >= 0)) {
      throw dataError(path, n, `wrong dimensions: "relevance" must hold ${s.candidates.length} grades >= 0, one per candidate`);
    }
    if (!isIntArray(s.history)) throw dataError(path, n, '"history" must be an array of integer item ids');
    if (s.targetRank !== null && s.targetRank !== undefined && !(Number.isInteger(s.targetRank) && s.targetRank >= 1 && s.targetRank <= s.candidates.length)) {
      throw dataError(path, n, `"targetRank" must be null or in [1, ${s.candidates.length}]; got ${JSON.stringify(s.targetRank)}`);
    }
    out.push({
      user: Number(s.user ?? out.length),
      history: s.history,
      candidates: s.candidates,
      relevance: s.relevance,
      target: s.target ?? null,
      targetRank: s.targetRank ?? null,
      targetRetrieved: s.targetRetrieved ?? s.targetRank != null,
      ...(s.scores ? { scores: s.scores } : {}),
    });
  }
  if (out.length === 0) throw dataError(path, null, 'no slates (the file is empty)');
  return out;
}
