/**
 * `gr2 sample`: rejection sampling of teacher traces (GR2 stage 2) against an OpenAI-compatible endpoint, with a
 * resumable JSONL checkpoint and optional sharding.
 *
 * @packageDocumentation
 * @internal
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { createOpenAIGenerator } from '../../generate/openai.js';
import { base256Sid } from '../../prompt/samples.js';
import { buildTeacherPrompt } from '../../prompt/rerank_prompt.js';
import { readCheckpoint } from '../../sampling/checkpoint.js';
import { rejectionSample, type SamplerExample } from '../../sampling/rejection.js';
import { shardOf } from '../../sampling/shard.js';
import type { Slate } from '../../data/types.js';
import { CliError, EXIT, dataError, usageError } from '../errors.js';
import { intOption } from '../io.js';
import { readSlates } from '../slate_files.js';
import { readSidMap } from './prompt.js';
import type { CliContext } from '../context.js';
import type { Action } from '../context.js';

interface SampleOptions {
  output: string;
  baseUrl: string;
  model: string;
  apiKey?: string;
  sids?: string;
  concurrency: number;
  maxAttempts: number;
  seed: number;
  shard?: { index: number; count: number };
  timeout: number;
  maxRetries: number;
  retryDelay: number;
  maxRetryAfter: number;
  temperature?: number;
  maxTokens?: number;
  maxRequests?: number;
  shuffle: boolean;
  retryDropped?: boolean;
  fsync?: boolean;
  limit?: number;
}

/** Parses `--shard i/n` (0 <= i < n). @internal */
export function shardOption(value: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(count) || count < 1 || count > 2 ** 31 - 1 || index >= count) {
    throw new InvalidArgumentError(`--shard must be i/n with 0 <= i < n (e.g. 0/4); got ${JSON.stringify(value)}.`);
  }
  return { index, count };
}

/** Parses a finite number option in [min, max]. @internal */
function numberOption(option: string, min: number, max: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${option} must be a number in [${min}, ${max}]; got ${JSON.stringify(value)}.`);
    }
    return n;
  };
}

/** The example id of a slate (stable across reruns, so the checkpoint resumes): `user-<user>`. @internal */
export const exampleId = (s: Slate): string => `user-${s.user}`;

/** Fails fast (exit 1, one line) when nothing answers at `baseURL` (connection refused, unknown host, no answer). */
async function preflight(baseURL: string, apiKey: string | undefined): Promise<void> {
  let last: unknown = null;
  for (let i = 0; i < 3; i++) {
    try {
      const res = await fetch(`${baseURL.replace(/\/+$/, '')}/models`, {
        headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
        signal: AbortSignal.timeout(10_000),
      });
      await res.body?.cancel();
      return; // any HTTP answer (even 404) means the server is there
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 200 * (i + 1)));
    }
  }
  const cause = (last as { cause?: { code?: string; message?: string } } | null)?.cause;
  const why = cause?.code ?? cause?.message ?? (last as Error | null)?.message ?? String(last);
  throw new CliError(`--base-url ${baseURL}: endpoint unreachable (${why})`, EXIT.failure, { cause: last });
}

async function sample(ctx: CliContext, slatesPath: string, o: SampleOptions): Promise<void> {
  let url: URL;
  try {
    url = new URL(o.baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw usageError('--base-url', 'an http(s) URL such as http://127.0.0.1:8000/v1', o.baseUrl);
  }
  const slates = await readSlates(slatesPath, o.limit ?? Infinity);
  const sidMap = o.sids ? await readSidMap(o.sids) : null;
  const sidOf = (id: number): readonly number[] => {
    if (!sidMap) return base256Sid(id);
    const codes = sidMap.get(id);
    if (!codes) throw dataError(o.sids!, null, `item ${id} (of '${slatesPath}') has no SID`);
    return codes;
  };
  // checked before any request: every item has a SID, ids are distinct, and the size of this shard
  const ids = new Set<string>();
  let noTarget = 0;
  let inShard = 0;
  for (const s of slates) {
    for (const id of s.history) sidOf(id);
    for (const id of s.candidates) sidOf(id);
    const id = exampleId(s);
    if (ids.has(id)) throw dataError(slatesPath, null, `two slates of user ${s.user}: the example ids (user-<user>) must be distinct`);
    ids.add(id);
    if (s.target === null || !s.candidates.includes(s.target)) noTarget++;
    else if (!o.shard || shardOf(id, o.shard.count) === o.shard.index) inShard++;
  }
  const apiKey = o.apiKey ?? process.env.OPENAI_API_KEY;
  await preflight(url.href, apiKey);
  try {
    await mkdir(dirname(resolve(o.output)), { recursive: true });
  } catch (e) {
    throw new CliError(`cannot create the directory of '${o.output}': ${(e as Error).message}`, EXIT.cantCreate);
  }

  function* examples(): Generator<SamplerExample> {
    for (const s of slates) {
      if (s.target === null || !s.candidates.includes(s.target)) continue;
      const item = (id: number) => ({ id, sid: sidOf(id) });
      const prompt = buildTeacherPrompt(
        { history: s.history.map(item), candidates: s.candidates.map(item), target: s.target },
        { strategy: 'rejection', ...(o.shuffle ? { shuffle: { seed: (o.seed + Math.imul(s.user, 0x9e3779b1)) >>> 0 } } : {}) },
      );
      yield {
        id: exampleId(s),
        messages: prompt.messages,
        candidates: prompt.sids,
        target: prompt.sids[prompt.candidates.findIndex((c) => c.id === s.target)]!,
        meta: { user: s.user, preRankOrder: prompt.order },
      };
    }
  }

  const generator = createOpenAIGenerator({ baseURL: url.href, model: o.model, ...(apiKey ? { apiKey } : {}), timeoutMs: o.timeout });
  const request = {
    ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
    ...(o.maxTokens !== undefined ? { maxTokens: o.maxTokens } : {}),
  };
  ctx.progress.start(inShard, 'sampling');
  let report;
  try {
    report = await rejectionSample(examples(), generator, {
      checkpoint: o.output,
      seed: o.seed,
      concurrency: o.concurrency,
      maxAttempts: o.maxAttempts,
      timeoutMs: o.timeout,
      retry: { maxRetries: o.maxRetries, baseDelayMs: o.retryDelay, maxDelayMs: Math.max(o.retryDelay, 30_000), maxRetryAfterMs: o.maxRetryAfter },
      request,
      ...(o.maxRequests !== undefined ? { budget: { maxRequests: o.maxRequests } } : {}),
      ...(o.shard ? { shard: o.shard } : {}),
      ...(o.retryDropped ? { retryDropped: true } : {}),
      ...(o.fsync ? { fsync: true } : {}),
      onProgress: (e) => {
        const p = e.progress;
        ctx.progress.update(p.skipped + p.accepted + p.dropped);
      },
    });
  } finally {
    ctx.progress.stop();
  }
  const total = readCheckpoint(o.output);
  const s = report.stats;
  const notFinal = report.dropped.filter((d) => !d.final);
  const result = {
    output: o.output,
    slates: slates.length,
    noTarget,
    shard: o.shard ?? null,
    stats: s,
    dropped: report.dropped,
    unfinished: report.unfinished,
    stopped: report.stopped,
    repairedBytes: report.repairedBytes,
    checkpoint: { accepted: total.accepted.length, dropped: total.dropped.length },
  };
  ctx.result(result, () =>
    [
      `${s.examples} examples${o.shard ? ` in shard ${o.shard.index}/${o.shard.count}` : ''} (${s.skipped} already in ${o.output}; ${noTarget} slates without their target skipped)`,
      `accepted ${s.accepted}, dropped ${s.dropped}, unfinished ${s.unfinished}; acceptance rate ${(100 * s.acceptanceRate).toFixed(1)} %`,
      `samples ${s.samples} (${(100 * s.sampleAcceptanceRate).toFixed(1)} % accepted), requests ${s.requests}, retries ${s.retries}, errors by kind ${JSON.stringify(s.errorsByKind)}`,
      `attempts histogram (accepted at attempt k): ${s.attemptsHistogram.slice(1).map((c, k) => `${k + 1}:${c}`).join(' ') || '-'}`,
      `tokens: ${s.tokens.prompt} prompt + ${s.tokens.completion} completion`,
      ...(report.dropped.length
        ? [`dropped: ${report.dropped.slice(0, 5).map((d) => `${d.id} (${d.reason}${d.detail ? `: ${d.detail}` : ''})`).join(', ')}${report.dropped.length > 5 ? ', …' : ''}`]
        : []),
      `checkpoint ${o.output}: ${total.accepted.length} accepted, ${total.dropped.length} dropped (max_attempts) in all`,
    ].join('\n'),
  );
  if (notFinal.length > 0 || report.unfinished.length > 0) {
    throw new CliError(
      `${notFinal.length + report.unfinished.length} examples not finished (${[...new Set([...notFinal.map((d) => d.reason), ...report.unfinished.map((u) => u.reason)])].join(', ')}${notFinal[0]?.detail ? `; first: ${notFinal[0].id}: ${notFinal[0].detail}` : ''}); run the same command again to resume from ${o.output}`,
      EXIT.failure,
    );
  }
}

/** Builds `gr2 sample`. @internal */
export function sampleCommand(action: Action): Command {
  return new Command('sample')
    .description(
      'rejection sampling of teacher traces: GR2 teacher prompts (target not revealed) of a slates file, sampled from an OpenAI-compatible endpoint until the top pick is the target; resumable (JSONL checkpoint) and sharded',
    )
    .argument('<slates>', 'slates (JSON lines, as written by gr2 slates)')
    .requiredOption('-o, --output <file>', 'the JSONL checkpoint: accepted traces and dropped examples are appended; rerun to resume')
    .requiredOption('--base-url <url>', 'OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1 (vLLM, SGLang, llama.cpp, OpenAI)')
    .option('--model <name>', 'model name sent with every request', 'gr2-teacher')
    .option('--api-key <key>', 'API key (default: $OPENAI_API_KEY)')
    .option('--sids <file>', 'item SIDs (JSON lines from gr2 sid encode); default: base-256 digits of the item id')
    .option('--concurrency <n>', 'examples worked on at once', intOption('--concurrency', 1, 4096), 8)
    .option('--max-attempts <n>', 'samples per example before it is dropped', intOption('--max-attempts', 1, 1_000_000), 8)
    .option('--seed <n>', "the job's seed (request seeds and prompt shuffles derive from it)", intOption('--seed', 0), 1234)
    .option('--shard <i/n>', 'work only on shard i of n (give each shard its own --output)', shardOption)
    .option('--timeout <ms>', 'per-request time limit', intOption('--timeout', 1), 120_000)
    .option('--max-retries <n>', 'transport retries of one sample (429, 5xx, resets, timeouts)', intOption('--max-retries', 0, 1000), 6)
    .option('--retry-delay <ms>', 'base delay of the exponential backoff', intOption('--retry-delay', 0), 250)
    .option('--max-retry-after <ms>', "the longest Retry-After waited (a longer one is cut to it)", intOption('--max-retry-after', 0), 300_000)
    .option('--temperature <t>', 'sampling temperature (default 1)', numberOption('--temperature', 0, 100))
    .option('--max-tokens <n>', 'completion tokens per sample', intOption('--max-tokens', 1))
    .option('--max-requests <n>', 'stop starting requests after n (the rest stays unfinished; rerun to continue)', intOption('--max-requests', 1))
    .option('--no-shuffle', 'keep the candidates in pre-rank order in the prompt (default: shuffled, seeded)')
    .option('--retry-dropped', 'retry examples the checkpoint lists as dropped')
    .option('--fsync', 'fdatasync after every checkpoint record')
    .option('--limit <n>', 'at most n slates', intOption('--limit', 1))
    .action(action('sample', (ctx, [slates, o]) => sample(ctx, slates as string, o as SampleOptions)));
}
