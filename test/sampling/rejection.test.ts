import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { env } from '../../src/env.js';
import { CheckpointInUseError, DataFormatError, GeneratorError } from '../../src/errors.js';
import type { GenerateRequest, GenerateResult, Generator } from '../../src/generate/types.js';
import {
  attemptSeed,
  readCheckpoint,
  rejectionSample,
  shardOf,
  topPickIsTarget,
  type SamplerEvent,
  type SamplerExample,
} from '../../src/sampling/index.js';
import { expectedOutcome, faulty, makeExamples, seededTeacher, teacherAnswer, candidatesOf } from './teachers.js';

let dir: string;
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown): void => {
  unhandled.push(e);
};
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gr2-rs-'));
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  rmSync(dir, { recursive: true, force: true });
  expect(unhandled).toEqual([]);
});
let fileNo = 0;
const tmp = (name = 'ckpt'): string => join(dir, `${name}-${fileNo++}.jsonl`);
const seedOf = (seed: number) => (id: string, a: number) => attemptSeed(seed, id, a);
const byId = <T extends { id: string }>(xs: readonly T[]): T[] => [...xs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
const sortedLines = (path: string): string[] => readFileSync(path, 'utf8').split('\n').filter(Boolean).sort();

describe('rejectionSample: acceptance and statistics', () => {
  it('keeps the first sample whose parsed top pick is the target, drops the rest after maxAttempts, with exact statistics', async () => {
    const examples = makeExamples(60);
    const teacher = seededTeacher();
    const r = await rejectionSample(examples, teacher, { maxAttempts: 3, seed: 5, concurrency: 4 });
    // independent replay of the contract: seeds attemptSeed(5, id, a), the teacher's permutation, top-1 == target
    const hist = [0, 0, 0, 0];
    let samples = 0;
    const expAccepted: string[] = [];
    const expDropped: string[] = [];
    for (const ex of examples) {
      const e = expectedOutcome(ex, 3, seedOf(5));
      samples += e.attempt;
      if (e.accepted) {
        hist[e.attempt]!++;
        expAccepted.push(ex.id);
      } else expDropped.push(ex.id);
    }
    expect(expAccepted.length).toBeGreaterThan(20);
    expect(expDropped.length).toBeGreaterThan(5);
    expect(r.accepted.map((a) => a.id).sort()).toEqual(expAccepted.sort());
    expect(r.dropped.map((d) => d.id).sort()).toEqual(expDropped.sort());
    expect(r.dropped.every((d) => d.reason === 'max_attempts' && d.attempts === 3 && d.final)).toBe(true);
    const s = r.stats;
    expect(s.examples).toBe(60);
    expect(s.accepted + s.dropped).toBe(60);
    expect(s.attemptsHistogram).toEqual(hist);
    expect(s.samples).toBe(samples);
    expect(s.rejected).toBe(samples - expAccepted.length);
    expect(s.requests).toBe(samples);
    expect(teacher.calls).toBe(samples);
    expect(s.acceptanceRate).toBeCloseTo(expAccepted.length / 60, 12);
    expect(s.sampleAcceptanceRate).toBeCloseTo(expAccepted.length / samples, 12);
    expect(s.retries).toBe(0);
    expect(s.errorsByKind).toEqual({});
    expect(r.stopped).toBeNull();
    // tokens: the teacher reports 10 prompt tokens and text.length completion tokens per request
    expect(s.tokens.prompt).toBe(10 * samples);
    expect(s.tokens.total).toBe(s.tokens.prompt + s.tokens.completion);
    // a record carries the prompt, the completion, the slate, the parsed order and the seed
    const rec = r.accepted.find((a) => a.id === expAccepted[0])!;
    const ex = examples.find((e) => e.id === rec.id)!;
    expect(rec.seed).toBe(attemptSeed(5, rec.id, rec.attempt));
    expect(rec.completion).toBe(teacherAnswer(ex.candidates, rec.seed));
    expect(rec.messages).toEqual(ex.messages);
    expect(rec.candidates).toEqual(ex.candidates);
    expect(rec.target).toBe(ex.target);
    expect(ex.candidates[rec.order[0]!]).toBe(ex.target);
    expect(rec.valid).toBe(true);
    expect(rec.meta).toEqual(ex.meta);
  });

  it('judges the parsed top pick, never a repaired fallback order', async () => {
    // unparsable output: the lenient fallback would start with candidate 0; candidate 0 is the target
    const ex = makeExamples(1)[0]!;
    const example: SamplerExample = { ...ex, target: ex.candidates[0]! };
    const junk: Generator = {
      name: 'junk',
      generate: async () => ({ generations: [{ text: 'I cannot decide.', finishReason: 'stop' }], usage: { promptTokens: 1, completionTokens: 1 }, latencyMs: 0 }),
    };
    const r = await rejectionSample([example], junk, { maxAttempts: 2 });
    expect(r.stats.accepted).toBe(0);
    expect(r.dropped).toMatchObject([{ id: ex.id, reason: 'max_attempts', attempts: 2 }]);
    expect(r.stats.rejected).toBe(2);
  });

  it('takes a custom (async) predicate, and a throwing predicate fails the run after in-flight work settles', async () => {
    const examples = makeExamples(10);
    const r = await rejectionSample(examples, seededTeacher(), {
      accept: async (c) => c.attempt === 2 && c.parsed.valid,
      maxAttempts: 3,
    });
    expect(r.stats.accepted).toBe(10);
    expect(r.stats.attemptsHistogram).toEqual([0, 0, 10, 0]);
    const boom = new Error('predicate bug');
    await expect(
      rejectionSample(examples, seededTeacher(), {
        accept: (c) => {
          if (c.example.id === 'ex-3') throw boom;
          return topPickIsTarget(c);
        },
        concurrency: 3,
      }),
    ).rejects.toBe(boom);
  });

  it('emits progress events that add up to the statistics', async () => {
    const events: SamplerEvent[] = [];
    const r = await rejectionSample(makeExamples(30), faulty(seededTeacher(), { rate500: 0.2 }, 3), {
      maxAttempts: 2,
      retry: { baseDelayMs: 1 },
      onProgress: (e) => events.push(e),
    });
    const count = (t: SamplerEvent['type']): number => events.filter((e) => e.type === t).length;
    expect(count('accepted')).toBe(r.stats.accepted);
    expect(count('rejected')).toBe(r.stats.rejected);
    expect(count('dropped')).toBe(r.stats.dropped);
    expect(count('retry')).toBe(r.stats.retries);
    expect(r.stats.retries).toBeGreaterThan(0);
    const last = events.at(-1)!;
    expect(last.progress.accepted + last.progress.dropped).toBe(30);
    // a throwing listener is logged and ignored
    const logged: string[] = [];
    const sink = env.sink;
    env.sink = (_level, message) => logged.push(message);
    try {
      const r2 = await rejectionSample(makeExamples(5), seededTeacher(), {
        onProgress: () => {
          throw new Error('listener bug');
        },
      });
      expect(r2.stats.accepted + r2.stats.dropped).toBe(5);
    } finally {
      env.sink = sink;
    }
    expect(logged.length).toBeGreaterThan(0);
    expect(logged[0]).toMatch(/onProgress threw on a '\w+' event \(ignored\): listener bug/);
  });
});

describe('rejectionSample: transport failures', () => {
  it('retries 429/5xx/resets/malformed responses/hung requests with the same seed; failures are never rejections', async () => {
    const examples = makeExamples(80);
    const clean = await rejectionSample(examples, seededTeacher(), { maxAttempts: 4, seed: 11 });
    const teacher = faulty(seededTeacher(), { rate429: 0.1, rate500: 0.1, rateNetwork: 0.05, rateBadResponse: 0.05, rateHang: 0.05 }, 17);
    const r = await rejectionSample(examples, teacher, {
      maxAttempts: 4,
      seed: 11,
      concurrency: 8,
      timeoutMs: 30,
      retry: { maxRetries: 20, baseDelayMs: 1, maxDelayMs: 4 },
    });
    expect(byId(r.accepted)).toEqual(byId(clean.accepted));
    expect(byId(r.dropped)).toEqual(byId(clean.dropped));
    expect(r.stats.samples).toBe(clean.stats.samples);
    expect(r.stats.rejected).toBe(clean.stats.rejected);
    expect(r.stats.attemptsHistogram).toEqual(clean.stats.attemptsHistogram);
    expect(r.stats.errorsByKind).toEqual(teacher.injected);
    const failures = Object.values(teacher.injected).reduce((a, b) => a + b, 0);
    expect(failures).toBeGreaterThan(20);
    expect(r.stats.retries).toBe(failures);
    expect(r.stats.requests).toBe(clean.stats.requests + failures);
  });

  it("honours Retry-After and pauses every worker, not only the one that was told", async () => {
    const starts: { t: number; id: string }[] = [];
    let told = -1;
    let first = true;
    const inner = seededTeacher();
    const g: Generator = {
      name: 'limited',
      async generate(req: GenerateRequest): Promise<GenerateResult> {
        const t = performance.now();
        starts.push({ t, id: req.messages[1]!.content });
        if (first) {
          first = false;
          told = t;
          throw new GeneratorError('rate_limit', '429', { status: 429, retryAfterMs: 150 });
        }
        await new Promise((res) => setTimeout(res, 5));
        return inner.generate(req);
      },
    };
    const r = await rejectionSample(makeExamples(6), g, { concurrency: 3, maxAttempts: 1, retry: { baseDelayMs: 0 } });
    expect(r.stats.errorsByKind).toEqual({ rate_limit: 1 });
    // every request that started after the 429 answer (other than the two already in flight) waited >= 150 ms
    const later = starts.filter((s) => s.t > told + 1);
    const inFlightAtTheTime = later.filter((s) => s.t < told + 5).length;
    expect(inFlightAtTheTime).toBeLessThanOrEqual(2);
    const afterPause = later.slice(inFlightAtTheTime);
    expect(afterPause.length).toBeGreaterThan(0);
    for (const s of afterPause) expect(s.t - told).toBeGreaterThanOrEqual(149);
  });

  it('waits a Retry-After only up to retry.maxRetryAfterMs (default 5 min), never past setTimeout\'s limit', async () => {
    const limited = (retryAfterMs: number): Generator => {
      let first = true;
      const inner = seededTeacher();
      return {
        name: 'limited',
        async generate(req: GenerateRequest): Promise<GenerateResult> {
          if (first) {
            first = false;
            throw new GeneratorError('rate_limit', '429', { status: 429, retryAfterMs });
          }
          return inner.generate(req);
        },
      };
    };
    // an hour asked, 30 ms waited: the run finishes
    const delays: number[] = [];
    const t0 = performance.now();
    const r = await rejectionSample(makeExamples(3), limited(3_600_000), {
      concurrency: 1,
      retry: { maxRetryAfterMs: 30 },
      onProgress: (e) => e.type === 'retry' && delays.push(e.delayMs),
    });
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(r.stats.errorsByKind).toEqual({ rate_limit: 1 });
    expect(delays).toEqual([30]);
    // the default cap, and an absurd Retry-After (beyond setTimeout's 2^31 − 1 ms) with no cap: the run is parked
    // for exactly the cap, and aborting it ends it at once
    for (const [options, want] of [[{}, 300_000], [{ retry: { maxRetryAfterMs: Number.POSITIVE_INFINITY } }, 2 ** 31 - 1]] as const) {
      const ctl = new AbortController();
      const seen: number[] = [];
      const t1 = performance.now();
      const stopped = await rejectionSample(makeExamples(2), limited(1e12), {
        ...options,
        concurrency: 1,
        signal: ctl.signal,
        onProgress: (e) => {
          if (e.type === 'retry') {
            seen.push(e.delayMs);
            setTimeout(() => ctl.abort(), 20);
          }
        },
      });
      expect(seen).toEqual([want]);
      expect(stopped.stopped).toBe('aborted');
      expect(performance.now() - t1).toBeLessThan(5_000);
    }
    await expect(rejectionSample(makeExamples(1), seededTeacher(), { retry: { maxRetryAfterMs: -5 } })).rejects.toThrow(/'options.retry.maxRetryAfterMs'/);
    await expect(rejectionSample(makeExamples(1), seededTeacher(), { retry: { maxRetryAfterMs: null as never } })).rejects.toThrow(TypeError);
  });

  it("drops an example whose request keeps failing as 'retries_exhausted' (not final) and a 4xx as 'generator_error'", async () => {
    const examples = makeExamples(4);
    const broken: Generator = {
      name: 'broken',
      async generate(req) {
        if (req.messages[1]!.content.includes(examples[0]!.candidates[0]!)) throw new GeneratorError('server', '503', { status: 503 });
        if (req.messages[1]!.content.includes(examples[1]!.candidates[0]!)) throw new GeneratorError('client', '400 prompt too long', { status: 400 });
        if (req.messages[1]!.content.includes(examples[2]!.candidates[0]!)) throw new TypeError('adapter bug');
        return seededTeacher().generate(req);
      },
    };
    const path = tmp();
    const r = await rejectionSample(examples, broken, { retry: { maxRetries: 2, baseDelayMs: 1 }, checkpoint: path, keepRecords: true });
    const d = Object.fromEntries(r.dropped.map((x) => [x.id, x]));
    expect(d['ex-0']).toMatchObject({ reason: 'retries_exhausted', final: false, attempts: 0 });
    expect(d['ex-0']!.detail).toMatch(/3 requests failed; last server: 503/);
    expect(d['ex-1']).toMatchObject({ reason: 'generator_error', final: false });
    expect(d['ex-1']!.detail).toMatch(/client: 400/);
    expect(d['ex-2']).toMatchObject({ reason: 'generator_error', final: false });
    expect(r.stats.errorsByKind).toEqual({ server: 3, client: 1, other: 1 });
    expect(r.stats.samples).toBe(r.stats.accepted + r.stats.rejected);
    // not final: nothing about them in the checkpoint, so a rerun with a working teacher does them
    const again = await rejectionSample(examples, seededTeacher(), { checkpoint: path });
    expect(again.stats.skipped).toBe(1);
    expect(again.stats.accepted + again.stats.dropped).toBe(3);
  });

  it('aborts: requests in flight are cancelled and the report says so', async () => {
    const ctl = new AbortController();
    let seenSignals = 0;
    const hang: Generator = {
      name: 'hang',
      generate: (req) =>
        new Promise((_, reject) => {
          seenSignals++;
          req.signal!.addEventListener('abort', () => reject(new GeneratorError('aborted', 'cancelled')));
        }),
    };
    setTimeout(() => ctl.abort(), 30);
    const r = await rejectionSample(makeExamples(20), hang, { concurrency: 4, signal: ctl.signal, timeoutMs: 60_000 });
    expect(r.stopped).toBe('aborted');
    expect(seenSignals).toBe(4);
    expect(r.unfinished).toHaveLength(4);
    expect(r.unfinished.every((u) => u.reason === 'aborted' && u.attempts === 0)).toBe(true);
    expect(r.stats.samples).toBe(0);
    expect(r.dropped).toEqual([]);
  });
});

describe('rejectionSample: budgets', () => {
  it('stops at the request budget, lists the cut examples as unfinished, and a rerun completes the same job', async () => {
    const examples = makeExamples(40);
    const fullPath = tmp();
    await rejectionSample(examples, seededTeacher(), { maxAttempts: 4, checkpoint: fullPath });
    const path = tmp();
    const r = await rejectionSample(examples, seededTeacher(), { maxAttempts: 4, checkpoint: path, budget: { maxRequests: 25 }, concurrency: 3 });
    expect(r.stopped).toBe('budget');
    expect(r.stats.requests).toBe(25);
    expect(r.unfinished.length).toBeGreaterThan(0);
    expect(r.unfinished.every((u) => u.reason === 'budget')).toBe(true);
    expect(r.stats.accepted + r.stats.dropped + r.stats.unfinished).toBe(r.stats.examples);
    const rest = await rejectionSample(examples, seededTeacher(), { maxAttempts: 4, checkpoint: path });
    expect(rest.stats.skipped).toBe(r.stats.accepted + r.stats.dropped);
    expect(rest.stopped).toBeNull();
    const a = readCheckpoint(path);
    expect(a.accepted.length + a.dropped.length).toBe(40);
    expect(sortedLines(path)).toEqual(sortedLines(fullPath));
  });

  it('stops at the token budget', async () => {
    const r = await rejectionSample(makeExamples(40), seededTeacher(), { concurrency: 1, budget: { maxTokens: 2000 } });
    expect(r.stopped).toBe('budget');
    // no request starts once the budget is used; with concurrency 1 the overrun is at most one response
    const perRequest = r.stats.tokens.total / r.stats.requests;
    expect(r.stats.tokens.total).toBeGreaterThanOrEqual(2000);
    expect(r.stats.tokens.total).toBeLessThan(2000 + 2 * perRequest);
  });
});

describe('rejectionSample: checkpoint and resume', () => {
  it('resumes, skipping finished examples; the file equals an uninterrupted run', async () => {
    const examples = makeExamples(50);
    const whole = tmp();
    await rejectionSample(examples, seededTeacher(), { checkpoint: whole, maxAttempts: 3 });
    const part = tmp();
    const first = await rejectionSample(examples.slice(0, 20), seededTeacher(), { checkpoint: part, maxAttempts: 3 });
    const teacher = seededTeacher();
    const second = await rejectionSample(examples, teacher, { checkpoint: part, maxAttempts: 3 });
    expect(second.stats.skipped).toBe(20);
    expect(second.stats.accepted + second.stats.dropped).toBe(30);
    expect(teacher.calls).toBe(second.stats.requests);
    expect(first.accepted).toEqual([]); // keepRecords defaults to false with a checkpoint
    expect(sortedLines(part)).toEqual(sortedLines(whole));
  });

  it('cuts a torn last line on resume and redoes that example', async () => {
    const examples = makeExamples(12);
    const whole = tmp();
    await rejectionSample(examples, seededTeacher(), { checkpoint: whole, concurrency: 1 });
    const lines = readFileSync(whole, 'utf8').split('\n').filter(Boolean);
    const path = tmp();
    const torn = lines[5]!.slice(0, 37);
    writeFileSync(path, lines.slice(0, 5).join('\n') + '\n' + torn);
    const r = await rejectionSample(examples, seededTeacher(), { checkpoint: path, concurrency: 1 });
    expect(r.repairedBytes).toBe(Buffer.byteLength(torn));
    expect(r.stats.skipped).toBe(5);
    expect(sortedLines(path)).toEqual(sortedLines(whole));
    // a complete record without its newline is torn too (the newline is the commit mark)
    const p2 = tmp();
    writeFileSync(p2, lines.slice(0, 3).join('\n') + '\n' + lines[3]);
    expect(readCheckpoint(p2).accepted.length + readCheckpoint(p2).dropped.length).toBe(3);
    expect(readCheckpoint(p2).tornBytes).toBe(Buffer.byteLength(lines[3]!));
    await rejectionSample(examples, seededTeacher(), { checkpoint: p2 });
    expect(sortedLines(p2)).toEqual(sortedLines(whole));
  });

  it('refuses a checkpoint with a corrupt complete line (DataFormatError naming the line)', async () => {
    const path = tmp();
    writeFileSync(path, '{"id":"a","status":"accepted"}\nnot json\n');
    await expect(rejectionSample(makeExamples(2), seededTeacher(), { checkpoint: path })).rejects.toThrow(DataFormatError);
    await expect(rejectionSample(makeExamples(2), seededTeacher(), { checkpoint: path })).rejects.toThrow(/line 2/);
    appendFileSync(path, '');
    expect(() => readCheckpoint(path)).toThrow(/line 2 is not JSON/);
    writeFileSync(path, '{"id":3}\n');
    expect(() => readCheckpoint(path)).toThrow(/line 1 is not a sampler record/);
  });

  it('one job per checkpoint: a second job gets CheckpointInUseError; the lock goes with the job, a dead holder\'s is taken over', async () => {
    const path = tmp();
    const lock = `${path}.lock`;
    let release!: () => void;
    const gate = new Promise<void>((res) => (release = res));
    const inner = seededTeacher();
    const slow: Generator = {
      name: 'slow',
      async generate(req: GenerateRequest): Promise<GenerateResult> {
        await gate;
        return inner.generate(req);
      },
    };
    const examples = makeExamples(6);
    const first = rejectionSample(examples, slow, { checkpoint: path, concurrency: 2 });
    await new Promise((res) => setTimeout(res, 20));
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: process.pid, hostname: hostname() });
    const second = rejectionSample(examples, seededTeacher(), { checkpoint: path });
    await expect(second).rejects.toThrow(CheckpointInUseError);
    await expect(second).rejects.toThrow(new RegExp(`in use by process ${process.pid} on `));
    const err = (await second.catch((e: unknown) => e)) as CheckpointInUseError;
    expect([err.lockPath, err.pid, err.hostname]).toEqual([lock, process.pid, hostname()]);
    release();
    const r = await first;
    expect(r.stats.accepted + r.stats.dropped).toBe(6);
    expect(existsSync(lock)).toBe(false);
    // the refused job wrote nothing: the file holds exactly the first job's records
    expect(sortedLines(path)).toHaveLength(6);

    // a lock left by a process of this host that is gone (a killed job) is taken over, with a warning
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!;
    const stale = tmp();
    writeFileSync(`${stale}.lock`, JSON.stringify({ pid: dead, hostname: hostname(), startedAt: '2026-01-01T00:00:00.000Z' }) + '\n');
    const logged: string[] = [];
    const sink = env.sink;
    env.sink = (_level, message) => logged.push(message);
    try {
      const again = await rejectionSample(examples, seededTeacher(), { checkpoint: stale });
      expect(again.stats.accepted + again.stats.dropped).toBe(6);
    } finally {
      env.sink = sink;
    }
    expect(logged.some((m) => m.includes(`left by process ${dead}, which is gone`))).toBe(true);
    expect(existsSync(`${stale}.lock`)).toBe(false);

    // a lock from another host (liveness unknown) and an unreadable one are refused and left in place
    const other = tmp();
    writeFileSync(`${other}.lock`, JSON.stringify({ pid: 1, hostname: 'another-host', startedAt: '2026-01-01T00:00:00.000Z' }));
    await expect(rejectionSample(examples, seededTeacher(), { checkpoint: other })).rejects.toThrow(/in use by process 1 on another-host .*delete the lock file if no job is running/);
    writeFileSync(`${other}.lock`, '{"pid": 12');
    await expect(rejectionSample(examples, seededTeacher(), { checkpoint: other })).rejects.toThrow(/in use by a process \(unreadable lock file\)/);
    expect(readFileSync(`${other}.lock`, 'utf8')).toBe('{"pid": 12');
    expect(existsSync(other)).toBe(false);

    // a checkpoint that cannot be opened releases the lock it took
    const asDir = tmp();
    mkdirSync(asDir);
    await expect(rejectionSample(examples, seededTeacher(), { checkpoint: asDir })).rejects.toThrow(/EISDIR/);
    expect(existsSync(`${asDir}.lock`)).toBe(false);
  });

  it('retryDropped continues a dropped example at its next attempt; the last record of an id wins', async () => {
    const examples = makeExamples(40);
    const path = tmp();
    const r1 = await rejectionSample(examples, seededTeacher(), { checkpoint: path, maxAttempts: 1, keepRecords: true });
    expect(r1.stats.dropped).toBeGreaterThan(10);
    const teacher = seededTeacher();
    const r2 = await rejectionSample(examples, teacher, { checkpoint: path, maxAttempts: 4, retryDropped: true, keepRecords: true });
    expect(r2.stats.skipped).toBe(r1.stats.accepted);
    expect(r2.accepted.every((a) => a.attempt >= 2)).toBe(true);
    const ref = await rejectionSample(examples, seededTeacher(), { maxAttempts: 4 });
    const got = readCheckpoint(path);
    expect(byId(got.accepted)).toEqual(byId(ref.accepted));
    expect(got.dropped.map((d) => d.id).sort()).toEqual(ref.dropped.map((d) => d.id).sort());
  });
});

describe('rejectionSample: shards and seeds', () => {
  it('shards split the job disjointly and completely, and the union equals the unsharded run', async () => {
    const examples = makeExamples(90);
    const ref = await rejectionSample(examples, seededTeacher(), { maxAttempts: 2 });
    const ids: string[][] = [];
    const all = [];
    for (let k = 0; k < 3; k++) {
      const r = await rejectionSample(examples, seededTeacher(), { maxAttempts: 2, shard: { index: k, count: 3 } });
      ids.push([...r.accepted, ...r.dropped].map((x) => x.id));
      all.push(...r.accepted);
      expect(r.stats.examples).toBe(examples.filter((e) => shardOf(e.id, 3) === k).length);
      expect(r.stats.examples).toBeGreaterThan(15);
    }
    const flat = ids.flat();
    expect(new Set(flat).size).toBe(flat.length);
    expect(flat.length).toBe(90);
    expect(byId(all)).toEqual(byId(ref.accepted));
  });

  it('the accepted set does not depend on concurrency', async () => {
    const examples = makeExamples(64);
    const one = await rejectionSample(examples, seededTeacher(), { concurrency: 1, seed: 3 });
    const many = await rejectionSample(examples, seededTeacher(), { concurrency: 64, seed: 3 });
    expect(byId(many.accepted)).toEqual(byId(one.accepted));
    const other = await rejectionSample(examples, seededTeacher(), { concurrency: 64, seed: 4 });
    expect(byId(other.accepted)).not.toEqual(byId(one.accepted));
  });

  it('attemptSeed and shardOf match Python hashlib (any language can compute them)', () => {
    // /usr/bin/python3: int.from_bytes(hashlib.sha256(id.encode()).digest()[:6], 'big') % count
    expect([shardOf('user-42', 7), shardOf('ex-0', 7), shardOf('é☃', 7)]).toEqual([6, 5, 2]);
    expect([shardOf('user-42', 1000), shardOf('ex-0', 1000), shardOf('é☃', 1000)]).toEqual([544, 749, 766]);
    // int.from_bytes(hashlib.sha256(f'{seed}:{attempt}:{id}'.encode()).digest()[:4], 'big') & 0x7fffffff
    expect(attemptSeed(1234, 'user-42', 1)).toBe(475823669);
    expect(attemptSeed(0, 'ex-0', 3)).toBe(964989227);
  });

  it('attemptSeed and shardOf are pure, spread and validated', () => {
    expect(attemptSeed(1, 'a', 1)).toBe(attemptSeed(1, 'a', 1));
    const seeds = new Set<number>();
    for (let i = 0; i < 200; i++) for (let a = 1; a <= 5; a++) seeds.add(attemptSeed(9, `u${i}`, a));
    expect(seeds.size).toBe(1000);
    for (const s of seeds) expect(s >= 0 && s < 2 ** 31 && Number.isInteger(s)).toBe(true);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[shardOf(`user-${i}`, 4)]!++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(120);
    expect(() => shardOf(3 as unknown as string, 2)).toThrow(/shardOf: 'id' must be a string/);
    expect(() => shardOf('a', 0)).toThrow(RangeError);
    expect(() => attemptSeed(1, 'a', 0)).toThrow(/'attempt' must be a positive integer/);
    expect(() => attemptSeed(2 ** 32, 'a', 1)).toThrow(/'seed' must be below 2\^32/);
  });
});

describe('rejectionSample: input validation', () => {
  it('drops malformed examples with the reason, and duplicates of an id', async () => {
    const [a, b] = makeExamples(2);
    const bad = [
      a,
      null,
      { ...b, candidates: [[1, 2]] },
      { ...b, id: 'x', target: 'not-a-candidate' },
      { ...b, id: 'y', messages: [{ role: 'robot', content: 'hi' }] },
      { ...b, id: 'z', meta: { n: 1n } },
      { ...b, id: 'w', candidates: [b!.target, b!.target] },
      a,
    ] as unknown as SamplerExample[];
    const r = await rejectionSample(bad, seededTeacher());
    const reasons = r.dropped.map((d) => [d.id, d.reason, d.detail]);
    expect(reasons).toEqual([
      ['examples[1]', 'invalid_example', expect.stringMatching(/examples\[1\]' must be an example object; got null/)],
      [b!.id, 'invalid_example', expect.stringMatching(/examples\[2\]\.candidates\[0\]' must be a string; got array/)],
      ['x', 'invalid_example', expect.stringMatching(/examples\[3\]\.target' must be one of the candidates/)],
      ['y', 'invalid_example', expect.stringMatching(/examples\[4\]\.messages\[0\]'/)],
      ['z', 'invalid_example', expect.stringMatching(/examples\[5\]\.meta' must be JSON-serialisable/)],
      ['w', 'invalid_example', expect.stringMatching(/examples\[6\]\.candidates' must be distinct SIDs; got ".*" twice/)],
      [a!.id, 'duplicate_id', expect.stringMatching(/already read/)],
    ]);
    expect(r.stats.examples).toBe(8);
    expect(r.stats.accepted + r.stats.dropped).toBe(8);
  });

  it('validates its arguments with typed errors', async () => {
    const g = seededTeacher();
    await expect(rejectionSample(null as never, g)).rejects.toThrow(/rejectionSample: 'examples' must be an iterable/);
    await expect(rejectionSample([], {} as never)).rejects.toThrow(/'generator' must be a Generator/);
    await expect(rejectionSample([], g, { concurency: 2 } as never)).rejects.toThrow(/Did you mean 'concurrency'/);
    await expect(rejectionSample([], g, { concurrency: 0 })).rejects.toThrow(RangeError);
    await expect(rejectionSample([], g, { maxAttempts: 1.5 })).rejects.toThrow(/'options.maxAttempts' must be a positive integer/);
    await expect(rejectionSample([], g, { maxAttempts: 2 ** 31 - 1 })).rejects.toThrow(/'options.maxAttempts' must be at most 1000000/);
    await expect(rejectionSample([], g, { shard: { index: 2, count: 2 } })).rejects.toThrow(/'options.shard.index' must be below shard.count/);
    await expect(rejectionSample([], g, { retry: { maxRetries: -1 } })).rejects.toThrow(/options.retry.maxRetries/);
    await expect(rejectionSample([], g, { timeoutMs: NaN })).rejects.toThrow(/'options.timeoutMs' must be a finite number/);
    await expect(rejectionSample([], g, { budget: { maxRequests: 2 ** 40 } })).rejects.toThrow(/at most 2147483647/);
    await expect(rejectionSample([], g, { request: { temperature: -1 } })).rejects.toThrow(RangeError);
    await expect(rejectionSample([], g, { parse: { mode: 'lenient' } })).rejects.toThrow(/'options.parse.mode' must be 'strict'/);
    await expect(rejectionSample([], g, { accept: 'top1' as never })).rejects.toThrow(TypeError);
    await expect(rejectionSample([], g, { parse: { rankingKey: 3 } as never })).rejects.toThrow(/rankingKey/);
    await expect(rejectionSample('abc' as never, g)).rejects.toThrow(TypeError);
    expect(() => readCheckpoint(3 as never)).toThrow(/readCheckpoint: 'paths'/);
  });

  it('reads async iterables lazily and surfaces an input error after in-flight work settles', async () => {
    const examples = makeExamples(10);
    let pulled = 0;
    async function* source(): AsyncGenerator<SamplerExample> {
      for (const e of examples) {
        pulled++;
        yield e;
        if (pulled === 6) throw new Error('input broke');
      }
    }
    await expect(rejectionSample(source(), seededTeacher(), { concurrency: 2 })).rejects.toThrow('input broke');
    expect(pulled).toBe(6);
    // sync generator works too, and the generator never sees an example twice
    const g = seededTeacher();
    const seen = new Set<string>();
    const spy: Generator = { name: 'spy', generate: (req) => (seen.add(JSON.stringify(candidatesOf(req)) + req.seed), g.generate(req)) };
    const r = await rejectionSample((function* () { yield* examples; })(), spy, { maxAttempts: 2 });
    expect(seen.size).toBe(r.stats.requests);
  });
});
