import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GeneratorError } from '../../src/errors.js';
import { createLocalGenerator, type LocalGenerator } from '../../src/generate/local.js';
import { createReranker } from '../../src/generate/reranker.js';
import { isPermutation, parseRerankOutput } from '../../src/prompt/parse_output.js';
import { dapoLoss } from '../../src/rl/policy_loss.js';
import { createSidSpec, renderSid } from '../../src/sid/sid_string.js';
import { writeTinyCausalLm, type TinyCausalLm } from '../../src/testing/tiny_lm.js';

// A 2-level, 16-code SID format keeps answers short (4 tokens per SID) and makes shared prefixes frequent.
const spec = createSidSpec({ levels: 2, codebookSizes: 16 });
let dir: string;
let tiny: TinyCausalLm;
let gen: LocalGenerator;
let stepwise: LocalGenerator;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gr2-tiny-lm-'));
  tiny = await writeTinyCausalLm(dir, { seed: 7, hiddenSize: 8, heads: 2, sidSpec: spec, maxPositions: 512 });
  gen = await createLocalGenerator(dir, { spec });
  stepwise = await createLocalGenerator(dir, { spec, jumpForward: false });
});
afterAll(async () => {
  await session?.release();
  await gen?.close?.();
  await stepwise?.close?.();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const slateArb = fc.uniqueArray(fc.tuple(fc.nat(15), fc.nat(15)), { minLength: 1, maxLength: 8, selector: (c) => `${c[0]}-${c[1]}` });
const ask = (cands: readonly string[]) => [
  { role: 'system' as const, content: 'Re-rank the candidates.' },
  { role: 'user' as const, content: `Candidates: ${cands.join(' ')}` },
];

describe('createLocalGenerator: SID-constrained decoding', () => {
  it('yields a valid permutation of the candidates on 1,000 (slate, seed) pairs', async () => {
    let pairs = 0;
    await fc.assert(
      fc.asyncProperty(slateArb, fc.nat(1_000_000), fc.constantFrom(0, 0.7, 1, 2), fc.constantFrom(1, 0.9), async (codes, seed, temperature, topP) => {
        const cands = codes.map((c) => renderSid(c, spec));
        const res = await gen.generate({ messages: ask(cands), constraint: { candidates: cands }, n: 5, seed, temperature, topP });
        expect(res.generations).toHaveLength(5);
        for (const g of res.generations) {
          const parsed = parseRerankOutput(g.text, cands, { spec });
          expect(parsed.valid, g.text).toBe(true);
          expect(isPermutation(parsed.order!, cands.length)).toBe(true);
          expect(parsed.format).toBe('json');
          expect(g.finishReason).toBe('stop');
          pairs++;
        }
      }),
      { numRuns: 200, seed: 42 },
    );
    expect(pairs).toBe(1000);
  });

  it('jump-forward decoding writes exactly what step-by-step decoding through generate() and the logits processor writes', async () => {
    await fc.assert(
      fc.asyncProperty(slateArb, fc.nat(1_000_000), async (codes, seed) => {
        const cands = codes.map((c) => renderSid(c, spec));
        const req = { messages: ask(cands), constraint: { candidates: cands }, n: 2, seed, temperature: 1, logprobs: seed % 4 === 0 };
        const [a, b] = [await gen.generate(req), await stepwise.generate(req)];
        for (let k = 0; k < 2; k++) {
          const [ga, gb] = [a.generations[k]!, b.generations[k]!];
          expect(ga.text).toBe(gb.text);
          expect(parseRerankOutput(gb.text, cands, { spec }).valid).toBe(true);
          expect(ga.tokenLogProbs?.length).toBe(gb.tokenLogProbs?.length);
          (ga.tokenLogProbs ?? []).forEach((v, t) => expect(Math.abs(v - gb.tokenLogProbs![t]!)).toBeLessThan(1e-5));
        }
      }),
      { numRuns: 8, seed: 7, examples: [[[[1, 2], [1, 3], [4, 5]], 4]] },
    );
  });

  it('with reasoning: a JSON answer with an explanation, then the permutation; cut answers end with finishReason length', async () => {
    const withReasoning = await createLocalGenerator(dir, { spec, maxReasoningTokens: 6 });
    const cands = [[1, 2], [1, 3], [4, 5]].map((c) => renderSid(c, spec));
    for (const seed of [1, 2]) {
      const res = await withReasoning.generate({ messages: ask(cands), constraint: { candidates: cands, reasoning: true }, seed, temperature: 1 });
      const parsed = parseRerankOutput(res.generations[0]!.text, cands, { spec, requireReasoning: true, allowExtraText: false });
      expect(parsed.valid, res.generations[0]!.text).toBe(true);
      expect(parsed.reasoning!.length).toBeGreaterThan(0);
    }
    const cut = await gen.generate({ messages: ask(cands), constraint: { candidates: cands }, maxTokens: 6, seed: 1 });
    expect(cut.generations[0]!.finishReason).toBe('length');
    expect(cut.generations[0]!.completionTokens).toBe(6);
  });

  it('is reproducible for a seed and varies across seeds', async () => {
    const cands = Array.from({ length: 6 }, (_, i) => renderSid([i, 15 - i], spec));
    const req = { messages: ask(cands), constraint: { candidates: cands }, n: 4, temperature: 1 };
    const a = await gen.generate({ ...req, seed: 11 });
    const b = await gen.generate({ ...req, seed: 11 });
    expect(a.generations.map((g) => g.text)).toEqual(b.generations.map((g) => g.text));
    const orders = new Set<string>();
    for (let seed = 0; seed < 10; seed++) {
      for (const g of (await gen.generate({ ...req, seed })).generations) orders.add(parseRerankOutput(g.text, cands, { spec }).order!.join());
    }
    expect(orders.size).toBeGreaterThan(5);
  });
});

/** Independent reference: onnxruntime on the full sequence (no cache), log-softmax in float64. */
let session: ort.InferenceSession | undefined;
async function referenceLogProbs(promptIds: number[], completionIds: number[]): Promise<{ logProbs: number[]; argmaxAfter: number }> {
  session ??= await ort.InferenceSession.create(tiny.onnxPath);
  const ids = [...promptIds, ...completionIds];
  const S = ids.length;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, S]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(S).fill(1n), [1, S]),
    position_ids: new ort.Tensor('int64', BigInt64Array.from(ids, (_, i) => BigInt(i)), [1, S]),
    num_logits_to_keep: new ort.Tensor('int64', BigInt64Array.from([0n]), []),
  };
  for (let l = 0; l < tiny.layers; l++) {
    for (const kv of ['key', 'value']) feeds[`past_key_values.${l}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, tiny.heads, 0, tiny.headDim]);
  }
  const logits = (await session.run(feeds)).logits!;
  const V = logits.dims[2]!;
  const data = logits.data as Float32Array;
  const row = (p: number): Float32Array => data.subarray(p * V, (p + 1) * V);
  const logSoftmaxAt = (p: number, tok: number): number => {
    const r = row(p);
    let m = -Infinity;
    for (const v of r) m = Math.max(m, v);
    let z = 0;
    for (const v of r) z += Math.exp(v - m);
    return r[tok]! - m - Math.log(z);
  };
  const logProbs = completionIds.map((tok, t) => logSoftmaxAt(promptIds.length - 1 + t, tok));
  const last = row(S - 1);
  let argmaxAfter = 0;
  for (let i = 1; i < V; i++) if (last[i]! > last[argmaxAfter]!) argmaxAfter = i;
  return { logProbs, argmaxAfter };
}

describe('LocalGenerator.logProbsOf', () => {
  it('equals an independent full-sequence forward pass to 1e-5, batched with padding, and feeds dapoLoss as oldLogProbs', async () => {
    const { AutoTokenizer } = await import('@huggingface/transformers');
    const tok = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    const cands = [[3, 4], [5, 6], [3, 9]].map((c) => renderSid(c, spec));
    const messages = ask(cands);
    const sampled = await gen.generate({ messages, constraint: { candidates: cands }, n: 2, seed: 3, logprobs: true });
    const completions = [...sampled.generations.map((g) => g.text), 'a short free-text answer'];
    const lp = await gen.logProbsOf(messages, completions);
    const promptIds = Array.from(
      (tok.apply_chat_template(messages, { add_generation_prompt: true, tokenize: true, return_tensor: false, return_dict: false, enable_thinking: false } as never) as unknown as number[]),
      Number,
    );
    expect(lp.promptTokens).toBe(promptIds.length);
    const L = Math.max(...lp.lengths);
    expect(lp.logProbs.shape).toEqual([3, L]);
    expect(lp.mask.shape).toEqual([3, L]);
    for (let b = 0; b < 3; b++) {
      const ids = tok.encode(completions[b]!, { add_special_tokens: false });
      expect(lp.tokenIds[b]).toEqual(ids);
      const ref = await referenceLogProbs(promptIds, ids);
      for (let t = 0; t < L; t++) {
        if (t < ids.length) {
          expect(Math.abs(lp.logProbs.data[b * L + t]! - ref.logProbs[t]!)).toBeLessThan(1e-5);
          expect(lp.mask.data[b * L + t]).toBe(1);
        } else {
          expect(lp.logProbs.data[b * L + t]).toBe(0);
          expect(lp.mask.data[b * L + t]).toBe(0);
        }
      }
      if (b < 2) sampled.generations[b]!.tokenLogProbs!.forEach((v, t) => expect(Math.abs(v - ref.logProbs[t]!)).toBeLessThan(1e-5));
    }
    // π_old = π: ratio 1, so DAPO's token-mean loss is −Σ_b A_b·len_b / Σ_b len_b (no clipping active)
    const advantages = [1, -0.5, 0.25];
    const res = await dapoLoss({ logProbs: lp.logProbs, oldLogProbs: lp.logProbs, advantages, mask: lp.mask });
    const total = lp.lengths.reduce((a, b) => a + b, 0);
    const expected = -advantages.reduce((s, a, b) => s + a * lp.lengths[b]!, 0) / total;
    expect(res.loss).toBeCloseTo(expected, 10);
  });

  it('greedy decoding through the KV cache matches full recomputation (argmax of the reference)', async () => {
    const { AutoTokenizer } = await import('@huggingface/transformers');
    const tok = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    const messages = [{ role: 'user' as const, content: 'Say something.' }];
    const res = await gen.generate({ messages, temperature: 0, maxTokens: 6 });
    const promptIds = Array.from(
      (tok.apply_chat_template(messages, { add_generation_prompt: true, tokenize: true, return_tensor: false, return_dict: false, enable_thinking: false } as never) as unknown as number[]),
      Number,
    );
    const lp = await gen.logProbsOf(messages, [res.generations[0]!.text]);
    const ids = lp.tokenIds[0]!;
    for (let t = 0; t < Math.min(ids.length, 5); t++) {
      expect((await referenceLogProbs(promptIds, ids.slice(0, t))).argmaxAfter).toBe(ids[t]);
    }
    expect(res.usage.promptTokens).toBe(promptIds.length);
  });

  it('handles empty input and validates arguments', async () => {
    const empty = await gen.logProbsOf([{ role: 'user', content: 'x' }], []);
    expect(empty.logProbs.shape).toEqual([0, 0]);
    await expect(gen.logProbsOf([] as never, ['a'])).rejects.toThrow(/'messages'/);
    await expect(gen.logProbsOf([{ role: 'user', content: 'x' }], [3 as never])).rejects.toThrow(/'completions\[0\]'/);
    await expect(gen.logProbsOf([{ role: 'user', content: 'x' }], 'abc' as never)).rejects.toThrow(TypeError);
  });
});

describe('createReranker over the local generator', () => {
  it('always uses the constrained answer: source model and a permutation on every slate', async () => {
    const reranker = createReranker({ generator: gen, prompt: { spec, shuffle: { seed: 2 } }, timeoutMs: 60_000 });
    const history = [{ id: 'h', sid: [0, 0], title: 'history item' }];
    await fc.assert(
      fc.asyncProperty(slateArb.filter((s) => s.length >= 2), async (codes) => {
        const candidates = codes.map((sid, i) => ({ id: i, sid, title: `item ${i}` }));
        const res = await reranker.rerank({ history, candidates });
        expect(res.source, res.diagnostics.reason).toBe('model');
        expect(isPermutation(res.order, codes.length)).toBe(true);
      }),
      { numRuns: 30, seed: 5 },
    );
  });
});

describe('createLocalGenerator: requests, failures and validation', () => {
  it('applies stop strings, counts usage, and rejects aborted and timed-out requests with GeneratorError', async () => {
    const messages = [{ role: 'user' as const, content: 'Go.' }];
    const res = await gen.generate({ messages, temperature: 1, seed: 5, maxTokens: 12, n: 2 });
    expect(res.usage.completionTokens).toBe(res.generations.reduce((a, g) => a + g.completionTokens! + (g.finishReason === 'stop' ? 1 : 0), 0));
    const text = res.generations[0]!.text;
    const stopAt = text.slice(3, 5);
    if (stopAt.length > 0) {
      const stopped = await gen.generate({ messages, temperature: 1, seed: 5, maxTokens: 12, stop: [stopAt] });
      expect(stopped.generations[0]!.text).toBe(text.slice(0, text.indexOf(stopAt)));
      expect(stopped.generations[0]!.finishReason).toBe('stop');
    }
    const ctrl = new AbortController();
    ctrl.abort();
    const aborted = await gen.generate({ messages, signal: ctrl.signal }).catch((e: unknown) => e);
    expect(aborted).toBeInstanceOf(GeneratorError);
    expect((aborted as GeneratorError).kind).toBe('aborted');
    const slow = await gen.generate({ messages, maxTokens: 400, timeoutMs: 1 }).catch((e: unknown) => e);
    expect((slow as GeneratorError).kind).toBe('timeout');
  });

  it('validates the model folder, options and constraint candidates with typed errors', async () => {
    await expect(createLocalGenerator('')).rejects.toThrow(TypeError);
    await expect(createLocalGenerator(dir, { maxNewToken: 3 } as never)).rejects.toThrow(/Did you mean 'maxNewTokens'/);
    await expect(createLocalGenerator(join(dir, 'missing'))).rejects.toThrow(/could not load a causal LM/);
    const messages = [{ role: 'user' as const, content: 'x' }];
    await expect(gen.generate({ messages, constraint: { candidates: ['not a sid'] } })).rejects.toThrow(/'request.constraint.candidates\[0\]'/);
    await expect(gen.generate({ messages, constraint: { candidates: [] } })).rejects.toThrow(RangeError);
    await expect(gen.generate({ messages, constraint: { candidates: [renderSid([1, 2, 3, 4])] } })).rejects.toThrow(RangeError); // 4-level SID, 2-level spec
  });
});
