/**
 * The rejection sampler's own cost and its throughput against a local OpenAI-compatible server.
 *
 * 1. Overhead per request: the same job (10-candidate slates, GR2 JSON answers, acceptance ≈ 1/10 per sample,
 *    8 attempts) run by `rejectionSample` against an in-process teacher that answers instantly, minus the cost of
 *    calling that teacher the same number of times in a plain loop. Rows: without checkpoint, with a JSONL
 *    checkpoint, and with checkpoint + fsync (fdatasync per accepted record). Median of 5 runs, concurrency 1.
 *    Target: < 1 ms per request.
 * 2. Throughput (requests/s) against `startOpenAIServer` backed by the instant teacher, through
 *    `createOpenAIGenerator`, at concurrency 1, 8 and 64 (median of 3 runs after a warm-up).
 *
 * `GR2_BENCH_QUICK=1` uses 200 examples (overhead) and 40 (throughput, one run each) instead of 2000 and 300.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GenerateRequest, GenerateResult, Generator } from '../src/generate/index.js';
import { createOpenAIGenerator } from '../src/generate/index.js';
import { renderRerankCompletion } from '../src/prompt/index.js';
import { rejectionSample, type SamplerExample } from '../src/sampling/index.js';
import { renderSid } from '../src/sid/sid_string.js';
import { startOpenAIServer } from '../src/testing/index.js';
import { QUICK, medianMs, printTable, type BenchRow } from './_harness.js';

const N_OVERHEAD = QUICK ? 200 : 2000;
const N_HTTP = QUICK ? 40 : 300;
const K = 10;
const MAX_ATTEMPTS = 8;

function examples(n: number): SamplerExample[] {
  const out: SamplerExample[] = [];
  for (let i = 0; i < n; i++) {
    const candidates = Array.from({ length: K }, (_, j) => renderSid([i % 256, j, (7 * i + j) % 256, (13 * i) % 256]));
    out.push({
      id: `user-${i}`,
      messages: [
        { role: 'system', content: 'You are a recommender that re-ranks candidates. Answer in JSON.' },
        { role: 'user', content: `History: …\nCandidates:\n${candidates.join('\n')}` },
      ],
      candidates,
      target: candidates[(i * 3) % K]!,
    });
  }
  return out;
}

/** Answers instantly; the top pick is candidate (seed mod K), so a sample is accepted with probability ≈ 1/K. */
function instantTeacher(): Generator {
  const explanation = 'The user keeps buying skin care; the serum completes the routine. '.repeat(6);
  return {
    name: 'instant',
    async generate(req: GenerateRequest): Promise<GenerateResult> {
      const lines = req.messages[req.messages.length - 1]!.content.split('\n');
      const cands = lines.slice(lines.indexOf('Candidates:') + 1);
      const top = (req.seed ?? 0) % cands.length;
      const ranking = [cands[top]!, ...cands.filter((_, j) => j !== top)];
      const text = renderRerankCompletion(ranking, { explanation });
      return { generations: [{ text, finishReason: 'stop' }], usage: { promptTokens: 200, completionTokens: 180 }, latencyMs: 0 };
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'gr2-bench-sampler-'));
let files = 0;
try {
  // 1. overhead
  const xs = examples(N_OVERHEAD);
  const teacher = instantTeacher();
  const probe = await rejectionSample(xs, teacher, { concurrency: 1, maxAttempts: MAX_ATTEMPTS, keepRecords: false });
  const requests = probe.stats.requests;
  const seeds: GenerateRequest[] = [];
  // the exact requests the sampler sends, replayed in a plain loop (the generator's own cost)
  const recorder: Generator = {
    name: 'recorder',
    generate: (req) => {
      seeds.push({ messages: req.messages, seed: req.seed! });
      return teacher.generate(req);
    },
  };
  await rejectionSample(xs, recorder, { concurrency: 1, maxAttempts: MAX_ATTEMPTS, keepRecords: false });
  const direct = await medianMs(async () => {
    for (const r of seeds) await teacher.generate(r);
  });
  const run = (opts: { checkpoint?: boolean; fsync?: boolean }) => async () => {
    const path = opts.checkpoint ? join(dir, `c${files++}.jsonl`) : undefined;
    await rejectionSample(xs, teacher, {
      concurrency: 1,
      maxAttempts: MAX_ATTEMPTS,
      keepRecords: false,
      ...(path ? { checkpoint: path } : {}),
      ...(opts.fsync ? { fsync: true } : {}),
    });
  };
  const plain = await medianMs(run({}));
  const ckpt = await medianMs(run({ checkpoint: true }));
  const fsync = await medianMs(run({ checkpoint: true, fsync: true }), 3);
  const per = (ms: number): string => `${((1000 * (ms - direct)) / requests).toFixed(1)} µs/request over the teacher`;
  const rows: BenchRow[] = [
    { name: 'teacher alone (plain loop)', ms: direct, note: `${requests} requests, ${probe.stats.accepted}/${N_OVERHEAD} accepted` },
    { name: 'rejectionSample, no checkpoint', ms: plain, note: per(plain) },
    { name: 'rejectionSample + checkpoint', ms: ckpt, note: per(ckpt) },
    { name: 'rejectionSample + checkpoint + fsync', ms: fsync, note: per(fsync) },
  ];
  printTable(`Sampler overhead: ${N_OVERHEAD} examples, K=${K}, concurrency 1 (target < 1000 µs/request)`, rows, 'teacher alone (plain loop)');

  // 2. throughput over HTTP
  const server = await startOpenAIServer({ generator: instantTeacher() });
  try {
    const gen = createOpenAIGenerator({ baseURL: server.baseURL, model: 'gr2-test', apiKey: 'bench' });
    const hx = examples(N_HTTP);
    const tput: BenchRow[] = [];
    let one = 0;
    for (const c of [1, 8, 64]) {
      let reqs = 0;
      const ms = await medianMs(
        async () => {
          const r = await rejectionSample(hx, gen, { concurrency: c, maxAttempts: MAX_ATTEMPTS, keepRecords: false, checkpoint: join(dir, `h${files++}.jsonl`) });
          reqs = r.stats.requests;
        },
        QUICK ? 1 : 3,
        QUICK ? 0 : 1,
      );
      const rps = (1000 * reqs) / ms;
      if (c === 1) one = rps;
      tput.push({ name: `concurrency ${c}`, ms, note: `${rps.toFixed(0)} requests/s (${(rps / one).toFixed(2)}× concurrency 1), ${reqs} requests` });
    }
    printTable(`Throughput against startOpenAIServer (instant teacher), ${N_HTTP} examples, with checkpoint`, tput, 'concurrency 1');
  } finally {
    await server.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
