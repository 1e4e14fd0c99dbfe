/**
 * Generation costs on the tiny random-weight model of `gr2/testing` (vocabulary 152,695 = Qwen3 + SID tokens,
 * hidden 16, one layer — so the numbers measure decoding overhead, not a model).
 *
 * 1. Time per generated token (median of runs) for a 10-candidate slate (default 4-level SIDs):
 *    - transformers.js `generate()` greedy with no processor (the floor),
 *    - gr2 unconstrained (gr2's seeded sampler inside the logits processor, temperature 1),
 *    - gr2 SID-constrained, step by step through `generate()` (`jumpForward: false`),
 *    - gr2 SID-constrained, jump-forward (the default: forced text fed in one pass per choice point).
 * 2. `createReranker`'s own overhead around the model call (prompt, parse, mapping; `diagnostics.overheadMs`)
 *    with an instant generator, K = 10 and K = 50. Target: < 1 ms.
 *
 * `GR2_BENCH_QUICK=1`: 3 runs per row and 200 rerank calls instead of 7 and 2,000.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalGenerator, createReranker, type GenerateRequest, type Generator } from '../src/generate/index.js';
import type { RerankItem } from '../src/prompt/index.js';
import { renderSid } from '../src/sid/sid_string.js';
import { writeTinyCausalLm } from '../src/testing/index.js';
import { QUICK, printTable, type BenchRow } from './_harness.js';

const RUNS = QUICK ? 3 : 7;
const RERANKS = QUICK ? 200 : 2000;
const K = 10;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function perToken(run: () => Promise<number>): Promise<number> {
  await run(); // warm-up
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const tokens = await run();
    xs.push((performance.now() - t0) / Math.max(1, tokens));
  }
  return median(xs);
}

async function decoding(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gr2-bench-tiny-'));
  try {
    await writeTinyCausalLm(dir, { seed: 1 });
    const jf = await createLocalGenerator(dir);
    const sw = await createLocalGenerator(dir, { jumpForward: false });
    const cands = Array.from({ length: K }, (_, j) => renderSid([j, (3 * j) % 256, 7, j]));
    const messages = [
      { role: 'system' as const, content: 'Re-rank the candidates. Answer with JSON only.' },
      { role: 'user' as const, content: `Candidates:\n${cands.join('\n')}` },
    ];
    const constrained: GenerateRequest = { messages, constraint: { candidates: cands }, temperature: 1, seed: 1 };
    const tokensOf = (r: Awaited<ReturnType<Generator['generate']>>): number => r.generations[0]!.completionTokens! + 1;
    // the floor: transformers.js generate() on the same model, no gr2 processor
    const tf = await import('@huggingface/transformers');
    const tok = await tf.AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    const model = await tf.AutoModelForCausalLM.from_pretrained(dir, { local_files_only: true, dtype: 'fp32' });
    const enc = tok.apply_chat_template(messages, { add_generation_prompt: true, tokenize: true, return_tensor: true, return_dict: true } as never) as never;
    const constrainedTokens = tokensOf(await jf.generate(constrained));
    const raw = await perToken(async () => {
      await model.generate({ ...(enc as object), max_new_tokens: constrainedTokens, min_new_tokens: constrainedTokens, do_sample: false } as never);
      return constrainedTokens;
    });
    const free = await perToken(async () => tokensOf(await jf.generate({ messages, temperature: 1, seed: 1, maxTokens: constrainedTokens })));
    const stepwise = await perToken(async () => tokensOf(await sw.generate(constrained)));
    const jump = await perToken(async () => tokensOf(await jf.generate(constrained)));
    const rows: BenchRow[] = [
      { name: 'transformers.js generate, greedy', ms: raw, note: 'no processor (floor)' },
      { name: 'gr2 unconstrained, T=1', ms: free, note: 'seeded sampler in the processor' },
      { name: 'gr2 constrained, step by step', ms: stepwise, note: `K=${K}, ${constrainedTokens} tokens/answer` },
      { name: 'gr2 constrained, jump-forward', ms: jump, note: 'default' },
    ];
    printTable(`ms per generated token (tiny model, vocab ${(model.config as unknown as { vocab_size: number }).vocab_size}, ${RUNS} runs)`, rows, 'gr2 unconstrained, T=1');
    await jf.close?.();
    await sw.close?.();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function rerankOverhead(): Promise<void> {
  const rows: BenchRow[] = [];
  for (const k of [10, 50]) {
    const candidates: RerankItem[] = Array.from({ length: k }, (_, i) => ({ id: i, sid: [i % 256, (i * 7) % 256, 3, i % 256], title: `Candidate item ${i}`, categories: ['Beauty', 'Skin Care'] }));
    const history: RerankItem[] = Array.from({ length: 20 }, (_, i) => ({ id: 1000 + i, sid: [i, i, i, i], title: `History item ${i}`, categories: ['Beauty'] }));
    let answer = '';
    const instant: Generator = {
      name: 'instant',
      async generate(req) {
        answer ||= JSON.stringify({ recommendations: [...req.constraint!.candidates].reverse() });
        return { generations: [{ text: answer, finishReason: 'stop' }], usage: { promptTokens: 0, completionTokens: 0 }, latencyMs: 0 };
      },
    };
    const reranker = createReranker({ generator: instant });
    for (let i = 0; i < 50; i++) await reranker.rerank({ history, candidates }); // warm-up
    const xs: number[] = [];
    for (let i = 0; i < RERANKS; i++) {
      const res = await reranker.rerank({ history, candidates });
      if (res.source !== 'model') throw new Error(`unexpected fallback: ${res.diagnostics.reason}`);
      xs.push(res.diagnostics.overheadMs);
    }
    const p90 = [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;
    rows.push({ name: `rerank overhead, K=${k}`, ms: median(xs), note: `p90 ${p90.toFixed(3)} ms, ${RERANKS} calls; target < 1 ms` });
  }
  printTable('createReranker overhead around the model call (instant generator)', rows, 'rerank overhead, K=10');
}

await rerankOverhead();
await decoding();
