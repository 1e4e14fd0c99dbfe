/**
 * A {@link Generator} over any OpenAI-compatible chat-completions server (vLLM, SGLang, llama.cpp server,
 * a hosted API), through the platform `fetch`.
 *
 * @packageDocumentation
 */
import { GeneratorError, assertNonNegativeInteger, checkOptions, rangeError, typeError } from '../errors.js';
import { checkGenerateRequest, retryAfterCap, sleep, startDeadline } from './request.js';
import type { FinishReason, GenerateRequest, GenerateResult, Generation, Generator } from './types.js';

/** Options of {@link createOpenAIGenerator}. */
export interface OpenAIGeneratorOptions {
  /** The API root, e.g. `'http://127.0.0.1:8000/v1'` (requests go to `${baseURL}/chat/completions`). */
  readonly baseURL: string;
  /** The model name sent with every request. */
  readonly model: string;
  /** Bearer token. @defaultValue `process.env.OPENAI_API_KEY` (no `Authorization` header when neither is set) */
  readonly apiKey?: string;
  /** Per-request time limit in ms; a request's own `timeoutMs` overrides it. @defaultValue `600_000` */
  readonly timeoutMs?: number;
  /**
   * Retries of a retryable failure (`timeout`, `rate_limit`, `server`, `network`, `bad_response`), waiting the
   * server's `Retry-After` (up to `maxRetryAfterMs`) or `500·2^attempt` ms (capped at 8 s). @defaultValue `0`
   * (callers such as the rejection sampler do their own retries)
   */
  readonly maxRetries?: number;
  /**
   * The longest `Retry-After` waited before a retry (our cap: a longer one is waited only this long; `Infinity`
   * honours any, up to setTimeout's 2^31 − 1 ms). @defaultValue `300_000`
   */
  readonly maxRetryAfterMs?: number;
  /** Extra HTTP headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A name for logs. @defaultValue `'openai:<model>'` */
  readonly name?: string;
  /**
   * Send `request.constraint` as the extra body field `gr2_constraint: {candidates, reasoning}` (ours), which
   * `startOpenAIServer` passes on to its generator; other servers may reject unknown fields. @defaultValue `false`
   */
  readonly sendConstraint?: boolean;
}

const OPTION_KEYS = ['baseURL', 'model', 'apiKey', 'timeoutMs', 'maxRetries', 'maxRetryAfterMs', 'headers', 'name', 'sendConstraint'] as const;
const DEFAULT_TIMEOUT_MS = 600_000;

/**
 * A generator that sends each {@link GenerateRequest} as one `POST {baseURL}/chat/completions`:
 * `messages`, `n`, `temperature`, `top_p`, `seed`, `max_tokens`, `stop`, `logprobs` map one to one; the answer's
 * `choices` (ordered by `index`) become `generations` with `finish_reason`, `logprobs.content[].logprob` as
 * `tokenLogProbs` when the server returns them, and `usage` as `{promptTokens, completionTokens}`.
 * `request.constraint` cannot be enforced by a plain OpenAI server and is not sent (unless `sendConstraint`);
 * parse the output leniently (the re-ranker does).
 *
 * Every failure rejects with a `GeneratorError`: `'timeout'` (deadline), `'aborted'` (the request's signal),
 * `'rate_limit'` (429, `retryAfterMs` from `Retry-After-Ms` / `Retry-After` seconds or HTTP date), `'server'` (5xx),
 * `'client'` (other 4xx), `'network'` (refused, reset, body cut by the connection), `'bad_response'`
 * (a body that is not JSON, or JSON without usable `choices`).
 *
 * @throws TypeError/RangeError on malformed options (checked here) or requests (checked per call).
 * @example
 * ```ts
 * const gen = createOpenAIGenerator({ baseURL: 'http://127.0.0.1:8000/v1', model: 'qwen3-8b-gr2' });
 * const res = await gen.generate({ messages: [{ role: 'user', content: 'Hi' }], n: 4, temperature: 1, seed: 7 });
 * res.generations[0].text; res.usage.completionTokens;
 * ```
 */
export function createOpenAIGenerator(options: OpenAIGeneratorOptions): Generator {
  const fn = 'createOpenAIGenerator';
  if (options === undefined) throw typeError(fn, 'options', 'an options object {baseURL, model}', options);
  const o = checkOptions(fn, options, OPTION_KEYS);
  if (typeof o.baseURL !== 'string') throw typeError(fn, 'options.baseURL', 'a URL string', o.baseURL);
  let url: URL;
  try {
    url = new URL(o.baseURL.replace(/\/+$/, '') + '/chat/completions');
  } catch {
    throw rangeError(fn, 'options.baseURL', 'an absolute http(s) URL', o.baseURL);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw rangeError(fn, 'options.baseURL', 'an http(s) URL', o.baseURL);
  if (typeof o.model !== 'string' || o.model.length === 0) throw typeError(fn, 'options.model', 'a non-empty string', o.model);
  if (o.apiKey !== undefined && typeof o.apiKey !== 'string') throw typeError(fn, 'options.apiKey', 'a string', o.apiKey);
  if (o.timeoutMs !== undefined) {
    if (typeof o.timeoutMs !== 'number') throw typeError(fn, 'options.timeoutMs', 'a number', o.timeoutMs);
    if (!(o.timeoutMs > 0) || o.timeoutMs > 2 ** 31 - 1) throw rangeError(fn, 'options.timeoutMs', 'a number in (0, 2^31-1]', o.timeoutMs);
  }
  if (o.maxRetries !== undefined) assertNonNegativeInteger(fn, 'options.maxRetries', o.maxRetries);
  if (o.maxRetries !== undefined && o.maxRetries > 100) throw rangeError(fn, 'options.maxRetries', 'at most 100', o.maxRetries);
  const maxRetryAfterMs = retryAfterCap(fn, 'options.maxRetryAfterMs', o.maxRetryAfterMs);
  if (o.headers !== undefined) {
    if (o.headers === null || typeof o.headers !== 'object' || Array.isArray(o.headers)) throw typeError(fn, 'options.headers', 'a string record', o.headers);
    for (const [k, v] of Object.entries(o.headers)) if (typeof v !== 'string') throw typeError(fn, `options.headers.${k}`, 'a string', v);
  }
  if (o.name !== undefined && typeof o.name !== 'string') throw typeError(fn, 'options.name', 'a string', o.name);
  if (o.sendConstraint !== undefined && typeof o.sendConstraint !== 'boolean') throw typeError(fn, 'options.sendConstraint', 'a boolean', o.sendConstraint);
  const sendConstraint = o.sendConstraint ?? false;

  const apiKey = o.apiKey ?? process.env.OPENAI_API_KEY;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...(o.headers ?? {}) };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const name = o.name ?? `openai:${o.model}`;
  const maxRetries = o.maxRetries ?? 0;
  const defaultTimeout = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  async function once(request: GenerateRequest): Promise<GenerateResult> {
    const started = performance.now();
    const deadline = startDeadline(request.timeoutMs ?? defaultTimeout, request.signal);
    try {
      let res: Response;
      try {
        res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(requestBody(o.model, request, sendConstraint)), signal: deadline.signal });
      } catch (err) {
        if (deadline.reason()) throw deadline.error(name, err);
        throw new GeneratorError('network', `${name}: ${transportMessage(err)}`, { cause: err });
      }
      let text: string;
      try {
        text = await res.text();
      } catch (err) {
        if (deadline.reason()) throw deadline.error(name, err);
        throw new GeneratorError('network', `${name}: connection lost while reading the answer (${transportMessage(err)})`, {
          cause: err,
          status: res.status,
        });
      }
      if (!res.ok) throw httpError(name, res, text);
      return parseCompletion(name, text, performance.now() - started);
    } finally {
      deadline.dispose();
    }
  }

  return {
    name,
    async generate(request: GenerateRequest): Promise<GenerateResult> {
      checkGenerateRequest(`${name}.generate`, request);
      for (let attempt = 0; ; attempt++) {
        try {
          return await once(request);
        } catch (err) {
          if (!(err instanceof GeneratorError) || !err.retryable || attempt >= maxRetries) throw err;
          await sleep(err.retryAfterMs === undefined ? Math.min(8000, 500 * 2 ** attempt) : Math.min(err.retryAfterMs, maxRetryAfterMs), request.signal);
          if (request.signal?.aborted) throw new GeneratorError('aborted', `${name}: request aborted`, { cause: err });
        }
      }
    },
  };
}

/** @internal The chat-completions body of a request. */
function requestBody(model: string, r: GenerateRequest, sendConstraint: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { model, messages: r.messages.map((m) => ({ role: m.role, content: m.content })) };
  if (r.n !== undefined) body.n = r.n;
  if (r.temperature !== undefined) body.temperature = r.temperature;
  if (r.topP !== undefined) body.top_p = r.topP;
  if (r.seed !== undefined) body.seed = r.seed;
  if (r.maxTokens !== undefined) body.max_tokens = r.maxTokens;
  if (r.stop !== undefined) body.stop = [...r.stop];
  if (r.logprobs) body.logprobs = true;
  if (sendConstraint && r.constraint) body.gr2_constraint = { candidates: [...r.constraint.candidates], reasoning: r.constraint.reasoning ?? false };
  return body;
}

/** @internal A short description of a fetch/undici transport error (with its code when there is one). */
function transportMessage(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const code = e?.cause?.code;
  const msg = e?.cause?.message ?? e?.message ?? String(err);
  return code ? `${code} (${msg})` : msg;
}

/** @internal Milliseconds to wait from `Retry-After-Ms` or `Retry-After` (delta-seconds or HTTP date). */
export function parseRetryAfter(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Math.round(Number(ms));
  const ra = headers.get('retry-after');
  if (ra === null) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(ra)) return Math.round(Number(ra) * 1000);
  const at = Date.parse(ra);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** @internal A `GeneratorError` for a non-2xx answer. */
function httpError(name: string, res: Response, body: string): GeneratorError {
  let detail = '';
  try {
    const j = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const m = typeof j.error === 'string' ? j.error : (j.error?.message ?? j.message);
    if (typeof m === 'string') detail = `: ${m.slice(0, 300)}`;
  } catch {
    if (body.length > 0) detail = `: ${body.slice(0, 200)}`;
  }
  const status = res.status;
  const msg = `${name}: HTTP ${status} ${res.statusText}${detail}`;
  if (status === 429) return new GeneratorError('rate_limit', msg, { status, retryAfterMs: parseRetryAfter(res.headers) });
  if (status === 408) return new GeneratorError('timeout', msg, { status });
  if (status >= 500) return new GeneratorError('server', msg, { status, retryAfterMs: parseRetryAfter(res.headers) });
  return new GeneratorError('client', msg, { status });
}

/** @internal Parses a chat-completions JSON body into a {@link GenerateResult}, or throws `bad_response`. */
function parseCompletion(name: string, text: string, latencyMs: number): GenerateResult {
  const bad = (why: string, cause?: unknown): GeneratorError =>
    new GeneratorError('bad_response', `${name}: ${why}`, { status: 200, cause });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw bad(`the answer is not JSON (${text.length} bytes${text.length > 0 ? `, starts ${JSON.stringify(text.slice(0, 40))}` : ''})`, err);
  }
  if (json === null || typeof json !== 'object') throw bad('the answer is not a JSON object');
  const body = json as { choices?: unknown; usage?: unknown; model?: unknown };
  if (!Array.isArray(body.choices) || body.choices.length === 0) throw bad("the answer has no 'choices'");
  const choices = [...(body.choices as unknown[])].map((c, i) => ({ c: c as Record<string, unknown>, i }));
  const generations: Generation[] = [];
  for (const { c, i } of choices) {
    if (c === null || typeof c !== 'object') throw bad(`choices[${i}] is not an object`);
    const message = c.message as { content?: unknown } | undefined;
    const content = message?.content ?? c.text;
    if (typeof content !== 'string' && content !== null) throw bad(`choices[${i}] has no message content`);
    const gen: { -readonly [K in keyof Generation]: Generation[K] } = {
      text: content ?? '',
      finishReason: (typeof c.finish_reason === 'string' ? c.finish_reason : 'stop') as FinishReason,
    };
    const lp = (c.logprobs as { content?: unknown } | null | undefined)?.content;
    if (Array.isArray(lp)) {
      const values: number[] = [];
      const tokens: string[] = [];
      for (const t of lp as { logprob?: unknown; token?: unknown }[]) {
        if (typeof t?.logprob !== 'number') throw bad(`choices[${i}].logprobs has an entry without a numeric logprob`);
        values.push(t.logprob);
        tokens.push(typeof t.token === 'string' ? t.token : '');
      }
      gen.tokenLogProbs = values;
      gen.tokens = tokens;
      gen.completionTokens = values.length;
    }
    generations.push(gen);
  }
  const order = choices.map(({ c, i }) => (typeof c.index === 'number' ? c.index : i));
  const sorted = generations.map((g, k) => ({ g, at: order[k]! })).sort((a, b) => a.at - b.at).map((x) => x.g);
  const u = (body.usage ?? {}) as { prompt_tokens?: unknown; completion_tokens?: unknown };
  const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
  return {
    generations: sorted,
    usage: { promptTokens: count(u.prompt_tokens), completionTokens: count(u.completion_tokens) },
    ...(typeof body.model === 'string' ? { model: body.model } : {}),
    latencyMs,
  };
}
