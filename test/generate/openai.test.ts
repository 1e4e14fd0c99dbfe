import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { GeneratorError } from '../../src/errors.js';
import { createOpenAIGenerator } from '../../src/generate/openai.js';
import type { GenerateRequest, GenerateResult, Generator } from '../../src/generate/types.js';
import { startOpenAIServer, type OpenAIServer } from '../../src/testing/openai_server.js';

/** A generator that records what it was asked and answers deterministically from the request. */
function recorder(): Generator & { seen: GenerateRequest[] } {
  const seen: GenerateRequest[] = [];
  return {
    name: 'recorder',
    seen,
    async generate(req): Promise<GenerateResult> {
      seen.push(req);
      const n = req.n ?? 1;
      const last = req.messages.at(-1)!.content;
      return {
        generations: Array.from({ length: n }, (_, i) => ({
          text: `${last}#${i}`,
          finishReason: i % 2 === 0 ? 'stop' : 'length',
          ...(req.logprobs ? { tokenLogProbs: [-0.5, -1.25 - i], tokens: ['a', 'b'] } : {}),
        })),
        usage: { promptTokens: last.length, completionTokens: 2 * n },
        latencyMs: 0,
      };
    },
  };
}

const msgs = [
  { role: 'system', content: 'You re-rank.' },
  { role: 'user', content: 'hello' },
] as const;

let servers: OpenAIServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
async function serve(gen: Generator, faults?: Parameters<typeof startOpenAIServer>[0]['faults']): Promise<OpenAIServer> {
  const s = await startOpenAIServer({ generator: gen, model: 'tiny', ...(faults ? { faults } : {}) });
  servers.push(s);
  return s;
}
async function failure(p: Promise<unknown>): Promise<GeneratorError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GeneratorError);
  return err as GeneratorError;
}

describe('createOpenAIGenerator against startOpenAIServer', () => {
  it('maps every request field to the server and every answer field back', async () => {
    const rec = recorder();
    const server = await serve(rec);
    expect(server.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const gen = createOpenAIGenerator({ baseURL: server.baseURL, model: 'tiny', apiKey: 'k' });
    const res = await gen.generate({
      messages: msgs,
      n: 3,
      temperature: 0.7,
      topP: 0.9,
      seed: 11,
      maxTokens: 17,
      stop: ['</answer>'],
      logprobs: true,
    });
    const seen = rec.seen[0]!;
    expect(seen.messages).toEqual(msgs);
    expect([seen.n, seen.temperature, seen.topP, seen.seed, seen.maxTokens, seen.logprobs]).toEqual([3, 0.7, 0.9, 11, 17, true]);
    expect(seen.stop).toEqual(['</answer>']);
    expect(res.generations.map((g) => g.text)).toEqual(['hello#0', 'hello#1', 'hello#2']);
    expect(res.generations.map((g) => g.finishReason)).toEqual(['stop', 'length', 'stop']);
    expect(res.generations[2]!.tokenLogProbs).toEqual([-0.5, -3.25]);
    expect(res.generations[2]!.tokens).toEqual(['a', 'b']);
    expect(res.usage).toEqual({ promptTokens: 5, completionTokens: 6 });
    expect(res.model).toBe('tiny');
    expect(res.latencyMs).toBeGreaterThanOrEqual(0);
    expect(server.stats().requests).toBe(1);
  });

  it('passes the SID constraint to the served generator only with sendConstraint (gr2_constraint)', async () => {
    const rec = recorder();
    const server = await serve(rec);
    const constraint = { candidates: ['<|sid_begin|><s_a_1><s_b_2><s_c_3><s_d_4><|sid_end|>'], reasoning: false };
    await createOpenAIGenerator({ baseURL: server.baseURL, model: 'tiny' }).generate({ messages: msgs, constraint });
    await createOpenAIGenerator({ baseURL: server.baseURL, model: 'tiny', sendConstraint: true }).generate({ messages: msgs, constraint });
    expect(rec.seen[0]!.constraint).toBeUndefined();
    expect(rec.seen[1]!.constraint).toEqual(constraint);
  });

  it('omits log-probs when not asked and sends only the fields that were set', async () => {
    const rec = recorder();
    const server = await serve(rec);
    const gen = createOpenAIGenerator({ baseURL: server.baseURL + '/', model: 'tiny' });
    const res = await gen.generate({ messages: msgs });
    expect(res.generations).toHaveLength(1);
    expect(res.generations[0]!.tokenLogProbs).toBeUndefined();
    expect(rec.seen[0]!.n).toBeUndefined();
    expect(rec.seen[0]!.temperature).toBeUndefined();
  });

  it('sends the API key from the environment by default, and the explicit one and headers otherwise', async () => {
    const auth: (string | undefined)[] = [];
    const extra: (string | undefined)[] = [];
    const srv = createServer((req, res) => {
      auth.push(req.headers.authorization);
      extra.push(req.headers['x-extra'] as string | undefined);
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ choices: [{ index: 0, message: { content: 'x' }, finish_reason: 'stop' }] }));
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(srv.address() as { port: number }).port}/v1`;
    const saved = process.env.OPENAI_API_KEY;
    try {
      process.env.OPENAI_API_KEY = 'from-env';
      await createOpenAIGenerator({ baseURL: base, model: 'm' }).generate({ messages: msgs });
      await createOpenAIGenerator({ baseURL: base, model: 'm', apiKey: 'explicit', headers: { 'x-extra': 'y' } }).generate({ messages: msgs });
      delete process.env.OPENAI_API_KEY;
      const res = await createOpenAIGenerator({ baseURL: base, model: 'm' }).generate({ messages: msgs });
      expect(res.usage).toEqual({ promptTokens: 0, completionTokens: 0 });
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
      await new Promise<void>((r) => srv.close(() => r()));
    }
    expect(auth).toEqual(['Bearer from-env', 'Bearer explicit', undefined]);
    expect(extra).toEqual([undefined, 'y', undefined]);
  });

  it('classifies 429 with Retry-After, 500 and 503', async () => {
    const gen = (s: OpenAIServer): Generator => createOpenAIGenerator({ baseURL: s.baseURL, model: 'tiny' });
    const e429 = await failure(gen(await serve(recorder(), { rate429: 1, retryAfterSeconds: 3 })).generate({ messages: msgs }));
    expect([e429.kind, e429.status, e429.retryAfterMs, e429.retryable]).toEqual(['rate_limit', 429, 3000, true]);
    const e500 = await failure(gen(await serve(recorder(), { rate500: 1 })).generate({ messages: msgs }));
    expect([e500.kind, e500.status]).toEqual(['server', 500]);
    const e503 = await failure(gen(await serve(recorder(), { rate503: 1 })).generate({ messages: msgs }));
    expect([e503.kind, e503.status]).toEqual(['server', 503]);
  });

  it('classifies resets and refused connections as network, truncated and malformed bodies as bad_response', async () => {
    const gen = (s: OpenAIServer): Generator => createOpenAIGenerator({ baseURL: s.baseURL, model: 'tiny' });
    const reset = await failure(gen(await serve(recorder(), { rateReset: 1 })).generate({ messages: msgs }));
    expect(reset.kind).toBe('network');
    const truncated = await failure(gen(await serve(recorder(), { rateTruncated: 1 })).generate({ messages: msgs }));
    expect(truncated.kind).toBe('bad_response');
    const malformed = await failure(gen(await serve(recorder(), { rateMalformed: 1 })).generate({ messages: msgs }));
    expect(malformed.kind).toBe('bad_response');
    const gone = await serve(recorder());
    await gone.close();
    const refused = await failure(gen(gone).generate({ messages: msgs }));
    expect(refused.kind).toBe('network');
    expect(refused.message).toMatch(/ECONNREFUSED/);
  });

  it('times out on a hung request and aborts on the caller signal, and close() ends hung requests', async () => {
    const server = await serve(recorder(), { rateHang: 1 });
    const gen = createOpenAIGenerator({ baseURL: server.baseURL, model: 'tiny', timeoutMs: 150 });
    const t = await failure(gen.generate({ messages: msgs }));
    expect([t.kind, t.retryable]).toEqual(['timeout', true]);
    const perRequest = await failure(gen.generate({ messages: msgs, timeoutMs: 50 }));
    expect(perRequest.kind).toBe('timeout');
    const ctrl = new AbortController();
    const p = createOpenAIGenerator({ baseURL: server.baseURL, model: 'tiny' }).generate({ messages: msgs, signal: ctrl.signal });
    setTimeout(() => ctrl.abort(), 30);
    const a = await failure(p);
    expect([a.kind, a.retryable]).toEqual(['aborted', false]);
    const pre = new AbortController();
    pre.abort();
    expect((await failure(gen.generate({ messages: msgs, signal: pre.signal }))).kind).toBe('aborted');
    // a hung request without a client deadline ends when the server closes
    const before = server.stats().requests;
    const hung = createOpenAIGenerator({ baseURL: server.baseURL, model: 'tiny' }).generate({ messages: msgs });
    for (let i = 0; i < 500 && server.stats().requests === before; i++) await new Promise((r) => setTimeout(r, 10));
    await server.close();
    expect((await failure(hung)).kind).toBe('network');
    // every request that reached the server hung (a request aborted early may never have reached it)
    expect(server.stats().faults.hang).toBe(server.stats().requests);
    expect(server.stats().requests).toBeGreaterThanOrEqual(2);
  });

  it('draws faults reproducibly from the seed at the configured rates, and retries them when asked', async () => {
    const counts: Record<string, number>[] = [];
    for (let rep = 0; rep < 2; rep++) {
      const server = await serve(recorder(), { seed: 5, rate429: 0.2, retryAfterSeconds: 0, rate500: 0.2, rateMalformed: 0.2 });
      const gen = createOpenAIGenerator({ baseURL: server.baseURL, model: 'tiny' });
      const kinds: string[] = [];
      for (let i = 0; i < 60; i++) kinds.push(await gen.generate({ messages: msgs }).then(() => 'ok', (e: GeneratorError) => e.kind));
      counts.push({ ...server.stats().faults, ok: kinds.filter((k) => k === 'ok').length });
      expect(kinds.filter((k) => k === 'rate_limit').length).toBe(server.stats().faults['429']);
      expect(kinds.filter((k) => k === 'server').length).toBe(server.stats().faults['500']);
      expect(kinds.filter((k) => k === 'bad_response').length).toBe(server.stats().faults.malformed);
    }
    expect(counts[0]).toEqual(counts[1]);
    expect(counts[0]!.ok).toBeGreaterThan(10);
    expect(counts[0]!.ok).toBeLessThan(40);
    // with retries, the same faults are absorbed
    const server = await serve(recorder(), { seed: 5, rate429: 0.5, retryAfterSeconds: 0 });
    const gen = createOpenAIGenerator({ baseURL: server.baseURL, model: 'tiny', maxRetries: 20 });
    for (let i = 0; i < 10; i++) expect((await gen.generate({ messages: msgs })).generations[0]!.text).toBe('hello#0');
    expect(server.stats().requests).toBeGreaterThan(10);
  });

  it('waits a long Retry-After only up to maxRetryAfterMs', async () => {
    // the server asks for an hour; with the cap at 20 ms the ten calls finish in well under a second of waiting
    const server = await serve(recorder(), { seed: 5, rate429: 0.5, retryAfterSeconds: 3600 });
    const gen = createOpenAIGenerator({ baseURL: server.baseURL, model: 'tiny', maxRetries: 20, maxRetryAfterMs: 20 });
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) expect((await gen.generate({ messages: msgs })).generations[0]!.text).toBe('hello#0');
    expect(server.stats().faults['429']).toBeGreaterThan(3);
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(() => createOpenAIGenerator({ baseURL: 'http://x/v1', model: 'm', maxRetryAfterMs: -1 })).toThrow(/'options.maxRetryAfterMs'/);
    expect(() => createOpenAIGenerator({ baseURL: 'http://x/v1', model: 'm', maxRetryAfterMs: '5' as never })).toThrow(TypeError);
    expect(() => createOpenAIGenerator({ baseURL: 'http://x/v1', model: 'm', maxRetryAfterMs: Number.POSITIVE_INFINITY })).not.toThrow();
  });

  it('applies latency, answers GET /v1/models, and maps generator errors to HTTP statuses', async () => {
    const server = await serve(recorder(), { latencyMs: 80 });
    const t0 = performance.now();
    await createOpenAIGenerator({ baseURL: server.baseURL, model: 'tiny' }).generate({ messages: msgs });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(75);
    const models = (await (await fetch(server.baseURL + '/models')).json()) as { data: { id: string }[] };
    expect(models.data[0]!.id).toBe('tiny');
    const failing: Generator = {
      name: 'failing',
      async generate() {
        throw new GeneratorError('client', 'context too long', { status: 400 });
      },
    };
    const e = await failure(createOpenAIGenerator({ baseURL: (await serve(failing)).baseURL, model: 'tiny' }).generate({ messages: msgs }));
    expect([e.kind, e.status, e.retryable]).toEqual(['client', 400, false]);
    expect(e.message).toMatch(/context too long/);
    const bad = await fetch(server.baseURL + '/chat/completions', { method: 'POST', body: '{"messages": 3}' });
    expect(bad.status).toBe(400);
  });

  it('rejects answers without choices as bad_response', async () => {
    const srv = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end(JSON.stringify({ id: 'x', choices: [] })));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const gen = createOpenAIGenerator({ baseURL: `http://127.0.0.1:${(srv.address() as { port: number }).port}/v1`, model: 'm' });
      const e = await failure(gen.generate({ messages: msgs }));
      expect(e.kind).toBe('bad_response');
      expect(e.message).toMatch(/choices/);
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  it('validates options and requests with typed errors naming the argument', async () => {
    expect(() => createOpenAIGenerator(undefined as never)).toThrow(TypeError);
    expect(() => createOpenAIGenerator({ baseURL: 'not a url', model: 'm' })).toThrow(/'options.baseURL'/);
    expect(() => createOpenAIGenerator({ baseURL: 'http://x/v1', model: '' })).toThrow(/'options.model'/);
    expect(() => createOpenAIGenerator({ baseURL: 'http://x/v1', model: 'm', timeout: 5 } as never)).toThrow(/Did you mean 'timeoutMs'/);
    expect(() => createOpenAIGenerator({ baseURL: 'http://x/v1', model: 'm', maxRetries: -1 })).toThrow(RangeError);
    const gen = createOpenAIGenerator({ baseURL: 'http://127.0.0.1:9/v1', model: 'm' });
    await expect(gen.generate(null as never)).rejects.toThrow(TypeError);
    await expect(gen.generate({ messages: [] })).rejects.toThrow(/'request.messages'/);
    await expect(gen.generate({ messages: [[1]] as never })).rejects.toThrow(/'request.messages\[0\]'/);
    await expect(gen.generate({ messages: msgs, n: Number.NaN })).rejects.toThrow(/'request.n'/);
    await expect(gen.generate({ messages: msgs, n: 2 ** 40 })).rejects.toThrow(RangeError);
    await expect(gen.generate({ messages: msgs, stop: 'x' as never })).rejects.toThrow(/'request.stop'/);
    await expect(gen.generate({ messages: msgs, maxToken: 3 } as never)).rejects.toThrow(/Did you mean 'maxTokens'/);
  });

  it('validates server options', async () => {
    await expect(startOpenAIServer(undefined as never)).rejects.toThrow(TypeError);
    await expect(startOpenAIServer({ generator: {} as never })).rejects.toThrow(/'options.generator'/);
    await expect(startOpenAIServer({ generator: recorder(), faults: { rate500: 2 } })).rejects.toThrow(/rate500/);
    await expect(startOpenAIServer({ generator: recorder(), faults: { rate500: 0.6, rate503: 0.6 } })).rejects.toThrow(/sum/);
    await expect(startOpenAIServer({ generator: recorder(), faults: { rate_500: 1 } as never })).rejects.toThrow(/Did you mean 'rate500'/);
  });
});
