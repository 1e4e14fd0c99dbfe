/**
 * The sampler against a real OpenAI-compatible HTTP server on 127.0.0.1 that injects faults: 429 with
 * Retry-After, 500/503, connection resets, truncated and malformed bodies, hung requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIGenerator } from '../../src/generate/index.js';
import { rejectionSample, type SamplerEvent } from '../../src/sampling/index.js';
import { startOpenAIServer, type OpenAIServer } from '../../src/testing/index.js';
import { makeExamples, seededTeacher } from './teachers.js';

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown): void => {
  unhandled.push(e);
};
let server: OpenAIServer;

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  server = await startOpenAIServer({
    generator: seededTeacher(),
    faults: {
      seed: 5,
      rate429: 0.04,
      retryAfterSeconds: 0.02,
      rate500: 0.04,
      rate503: 0.03,
      rateReset: 0.03,
      rateTruncated: 0.03,
      rateMalformed: 0.03,
      rateHang: 0.01,
    },
  });
});
afterAll(async () => {
  await server?.close();
  process.off('unhandledRejection', onUnhandled);
});

describe('rejectionSample against the faulty local server', () => {
  it('500 examples, concurrency 16: every example accepted or dropped with its reason, statistics match the server, no hang', async () => {
    const examples = makeExamples(500);
    const seed = 31;
    // the same job without faults, in process: the accepted set must not depend on transport failures
    const clean = await rejectionSample(examples, seededTeacher(), { seed, maxAttempts: 4, concurrency: 16 });
    const generator = createOpenAIGenerator({ baseURL: server.baseURL, model: 'gr2-test', apiKey: 'test' });
    const events: SamplerEvent[] = [];
    const report = await rejectionSample(examples, generator, {
      seed,
      maxAttempts: 4,
      concurrency: 16,
      timeoutMs: 1500,
      retry: { maxRetries: 12, baseDelayMs: 2, maxDelayMs: 20 },
      onProgress: (e) => events.push(e),
    });
    const s = report.stats;
    const faults = server.stats().faults;
    // every example is accounted for
    expect(s.examples).toBe(500);
    expect(s.accepted + s.dropped).toBe(500);
    expect(report.unfinished).toEqual([]);
    expect(report.stopped).toBeNull();
    expect(report.dropped.every((d) => d.reason === 'max_attempts' && d.detail)).toBe(true);
    // transport failures changed nothing about what was accepted or rejected
    const key = (r: { id: string; completion: string; attempt: number }): string => `${r.id}|${r.attempt}|${r.completion}`;
    expect(report.accepted.map(key).sort()).toEqual(clean.accepted.map(key).sort());
    expect(report.dropped.map((d) => d.id).sort()).toEqual(clean.dropped.map((d) => d.id).sort());
    expect(s.samples).toBe(clean.stats.samples);
    expect(s.rejected).toBe(clean.stats.rejected);
    expect(s.attemptsHistogram).toEqual(clean.stats.attemptsHistogram);
    // errors by kind equal the faults the server injected; on a loaded machine a healthy (or faulted) answer
    // can also miss the 1.5 s deadline and count as one more timeout instead
    const injected = Object.values(faults).reduce((a, b) => a + b, 0);
    expect(injected).toBeGreaterThan(100);
    const e = s.errorsByKind;
    const failures = Object.values(e).reduce((a, b) => a + b, 0);
    expect(s.retries).toBe(failures);
    expect(s.requests).toBe(s.samples + failures);
    expect(e.timeout).toBeGreaterThanOrEqual(faults['hang']!);
    const late = e.timeout! - faults['hang']!;
    console.log(
      `fault run: ${s.accepted} accepted, ${s.dropped} dropped (max_attempts), ${s.samples} samples, ${s.requests} requests, ` +
        `server faults ${JSON.stringify(faults)}, errorsByKind ${JSON.stringify(e)} (${late} late answers), ${Math.round(s.elapsedMs)} ms`,
    );
    expect(failures).toBeLessThanOrEqual(injected + late);
    const expected = {
      rate_limit: faults['429'],
      server: faults['500']! + faults['503']!,
      network: faults['reset'],
      bad_response: faults['truncated']! + faults['malformed']!,
    };
    if (late === 0) {
      expect(e).toEqual({ ...expected, timeout: faults['hang'] });
      expect(s.requests).toBe(server.stats().requests);
    } else {
      for (const [k, v] of Object.entries(expected)) expect(e[k as keyof typeof e] ?? 0).toBeLessThanOrEqual(v!);
    }
    // tokens come from the server's usage
    expect(s.tokens.prompt).toBeGreaterThan(0);
    expect(s.tokens.completion).toBeGreaterThan(0);
    // progress events add up
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(injected);
    expect(events.filter((e) => e.type === 'accepted')).toHaveLength(s.accepted);
    expect(unhandled).toEqual([]);
  });
});
