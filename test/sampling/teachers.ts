/**
 * In-process teachers for the sampler tests: a seeded "random ranker" whose answer is a pure function of
 * (messages, seed), and a fault-injecting wrapper. Not a test file (no `.test.ts`).
 */
import { GeneratorError, type GeneratorErrorKind } from '../../src/errors.js';
import type { GenerateRequest, GenerateResult, Generator } from '../../src/generate/types.js';
import { Random } from '../../src/sampling/random.js';
import type { SamplerExample } from '../../src/sampling/rejection.js';
import { renderSid } from '../../src/sid/sid_string.js';

/** `n` examples with `k` candidates each; the candidates are listed as JSON in the user message. */
export function makeExamples(n: number, k = 4, seed = 7): SamplerExample[] {
  const rng = new Random(seed);
  const out: SamplerExample[] = [];
  for (let i = 0; i < n; i++) {
    const candidates = Array.from({ length: k }, (_, j) => renderSid([i % 256, j, (i * 7 + j) % 256, rng.int(256)]));
    out.push({
      id: `ex-${i}`,
      messages: [
        { role: 'system', content: 'You re-rank candidates.' },
        { role: 'user', content: `candidates: ${JSON.stringify(candidates)}` },
      ],
      candidates,
      target: candidates[rng.int(k)]!,
      meta: { user: i },
    });
  }
  return out;
}

/** Reads the candidate list back from the prompt. */
export function candidatesOf(req: GenerateRequest): string[] {
  const content = req.messages[req.messages.length - 1]!.content;
  return JSON.parse(content.slice(content.indexOf('['))) as string[];
}

/** The seeded teacher's answer: a uniformly random permutation drawn with `Random(seed)`. */
export function teacherAnswer(candidates: readonly string[], seed: number): string {
  const perm = new Random(seed).permutation(candidates.length);
  return JSON.stringify({ explanation: `seed ${seed}`, recommendations: perm.map((i) => candidates[i]) });
}

/** A teacher that answers at once, deterministically given (messages, seed). */
export function seededTeacher(): Generator & { calls: number } {
  const g = {
    name: 'seeded-teacher',
    calls: 0,
    async generate(req: GenerateRequest): Promise<GenerateResult> {
      g.calls++;
      if (req.seed === undefined) throw new Error('seededTeacher: no seed');
      const text = teacherAnswer(candidatesOf(req), req.seed);
      return {
        generations: [{ text, finishReason: 'stop' }],
        usage: { promptTokens: 10, completionTokens: text.length },
        latencyMs: 0,
      };
    },
  };
  return g;
}

export interface FaultRates {
  rate429?: number;
  retryAfterMs?: number;
  rate500?: number;
  rateNetwork?: number;
  rateBadResponse?: number;
  rateHang?: number;
  rateClient?: number;
}

/**
 * Wraps a generator with faults drawn from its own seeded stream. `injected` counts each fault by the kind the
 * sampler should report (a hang is reported as a timeout).
 */
export function faulty(inner: Generator, rates: FaultRates, seed = 99): Generator & { injected: Record<string, number> } {
  const rng = new Random(seed);
  const injected: Record<string, number> = {};
  const hit = (kind: GeneratorErrorKind): void => {
    injected[kind] = (injected[kind] ?? 0) + 1;
  };
  return {
    name: `faulty(${inner.name})`,
    injected,
    async generate(req: GenerateRequest): Promise<GenerateResult> {
      await Promise.resolve();
      let u = rng.random();
      const pick = (p: number | undefined): boolean => {
        if (p === undefined) return false;
        if (u < p) return true;
        u -= p;
        return false;
      };
      if (pick(rates.rate429)) {
        hit('rate_limit');
        throw new GeneratorError('rate_limit', 'fake: 429', { status: 429, retryAfterMs: rates.retryAfterMs ?? 0 });
      }
      if (pick(rates.rate500)) {
        hit('server');
        throw new GeneratorError('server', 'fake: 500', { status: 500 });
      }
      if (pick(rates.rateNetwork)) {
        hit('network');
        throw new GeneratorError('network', 'fake: ECONNRESET');
      }
      if (pick(rates.rateBadResponse)) {
        hit('bad_response');
        throw new GeneratorError('bad_response', 'fake: truncated JSON');
      }
      if (pick(rates.rateClient)) {
        hit('client');
        throw new GeneratorError('client', 'fake: 400', { status: 400 });
      }
      if (pick(rates.rateHang)) {
        hit('timeout');
        return new Promise<GenerateResult>(() => {}); // never settles and ignores the signal
      }
      return inner.generate(req);
    },
  };
}

/** The outcome the seeded teacher must produce for one example (an independent replay of the contract). */
export function expectedOutcome(
  ex: SamplerExample,
  maxAttempts: number,
  seedOf: (id: string, attempt: number) => number,
): { accepted: boolean; attempt: number; completion?: string } {
  for (let a = 1; a <= maxAttempts; a++) {
    const seed = seedOf(ex.id, a);
    const perm = new Random(seed).permutation(ex.candidates.length);
    if (ex.candidates[perm[0]!] === ex.target) return { accepted: true, attempt: a, completion: teacherAnswer(ex.candidates, seed) };
  }
  return { accepted: false, attempt: maxAttempts };
}
