/**
 * GR2 as the last stage of a recommender funnel: `createReranker` re-ranks a pre-ranked slate and falls back to the
 * pre-rank order when the model cannot answer in time or answers badly.
 *
 * Two deployments, both self-contained here (a tiny random-weight model from `gr2/testing` stands in for a trained
 * GR2 checkpoint, so its rankings are arbitrary; swap in your model folder or your server):
 * 1. in-process: `createLocalGenerator(modelDir)` — transformers.js, SID-constrained decoding, every answer valid;
 * 2. remote: `createOpenAIGenerator({baseURL})` against an OpenAI-compatible server (here `startOpenAIServer` on
 *    127.0.0.1 serving the same model, with injected faults to show the fallback).
 *
 * Run: `npx tsx examples/serving_reranker.ts` (about 20–40 s on 2 shared cores, most of it writing the tiny model).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalGenerator, createOpenAIGenerator, createReranker } from 'gr2/generate';
import type { RerankItem } from 'gr2/prompt';
import { startOpenAIServer, writeTinyCausalLm } from 'gr2/testing';

const history: RerankItem[] = [
  { id: 'B001', sid: [12, 40, 7, 3], title: 'Rose water facial toner', categories: ['Beauty', 'Skin Care'] },
  { id: 'B002', sid: [12, 41, 9, 0], title: 'Hyaluronic acid serum', categories: ['Beauty', 'Skin Care'] },
];
// the pre-ranker's top 6, best first
const candidates: RerankItem[] = [
  { id: 'C10', sid: [12, 40, 8, 1], title: 'Vitamin C serum' },
  { id: 'C11', sid: [30, 2, 2, 5], title: 'Nail polish remover' },
  { id: 'C12', sid: [12, 77, 1, 1], title: 'Sheet mask set' },
  { id: 'C13', sid: [5, 5, 5, 5], title: 'Hair dryer' },
  { id: 'C14', sid: [12, 40, 8, 2], title: 'Night cream' },
  { id: 'C15', sid: [44, 1, 0, 9], title: 'Lip balm' },
];

const dir = await mkdtemp(join(tmpdir(), 'gr2-serving-'));
try {
  await writeTinyCausalLm(dir, { seed: 1 });

  // 1. In-process: constrained decoding, so the model's answer is always a permutation and always used.
  const local = await createLocalGenerator(dir);
  const reranker = createReranker({ generator: local, timeoutMs: 5000 });
  const r1 = await reranker.rerank({ history, candidates });
  console.log(`local model  source=${r1.source}  order=${r1.order.map((i) => candidates[i]!.id).join(' > ')}`);
  console.log(`             latency ${r1.latencyMs.toFixed(1)} ms (model ${r1.diagnostics.modelMs?.toFixed(1)} ms, re-ranker ${r1.diagnostics.overheadMs.toFixed(2)} ms)`);

  // 2. Remote: an OpenAI-compatible server that misbehaves. `sendConstraint` forwards the slate's SIDs in gr2's
  //    `gr2_constraint` field, which this test server honours (a plain OpenAI server would not: drop the option).
  const server = await startOpenAIServer({ generator: local, model: 'gr2-tiny', faults: { seed: 3, rate503: 0.2, rateMalformed: 0.2, rateHang: 0.1 } });
  try {
    const remote = createReranker({ generator: createOpenAIGenerator({ baseURL: server.baseURL, model: 'gr2-tiny', apiKey: 'unused', sendConstraint: true }), timeoutMs: 1500 });
    for (let i = 0; i < 6; i++) {
      const r = await remote.rerank({ history, candidates });
      const why = r.source === 'fallback' ? `  (${r.diagnostics.reason})` : '';
      console.log(`remote #${i}    source=${r.source.padEnd(8)} order=${r.order.join(',')}${why}`);
    }
    console.log('server faults:', server.stats().faults);
  } finally {
    await server.close();
  }
  await local.close?.();
} finally {
  await rm(dir, { recursive: true, force: true });
}
