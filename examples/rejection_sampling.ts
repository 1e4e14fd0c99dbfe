/**
 * Rejection sampling of teacher traces (GR2 stage 2, TR Eq. 2) end to end, then export for SFT and RL:
 *
 * 1. Amazon Beauty slates → GR2 teacher prompts that do not reveal the target (`buildTeacherPrompt`,
 *    strategy 'rejection', candidates shuffled);
 * 2. a teacher behind an OpenAI-compatible server: by default a local one (`startOpenAIServer`) backed by a
 *    simulated teacher and injecting faults (429 with Retry-After, 500s, resets, hung requests); `--base-url` and
 *    `--model` point at a real one (vLLM, SGLang, llama.cpp, OpenAI) instead;
 * 3. `rejectionSample` with a JSONL checkpoint (kill it with Ctrl-C or `kill -9` and run it again: it resumes),
 *    optionally one shard of many;
 * 4. accepted traces → TRL conversational JSONL (SFT) and verl RL Parquet.
 *
 *   npx tsx examples/rejection_sampling.ts                      # 200 users, local faulty server, ~10 s
 *   npx tsx examples/rejection_sampling.ts --n 2000 --concurrency 32 --out /tmp/traces
 *   npx tsx examples/rejection_sampling.ts --shard 0/4          # one process of four
 *   npx tsx examples/rejection_sampling.ts --base-url http://127.0.0.1:8000/v1 --model Qwen/Qwen3-32B
 *   options: --n N  --concurrency C  --max-attempts A  --seed S  --out DIR  --shard I/N  --no-faults
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSlates, loadBeauty } from '../src/data/index.js';
import { toVerlRow, writeTrlJsonl, writeVerlParquet } from '../src/export/index.js';
import { createOpenAIGenerator, type GenerateRequest, type GenerateResult, type Generator } from '../src/generate/index.js';
import { base256Sid, buildTeacherPrompt, renderRerankCompletion } from '../src/prompt/index.js';
import { Random, readCheckpoint, rejectionSample, type SamplerExample } from '../src/sampling/index.js';
import { parseSids } from '../src/sid/sid_string.js';
import { startOpenAIServer } from '../src/testing/index.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '16' },
    'max-attempts': { type: 'string', default: '8' },
    seed: { type: 'string', default: '1234' },
    out: { type: 'string', default: join(process.cwd(), 'rejection-sampling-out') },
    shard: { type: 'string' },
    'base-url': { type: 'string' },
    model: { type: 'string', default: 'gr2-teacher' },
    'no-faults': { type: 'boolean', default: false },
  },
});

/**
 * A stand-in teacher: reads the candidate SIDs from the prompt and ranks them at random (seeded by the request's
 * seed, so the run is reproducible), preferring the candidates whose SID shares its third code with an item of
 * the history, and explains its pick in GR2's JSON answer format.
 */
function simulatedTeacher(): Generator {
  return {
    name: 'simulated-teacher',
    async generate(req: GenerateRequest): Promise<GenerateResult> {
      const user = req.messages[req.messages.length - 1]!.content;
      const at = user.lastIndexOf('Candidates');
      const history = parseSids(at > 0 ? user.slice(0, at) : '').map((m) => m.codes[2]);
      const cands = [...new Set(parseSids(at > 0 ? user.slice(at) : user).map((m) => m.text))];
      const rng = new Random(req.seed ?? 0);
      const score = (s: string): number => rng.random() + (history.includes(parseSids(s)[0]!.codes[2]) ? 0.5 : 0);
      const ranked = cands.map((s) => [s, score(s)] as const).sort((a, b) => b[1] - a[1]).map(([s]) => s);
      const explanation = `The history points to items like ${ranked[0]}; it complements what the user bought, so it comes first.`;
      const text = renderRerankCompletion(ranked, { explanation });
      return { generations: [{ text, finishReason: 'stop' }], usage: { promptTokens: Math.ceil(user.length / 4), completionTokens: Math.ceil(text.length / 4) }, latencyMs: 0 };
    },
  };
}

const n = Number(args.n);
const seed = Number(args.seed);
const shard = args.shard ? (([i, c]) => ({ index: Number(i), count: Number(c) }))(args.shard.split('/')) : undefined;
mkdirSync(args.out!, { recursive: true });

// 1. examples: teacher prompts that do not show the target
const { sequences } = await loadBeauty();
const { slates } = buildSlates(sequences.slice(0, n));
const examples: SamplerExample[] = [];
for (const s of slates) {
  if (s.target === null) continue;
  const item = (id: number) => ({ id, sid: base256Sid(id) });
  const prompt = buildTeacherPrompt(
    { history: s.history.map(item), candidates: s.candidates.map(item), target: s.target },
    { strategy: 'rejection', shuffle: { seed: s.user } },
  );
  examples.push({
    id: `beauty-user-${s.user}`,
    messages: prompt.messages,
    candidates: prompt.sids,
    target: prompt.sids[prompt.candidates.findIndex((c) => c.id === s.target)]!,
    meta: { user: s.user, preRankOrder: prompt.order },
  });
}

// 2. the teacher behind an OpenAI-compatible server
const server = args['base-url']
  ? null
  : await startOpenAIServer({
      generator: simulatedTeacher(),
      model: args.model,
      faults: args['no-faults'] ? {} : { seed, rate429: 0.05, retryAfterSeconds: 0.2, rate500: 0.05, rateReset: 0.02, rateHang: 0.01 },
    });
const generator = createOpenAIGenerator({ baseURL: args['base-url'] ?? server!.baseURL, model: args.model!, apiKey: process.env.OPENAI_API_KEY ?? 'local' });

// 3. sample, with a checkpoint (rerun to resume) and progress
const suffix = shard ? `.shard-${shard.index}-of-${shard.count}` : '';
const checkpoint = join(args.out!, `traces${suffix}.jsonl`);
let lastLine = 0;
try {
  const report = await rejectionSample(examples, generator, {
    checkpoint,
    seed,
    concurrency: Number(args.concurrency),
    maxAttempts: Number(args['max-attempts']),
    timeoutMs: args['base-url'] ? 300_000 : 2_000,
    retry: { baseDelayMs: 50, maxDelayMs: 2_000 },
    ...(shard ? { shard } : {}),
    onProgress: (e) => {
      if (e.type === 'dropped') console.log(`  dropped ${e.id}: ${e.reason} after ${e.attempts} attempts${e.detail ? ` (${e.detail})` : ''}`);
      const p = e.progress;
      if (p.accepted + p.dropped >= lastLine + 50) {
        lastLine = p.accepted + p.dropped;
        console.log(`  ${p.accepted} accepted, ${p.dropped} dropped, ${p.skipped} resumed, ${p.requests} requests, ${p.inFlight} in flight`);
      }
    },
  });
  const s = report.stats;
  console.log(`\n${s.examples} examples (${s.skipped} already in ${checkpoint})`);
  console.log(`accepted ${s.accepted}, dropped ${s.dropped}, unfinished ${s.unfinished}; acceptance rate ${(100 * s.acceptanceRate).toFixed(1)}%`);
  console.log(`samples ${s.samples} (${(100 * s.sampleAcceptanceRate).toFixed(1)}% accepted), requests ${s.requests}, retries ${s.retries}`);
  console.log(`attempts histogram (accepted at attempt k): ${s.attemptsHistogram.slice(1).map((c, k) => `${k + 1}:${c}`).join(' ')}`);
  console.log(`tokens: ${s.tokens.prompt} prompt + ${s.tokens.completion} completion; errors by kind: ${JSON.stringify(s.errorsByKind)}`);
  console.log(`dropped examples are listed, never silent: ${report.dropped.slice(0, 5).map((d) => `${d.id} (${d.reason})`).join(', ')}${report.dropped.length > 5 ? ', …' : ''}`);
} finally {
  await server?.close();
}

// 4. export everything accepted so far (all runs, this shard)
const { accepted, dropped } = readCheckpoint(checkpoint);
const sft = await writeTrlJsonl(join(args.out!, `sft${suffix}.jsonl`), accepted);
const rl = await writeVerlParquet(join(args.out!, `rl${suffix}.parquet`), accepted.map((r, i) => toVerlRow(r, { index: i })));
console.log(`\ncheckpoint: ${accepted.length} accepted, ${dropped.length} dropped (max_attempts)`);
console.log(`wrote ${sft.rows} SFT conversations (${sft.bytes} bytes) and ${rl.rows} verl RL rows (${rl.bytes} bytes) to ${args.out}`);
