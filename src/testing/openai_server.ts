/**
 * A real OpenAI-compatible HTTP server on 127.0.0.1, backed by any {@link Generator}, with seeded fault
 * injection — for testing clients (ours and users') against the failures real servers produce.
 *
 * @packageDocumentation
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { GeneratorError, assertFiniteNumber, assertNonNegativeInteger, checkOptions, typeError } from '../errors.js';
import type { GenerateRequest, Generator } from '../generate/types.js';
import { Random } from '../sampling/random.js';

/**
 * Faults the server injects, each request drawing one outcome from a seeded generator: with probability
 * `rate429` a `429` with `Retry-After: retryAfterSeconds`, `rate500`/`rate503` those statuses, `rateReset` the
 * socket destroyed before any answer, `rateTruncated` a 200 whose JSON body is cut in half, `rateMalformed` a 200
 * whose body is not JSON, `rateHang` no answer at all (until the client gives up or the server closes);
 * otherwise the generator's answer. `latencyMs` delays every answer (faults included). Rates must sum to ≤ 1.
 */
export interface FaultOptions {
  /** Seed of the fault draws. @defaultValue `1234` */
  readonly seed?: number;
  /** Delay before every answer, ms. @defaultValue `0` */
  readonly latencyMs?: number;
  readonly rate429?: number;
  /** `Retry-After` of the 429 answers, seconds. @defaultValue `1` */
  readonly retryAfterSeconds?: number;
  readonly rate500?: number;
  readonly rate503?: number;
  readonly rateReset?: number;
  readonly rateTruncated?: number;
  readonly rateMalformed?: number;
  readonly rateHang?: number;
}

/** Options of {@link startOpenAIServer}. */
export interface OpenAIServerOptions {
  /** Answers the requests that draw no fault. */
  readonly generator: Generator;
  /** Model name reported by `GET /v1/models` and in answers. @defaultValue `'gr2-test'` */
  readonly model?: string;
  /** Fault injection (none by default). */
  readonly faults?: FaultOptions;
  /** Port on 127.0.0.1. @defaultValue `0` (a free port) */
  readonly port?: number;
}

/** Counters of a running {@link startOpenAIServer} server. */
export interface OpenAIServerStats {
  /** Chat-completion requests received. */
  readonly requests: number;
  /** Injected faults by name: `'429'`, `'500'`, `'503'`, `'reset'`, `'truncated'`, `'malformed'`, `'hang'`. */
  readonly faults: Record<string, number>;
}

/** A running server. */
export interface OpenAIServer {
  /** `'http://127.0.0.1:PORT/v1'`, the `baseURL` of an OpenAI client. */
  readonly baseURL: string;
  /** Stops listening and destroys open connections (hung requests included). */
  close(): Promise<void>;
  stats(): OpenAIServerStats;
}

const FAULT_KEYS = [
  'seed',
  'latencyMs',
  'rate429',
  'retryAfterSeconds',
  'rate500',
  'rate503',
  'rateReset',
  'rateTruncated',
  'rateMalformed',
  'rateHang',
] as const;
const FAULTS = [
  ['429', 'rate429'],
  ['500', 'rate500'],
  ['503', 'rate503'],
  ['reset', 'rateReset'],
  ['truncated', 'rateTruncated'],
  ['malformed', 'rateMalformed'],
  ['hang', 'rateHang'],
] as const;
const MAX_BODY = 32 * 1024 * 1024;

/** @internal Answer of a request that could not be mapped to a GenerateRequest. */
class BadRequest extends Error {}

/**
 * Starts a real HTTP server on 127.0.0.1 speaking `POST /v1/chat/completions` and `GET /v1/models`. A request's
 * `messages`, `n`, `temperature`, `top_p`, `seed`, `max_tokens` (or `max_completion_tokens`), `stop` (string or
 * array) and `logprobs` become a {@link GenerateRequest}; the generation comes back as a `chat.completion` with
 * `choices[i].logprobs.content` when the generator returned token log-probs, and `usage`. A client that
 * disconnects aborts its generation. Generator failures answer as OpenAI errors (`client` → 400, `rate_limit` →
 * 429, `timeout` → 504, others → 500). Streaming is not supported (400).
 *
 * @example
 * ```ts
 * const server = await startOpenAIServer({ generator, faults: { seed: 1, rate429: 0.2, retryAfterSeconds: 2 } });
 * const gen = createOpenAIGenerator({ baseURL: server.baseURL, model: 'gr2-test' });
 * // ... then
 * await server.close();
 * ```
 */
export async function startOpenAIServer(options: OpenAIServerOptions): Promise<OpenAIServer> {
  const fn = 'startOpenAIServer';
  if (options === undefined) throw typeError(fn, 'options', 'an options object {generator}', options);
  const o = checkOptions(fn, options, ['generator', 'model', 'faults', 'port']);
  if (!o.generator || typeof o.generator !== 'object' || typeof o.generator.generate !== 'function') {
    throw typeError(fn, 'options.generator', 'a Generator (an object with generate())', o.generator);
  }
  if (o.model !== undefined && typeof o.model !== 'string') throw typeError(fn, 'options.model', 'a string', o.model);
  if (o.port !== undefined) {
    assertNonNegativeInteger(fn, 'options.port', o.port);
    assertFiniteNumber(fn, 'options.port', o.port, { max: 65535 });
  }
  const f = checkOptions(fn, o.faults, FAULT_KEYS, 'options.faults');
  for (const [, key] of FAULTS) if (f[key] !== undefined) assertFiniteNumber(fn, `options.faults.${key}`, f[key], { min: 0, max: 1 });
  const total = FAULTS.reduce((s, [, key]) => s + (f[key] ?? 0), 0);
  if (total > 1 + 1e-12) assertFiniteNumber(fn, 'options.faults (sum of rates)', total, { max: 1 });
  if (f.seed !== undefined) assertNonNegativeInteger(fn, 'options.faults.seed', f.seed);
  if (f.latencyMs !== undefined) assertFiniteNumber(fn, 'options.faults.latencyMs', f.latencyMs, { min: 0, max: 2 ** 31 - 1 });
  if (f.retryAfterSeconds !== undefined) assertFiniteNumber(fn, 'options.faults.retryAfterSeconds', f.retryAfterSeconds, { min: 0, max: 86400 });

  const generator = o.generator;
  const model = o.model ?? 'gr2-test';
  const rng = new Random(f.seed ?? 1234);
  const counts: Record<string, number> = Object.fromEntries(FAULTS.map(([k]) => [k, 0]));
  let requests = 0;
  let nextId = 0;
  const sockets = new Set<Socket>();
  const pendingTimers = new Set<NodeJS.Timeout>();

  const drawFault = (): (typeof FAULTS)[number][0] | null => {
    if (total === 0) return null;
    let u = rng.random();
    for (const [name, key] of FAULTS) {
      u -= f[key] ?? 0;
      if (u < 0) return name;
    }
    return null;
  };
  const delay = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (ms <= 0) return resolve();
      const t = setTimeout(() => {
        pendingTimers.delete(t);
        resolve();
      }, ms);
      pendingTimers.add(t);
    });

  async function chat(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requests++;
    const fault = drawFault();
    if (fault) counts[fault]!++;
    const raw = await readBody(req);
    if (fault === 'hang') return; // never answer; the socket is destroyed by the client or by close()
    await delay(f.latencyMs ?? 0);
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault === '429') {
      return sendJson(res, 429, errorBody('Rate limit reached (injected).', 'rate_limit_exceeded'), {
        'retry-after': String(f.retryAfterSeconds ?? 1),
      });
    }
    if (fault === '500' || fault === '503') {
      return sendJson(res, Number(fault), errorBody(`Injected ${fault}.`, 'server_error'));
    }
    let request: GenerateRequest;
    try {
      request = toGenerateRequest(raw);
    } catch (err) {
      if (err instanceof BadRequest) return sendJson(res, 400, errorBody(err.message, 'invalid_request_error'));
      throw err;
    }
    const ctrl = new AbortController();
    const onClose = (): void => {
      if (!res.writableFinished) ctrl.abort();
    };
    res.on('close', onClose);
    let body: unknown;
    try {
      const result = await generator.generate({ ...request, signal: ctrl.signal });
      body = completionBody(`chatcmpl-${++nextId}`, model, result);
    } catch (err) {
      if (ctrl.signal.aborted) return;
      const { status, type } = statusOf(err);
      return sendJson(res, status, errorBody(err instanceof Error ? err.message : String(err), type));
    } finally {
      res.off('close', onClose);
    }
    const text = JSON.stringify(body);
    if (fault === 'truncated') return sendText(res, 200, text.slice(0, Math.floor(text.length / 2)));
    if (fault === 'malformed') return sendText(res, 200, `<html>upstream error</html>${text.slice(0, 20)}`);
    sendText(res, 200, text);
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!.replace(/\/+$/, '');
    const route =
      req.method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')
        ? chat(req, res)
        : req.method === 'GET' && (path === '/v1/models' || path === '/models')
          ? Promise.resolve(sendJson(res, 200, { object: 'list', data: [{ id: model, object: 'model', created: 0, owned_by: 'gr2' }] }))
          : Promise.resolve(sendJson(res, 404, errorBody(`No route ${req.method} ${path}.`, 'invalid_request_error')));
    route.catch((err: unknown) => {
      if (err instanceof BadRequest) sendJson(res, 400, errorBody(err.message, 'invalid_request_error'));
      else if (!res.headersSent && !res.destroyed) sendJson(res, 500, errorBody(String(err), 'server_error'));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;
  let closed: Promise<void> | null = null;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    stats: () => ({ requests, faults: { ...counts } }),
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const t of pendingTimers) clearTimeout(t);
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closed;
    },
  };
}

/** @internal Reads a request body (bounded). */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (b: Buffer) => {
      size += b.length;
      if (size > MAX_BODY) {
        reject(new BadRequest(`Request body over ${MAX_BODY} bytes.`));
        req.destroy();
        return;
      }
      parts.push(b);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendText(res, status, JSON.stringify(body), headers);
}

function errorBody(message: string, type: string): unknown {
  return { error: { message, type, code: null, param: null } };
}

function statusOf(err: unknown): { status: number; type: string } {
  if (err instanceof TypeError || err instanceof RangeError) return { status: 400, type: 'invalid_request_error' };
  if (err instanceof GeneratorError) {
    if (err.kind === 'client') return { status: err.status && err.status >= 400 && err.status < 500 ? err.status : 400, type: 'invalid_request_error' };
    if (err.kind === 'rate_limit') return { status: 429, type: 'rate_limit_exceeded' };
    if (err.kind === 'timeout') return { status: 504, type: 'timeout' };
  }
  return { status: 500, type: 'server_error' };
}

/** @internal Maps an OpenAI chat-completions body to a GenerateRequest, throwing BadRequest on bad input. */
function toGenerateRequest(raw: string): GenerateRequest {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw new BadRequest('The request body is not JSON.');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('The request body must be a JSON object.');
  if (body.stream === true) throw new BadRequest('Streaming is not supported by this test server.');
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw new BadRequest("'messages' must be a non-empty array.");
  const out: { -readonly [K in keyof GenerateRequest]: GenerateRequest[K] } = {
    messages: messages.map((m: unknown, i) => {
      const { role, content } = (m ?? {}) as { role?: unknown; content?: unknown };
      if (role !== 'system' && role !== 'user' && role !== 'assistant') throw new BadRequest(`messages[${i}].role is invalid.`);
      const text = Array.isArray(content)
        ? content.map((p: { text?: unknown }) => (typeof p?.text === 'string' ? p.text : '')).join('')
        : content;
      if (typeof text !== 'string') throw new BadRequest(`messages[${i}].content must be a string.`);
      return { role, content: text };
    }),
  };
  const num = (key: string): number | undefined => {
    const v = body[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadRequest(`'${key}' must be a number.`);
    return v;
  };
  const n = num('n');
  if (n !== undefined) out.n = n;
  const temperature = num('temperature');
  if (temperature !== undefined) out.temperature = temperature;
  const topP = num('top_p');
  if (topP !== undefined) out.topP = topP;
  const seed = num('seed');
  if (seed !== undefined) out.seed = seed;
  const maxTokens = num('max_completion_tokens') ?? num('max_tokens');
  if (maxTokens !== undefined) out.maxTokens = maxTokens;
  if (typeof body.stop === 'string') out.stop = [body.stop];
  else if (Array.isArray(body.stop)) out.stop = body.stop.map(String);
  if (body.logprobs === true) out.logprobs = true;
  return out;
}

/** @internal The `chat.completion` body of a result. */
function completionBody(id: string, model: string, result: Awaited<ReturnType<Generator['generate']>>): unknown {
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: result.model ?? model,
    choices: result.generations.map((g, index) => ({
      index,
      message: { role: 'assistant', content: g.text },
      finish_reason: g.finishReason,
      logprobs: g.tokenLogProbs
        ? {
            content: g.tokenLogProbs.map((logprob, t) => ({
              token: g.tokens?.[t] ?? '',
              logprob,
              bytes: null,
              top_logprobs: [],
            })),
          }
        : null,
    })),
    usage: {
      prompt_tokens: result.usage.promptTokens,
      completion_tokens: result.usage.completionTokens,
      total_tokens: result.usage.promptTokens + result.usage.completionTokens,
    },
  };
}
