import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { GeneratorError } from '../../src/errors.js';
import { createOpenAIGenerator } from '../../src/generate/openai.js';
import { createReranker } from '../../src/generate/reranker.js';
import type { GenerateRequest, GenerateResult, Generator } from '../../src/generate/types.js';
import { isPermutation } from '../../src/prompt/parse_output.js';
import type { RerankItem } from '../../src/prompt/types.js';
import { parseSids, renderSid, sidKey } from '../../src/sid/sid_string.js';
import { startOpenAIServer, type OpenAIServer } from '../../src/testing/openai_server.js';

const history: RerankItem[] = [
  { id: 100, sid: [1, 1, 1, 1], title: 'Rose shampoo', categories: ['Beauty', 'Hair'] },
  { id: 101, sid: [2, 2, 2, 2], title: 'Argan oil' },
];
const slate = (k: number): RerankItem[] => Array.from({ length: k }, (_, i) => ({ id: i, sid: [10 + i, 20 + (i % 3), 30, i], title: `item ${i}` }));

/** A generator answering `answer(request)` (the request's candidates are the prompt-order SIDs). */
function scripted(answer: (req: GenerateRequest) => string | Promise<string>, name = 'scripted'): Generator & { calls: GenerateRequest[] } {
  const calls: GenerateRequest[] = [];
  return {
    name,
    calls,
    async generate(req): Promise<GenerateResult> {
      calls.push(req);
      return { generations: [{ text: await answer(req), finishReason: 'stop' }], usage: { promptTokens: 0, completionTokens: 0 }, latencyMs: 0 };
    },
  };
}
const json = (sids: readonly string[]): string => JSON.stringify({ recommendations: sids });
/** Pre-rank index of every candidate SID, computed from the slate (independent of the prompt's bookkeeping). */
const preRankOf = (cands: readonly RerankItem[]) => new Map(cands.map((c, i) => [sidKey(c.sid as number[]), i]));

describe('createReranker with scripted generators', () => {
  it('maps the answer back to pre-rank indices through a shuffled prompt, and sends a reasoning-free constrained request', async () => {
    const cands = slate(6);
    // the "model" ranks by descending last code, i.e. the reverse of the pre-rank order
    const gen = scripted((req) => json([...req.constraint!.candidates].sort((a, b) => parseSids(b)[0]!.codes[3]! - parseSids(a)[0]!.codes[3]!)));
    const reranker = createReranker({ generator: gen, prompt: { shuffle: { seed: 9 } } });
    const res = await reranker.rerank({ history, candidates: cands });
    expect(res.source).toBe('model');
    expect(res.order).toEqual([5, 4, 3, 2, 1, 0]);
    expect(res.diagnostics.reason).toBeUndefined();
    const req = gen.calls[0]!;
    expect(req.constraint!.reasoning).toBe(false);
    expect(req.temperature).toBe(0);
    expect(new Set(req.constraint!.candidates)).toEqual(new Set(cands.map((c) => renderSid(c.sid as number[]))));
    expect(req.messages.at(-1)!.content).not.toMatch(/"explanation"/);
    expect(res.latencyMs).toBeGreaterThanOrEqual(res.diagnostics.modelMs!);
  });

  it('reads fenced JSON, RankGPT lists and bare SIDs', async () => {
    const cands = slate(3);
    const pre = preRankOf(cands);
    const answers = [
      (s: readonly string[]) => '```json\n' + json([s[2]!, s[0]!, s[1]!]) + '\n```',
      (s: readonly string[]) => `${s[2]} then ${s[0]} then ${s[1]}`,
      () => '[3] > [1] > [2]',
    ];
    for (const a of answers) {
      const reranker = createReranker({ generator: scripted((req) => a(req.constraint!.candidates)) });
      const res = await reranker.rerank({ history, candidates: cands });
      expect(res.source).toBe('model');
      expect(res.order).toEqual([2, 0, 1].map((p) => pre.get(sidKey(cands[p]!.sid as number[]))!));
    }
  });

  it('falls back to the pre-rank order on partial, garbage and cut answers with the reason; repair completes partial ones', async () => {
    const cands = slate(5);
    const partial = scripted((req) => json([req.constraint!.candidates[3]!, req.constraint!.candidates[1]!, req.constraint!.candidates[3]!]));
    const a = await createReranker({ generator: partial }).rerank({ history, candidates: cands });
    expect([a.source, a.order]).toEqual(['fallback', [0, 1, 2, 3, 4]]);
    expect(a.diagnostics.reason).toMatch(/unusable output: 3 candidate\(s\) missing, 1 duplicated/);
    const b = await createReranker({ generator: partial, repair: true }).rerank({ history, candidates: cands });
    expect([b.source, b.order, b.diagnostics.repaired]).toEqual(['model', [3, 1, 0, 2, 4], true]);
    const garbage = await createReranker({ generator: scripted(() => 'I cannot help with that.') }).rerank({ history, candidates: cands });
    expect([garbage.source, garbage.order]).toEqual(['fallback', [0, 1, 2, 3, 4]]);
    expect(garbage.diagnostics.reason).toMatch(/no ranking could be read/);
    const unknown = await createReranker({ generator: scripted((req) => json([...req.constraint!.candidates, renderSid([200, 200, 200, 200])])) }).rerank({
      history,
      candidates: cands,
    });
    expect(unknown.source).toBe('fallback');
    expect(unknown.diagnostics.reason).toMatch(/1 entry not in the slate/);
  });

  it('falls back on generator errors, on timeouts (also when the generator ignores its signal) and on caller aborts', async () => {
    const cands = slate(4);
    const failing: Generator = {
      name: 'failing',
      async generate() {
        throw new GeneratorError('server', 'HTTP 503', { status: 503 });
      },
    };
    const e = await createReranker({ generator: failing }).rerank({ history, candidates: cands });
    expect([e.source, e.order, e.diagnostics.errorKind]).toEqual(['fallback', [0, 1, 2, 3], 'server']);
    expect(e.diagnostics.reason).toMatch(/generator error \(server\): HTTP 503/);
    const deaf: Generator = { name: 'deaf', generate: () => new Promise(() => undefined) };
    const t0 = performance.now();
    const t = await createReranker({ generator: deaf, timeoutMs: 60 }).rerank({ history, candidates: cands });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect([t.source, t.order, t.diagnostics.errorKind]).toEqual(['fallback', [0, 1, 2, 3], 'timeout']);
    expect(t.diagnostics.reason).toMatch(/timeout: no usable answer within 60 ms/);
    const ctrl = new AbortController();
    const p = createReranker({ generator: deaf }).rerank({ history, candidates: cands }, { signal: ctrl.signal });
    ctrl.abort();
    const ab = await p;
    expect([ab.source, ab.diagnostics.reason]).toEqual(['fallback', 'aborted by the caller']);
  });

  it('returns small slates without a model call', async () => {
    const gen = scripted(() => 'x');
    const r = createReranker({ generator: gen });
    expect((await r.rerank({ history, candidates: [] })).order).toEqual([]);
    const one = await r.rerank({ history, candidates: slate(1) });
    expect([one.order, one.source]).toEqual([[0], 'fallback']);
    expect(gen.calls).toHaveLength(0);
  });

  it('never returns anything but a permutation, whatever the generator writes or throws (property)', async () => {
    const outcome = fc.oneof(
      fc.record({ kind: fc.constant('ranking' as const), picks: fc.array(fc.integer({ min: -2, max: 9 }), { maxLength: 12 }), wrap: fc.constantFrom('json', 'plain', 'fence', 'cut') }),
      fc.record({ kind: fc.constant('text' as const), text: fc.string({ maxLength: 200 }) }),
      fc.record({ kind: fc.constant('throw' as const), errorKind: fc.constantFrom('server', 'network', 'bad_response', 'rate_limit', 'client') }),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 9 }), outcome, fc.boolean(), fc.nat(1000), async (k, out, repair, seed) => {
        const gen: Generator = {
          name: 'fuzz',
          async generate(req) {
            if (out.kind === 'throw') throw new GeneratorError(out.errorKind, 'injected');
            let text: string;
            if (out.kind === 'text') text = out.text;
            else {
              const c = req.constraint!.candidates;
              const picked = out.picks.map((i) => (i < 0 ? renderSid([255, 255, 255, 255]) : (c[i % c.length] ?? 'x')));
              text = out.wrap === 'json' ? json(picked) : out.wrap === 'fence' ? '```\n' + json(picked) + '\n```' : out.wrap === 'cut' ? json(picked).slice(0, -7) : picked.join(', ');
            }
            return { generations: [{ text, finishReason: 'stop' }], usage: { promptTokens: 0, completionTokens: 0 }, latencyMs: 0 };
          },
        };
        const res = await createReranker({ generator: gen, repair, prompt: { shuffle: { seed } } }).rerank({ history, candidates: slate(k) });
        expect(isPermutation(res.order, k)).toBe(true);
        if (res.source === 'fallback') {
          expect(res.order).toEqual(Array.from({ length: k }, (_, i) => i));
          expect(res.diagnostics.reason).toBeTruthy();
        }
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  it('validates options and slates with typed errors', async () => {
    const gen = scripted(() => 'x');
    expect(() => createReranker(undefined as never)).toThrow(TypeError);
    expect(() => createReranker({ generator: {} as never })).toThrow(/'options.generator'/);
    expect(() => createReranker({ generator: gen, timeoutMs: 0 })).toThrow(RangeError);
    expect(() => createReranker({ generator: gen, timeout: 5 } as never)).toThrow(/Did you mean 'timeoutMs'/);
    expect(() => createReranker({ generator: gen, prompt: { shufle: false } as never })).toThrow(/shuffle/);
    const r = createReranker({ generator: gen });
    await expect(r.rerank(null as never)).rejects.toThrow(TypeError);
    await expect(r.rerank({ history, candidates: [[1, 2]] as never })).rejects.toThrow(/candidates/);
    await expect(r.rerank({ history, candidates: slate(2) }, { signl: 1 } as never)).rejects.toThrow(/Did you mean 'signal'/);
  });
});

describe('createReranker against the faulty OpenAI server', () => {
  let server: OpenAIServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('uses the model when the server answers and falls back with the reason on 429/5xx, resets, truncated or malformed JSON and hangs', async () => {
    // the served "model" ranks the prompt's candidates by descending last code (so a used answer is visible)
    const oracle = scripted((req) => {
      const user = req.messages.at(-1)!.content;
      const sids = parseSids(user.slice(user.indexOf('Candidates'))).map((m) => m.codes);
      return json(sids.sort((a, b) => b[3]! - a[3]!).map((c) => renderSid(c)));
    });
    server = await startOpenAIServer({
      generator: oracle,
      faults: { seed: 4, rate429: 0.1, rate500: 0.1, rate503: 0.05, rateReset: 0.1, rateTruncated: 0.1, rateMalformed: 0.1, rateHang: 0.04 },
    });
    const reranker = createReranker({ generator: createOpenAIGenerator({ baseURL: server.baseURL, model: 'gr2-test' }), timeoutMs: 1500, prompt: { shuffle: { seed: 1 } } });
    const reasons: Record<string, number> = {};
    let model = 0;
    for (let i = 0; i < 60; i++) {
      const k = 2 + (i % 6);
      const res = await reranker.rerank({ history, candidates: slate(k) });
      expect(isPermutation(res.order, k)).toBe(true);
      if (res.source === 'model') {
        model++;
        expect(res.order).toEqual(Array.from({ length: k }, (_, j) => k - 1 - j));
      } else {
        expect(res.order).toEqual(Array.from({ length: k }, (_, j) => j));
        const kind = res.diagnostics.errorKind!;
        reasons[kind] = (reasons[kind] ?? 0) + 1;
      }
    }
    const f = server.stats().faults;
    expect(model).toBe(60 - Object.values(f).reduce((a, b) => a + b, 0));
    expect(reasons.rate_limit ?? 0).toBe(f['429']);
    expect(reasons.server ?? 0).toBe(f['500']! + f['503']!);
    expect(reasons.network ?? 0).toBe(f.reset);
    expect(reasons.bad_response ?? 0).toBe(f.truncated! + f.malformed!);
    expect(reasons.timeout ?? 0).toBe(f.hang);
    expect(Object.values(f).every((n) => n > 0)).toBe(true);
  });
});
