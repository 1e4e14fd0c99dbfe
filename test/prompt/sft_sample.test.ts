// SFT samples with Qwen3's real chat template (transformers.js apply_chat_template) on generated traces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildRerankPrompt,
  buildSftSample,
  buildTeacherPrompt,
  parseRerankOutput,
  renderRerankCompletion,
  type RerankItem,
} from '../../src/prompt/index.js';
import { sftLoss } from '../../src/rl/sft_loss.js';
import { DataFormatError, OutputParseError } from '../../src/errors.js';
import { loadQwen3WithSids, type LoadedQwen3 } from './qwen3.js';

let q: LoadedQwen3;
beforeAll(async () => {
  q = await loadQwen3WithSids();
});
afterAll(async () => {
  await q?.dispose();
});

const dec = (ids: number[]): string => (ids.length === 0 ? '' : q.tok.decode(ids, { skip_special_tokens: false }));
const K = 10;
const items = (salt: number, n: number, base: number, titled: boolean): RerankItem[] =>
  Array.from({ length: n }, (_, i) => ({
    id: base + i,
    sid: [(base + i * 17 + salt) % 256, (i * 31 + salt * 7) % 256, (salt + 3) % 256, (base + i) % 256],
    ...(titled ? { title: `Item ${base + i} "deluxe" cream`, categories: ['Beauty', 'Skin Care'] } : {}),
  }));

describe('buildSftSample with the real Qwen3 chat template', () => {
  it('on 200 generated traces: decoded weighted spans equal the reasoning and ranking texts; sftLoss accepts the sample', () => {
    const trace = fc.record({
      salt: fc.nat(255),
      perm: fc.array(fc.nat(), { minLength: K, maxLength: K }),
      explanation: fc.oneof(
        fc.string({ minLength: 1, maxLength: 80 }),
        fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }),
        fc.constantFrom('Shampoo → conditioner.\nThe user "loves" {json} and \\ backslashes.', ' leading and trailing spaces ', '💄 then 🧴'),
      ),
      cite: fc.boolean(),
      think: fc.option(fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0 && !s.includes('<')), { nil: undefined }),
      reasoning: fc.integer({ min: 0, max: 4 }), // 0 = reasoning-free
      weights: fc.constantFrom([0.5, 1], [0.2, 1], [0.1, 0.9]),
    });
    let n = 0;
    let canonical = 0;
    fc.assert(
      fc.property(trace, (t) => {
        n++;
        const candidates = items(t.salt, K, 0, true);
        const p = buildRerankPrompt({ history: items(t.salt, 3, 100, n % 2 === 0), candidates }, { reasoning: t.reasoning > 0 });
        // the full GR2 prompt every 10th trace; a short conversation otherwise (the tokenizer is slow on 800 tokens)
        const messages = n % 10 === 0 ? p.messages : [{ role: 'system' as const, content: 'Rank.' }, { role: 'user' as const, content: p.sids.join(' ') }];
        const pi = p.sids.map((_, i) => i).sort((a, b) => (t.perm[a]! - t.perm[b]!) || a - b);
        const ranking = pi.map((i) => p.sids[i]!);
        const explanation = t.cite ? `${t.explanation} ${ranking[0]} first` : t.explanation;
        const completion =
          t.reasoning > 0
            ? renderRerankCompletion(ranking, { explanation, ...(t.think !== undefined ? { think: t.think } : {}) })
            : renderRerankCompletion(ranking, { explanation: null });
        const [lr, lo] = t.weights as [number, number];
        const s = buildSftSample({ messages, completion }, q.tok, { reasoningWeight: lr, rankingWeight: lo });
        if (s.canonical) canonical++;
        const T = s.inputIds.length;
        for (const a of [s.labels, s.weights, s.reasoningMask, s.rankingMask]) expect(a.length).toBe(T);
        // the text is Qwen3's own rendering and the ids decode back to it
        // (normalised as the tokenizer normalises text: NFC for Qwen3)
        expect(s.text).toBe((q.tok.apply_chat_template([...messages, { role: 'assistant', content: completion }] as never, { tokenize: false }) as string).normalize('NFC'));
        expect(dec(s.inputIds)).toBe(s.text);
        // prompt: labels -100, weight 0; it decodes to the template's prompt with generation prompt
        const promptText = (q.tok.apply_chat_template(messages as never, { tokenize: false, add_generation_prompt: true }) as string).normalize('NFC');
        expect(dec(s.inputIds.slice(0, s.promptTokens))).toBe(promptText);
        expect(s.labels.slice(0, s.promptTokens).every((l) => l === -100)).toBe(true);
        expect(s.weights.slice(0, s.promptTokens).every((w) => w === 0)).toBe(true);
        // supervised tokens = the assistant turn up to and including <|im_end|>
        const sup = s.inputIds.filter((_, i) => s.labels[i] !== -100);
        const eot = s.text.indexOf('<|im_end|>', promptText.length);
        expect(dec(sup)).toBe(s.text.slice(promptText.length, eot + '<|im_end|>'.length));
        s.labels.forEach((l, i) => l !== -100 && expect(l).toBe(s.inputIds[i]));
        // ranking span: the recommendations array, exactly, in text and in tokens
        const rankingText = JSON.stringify(ranking).slice(2, -2); // from the first SID to the last
        expect(s.text.slice(...s.spans.ranking)).toBe(rankingText);
        expect(dec(s.inputIds.slice(...s.tokenSpans.ranking))).toBe(rankingText);
        s.weights.slice(...s.tokenSpans.ranking).forEach((w) => expect(w).toBe(lo));
        // reasoning span(s): the explanation value as written, and the <think> content
        const lrText = dec(s.inputIds.filter((_, i) => s.reasoningMask[i] === 1));
        if (t.reasoning > 0) {
          const written = JSON.stringify(explanation).slice(1, -1).normalize('NFC');
          expect(s.text.slice(...s.spans.reasoning!)).toBe(written);
          expect(dec(s.inputIds.slice(...s.tokenSpans.reasoning!))).toBe(written);
          const thinkText = t.think === undefined ? null : t.think.normalize('NFC').replace(/^\s+|\s+$/g, '');
          if (thinkText) {
            expect(dec(s.inputIds.slice(...s.tokenSpans.think!))).toBe(thinkText);
            expect(lrText).toBe(thinkText + written);
          } else {
            expect(s.spans.think).toBeNull();
            expect(lrText).toBe(written);
          }
        } else {
          expect(s.spans.reasoning).toBeNull();
          expect(lrText).toBe('');
        }
        // weights agree with the masks; masks are disjoint and cover exactly the supervised tokens
        s.weights.forEach((w, i) => expect(w).toBe(s.reasoningMask[i]! * lr + s.rankingMask[i]! * lo));
        s.labels.forEach((l, i) => expect(s.reasoningMask[i]! + s.rankingMask[i]!).toBe(l === -100 ? 0 : 1));
        // sftLoss takes the sample as is: [1, T] rows; its loss is Σ w·(−logp) / N
        const logp = s.inputIds.map((_, i) => -((i * 37) % 11) / 7 - 0.01);
        const r = sftLoss({ logProbs: [logp], reasoningMask: [s.reasoningMask], rankingMask: [s.rankingMask] }, { reasoningWeight: lr, rankingWeight: lo });
        const N = sup.length;
        const ref = s.weights.reduce((acc, w, i) => acc - w * logp[i]!, 0) / N;
        expect(r.dims).toEqual([1, T]);
        expect(r.loss).toBeCloseTo(ref, 12);
        // the answer part still parses to the permutation
        const answer = s.text.slice(promptText.length, eot);
        const parsed = parseRerankOutput(answer, p.sids, { ...p.parseOptions, mode: 'lenient' });
        expect(parsed.diagnostics.fallback).toBe(false);
        expect(parsed.order).toEqual(pi);
      }),
      { numRuns: 200, seed: 4242 },
    );
    expect(n).toBe(200);
    // many samples tokenize exactly like whole-text BPE (the piecewise cuts change a token only at some
    // reasoning boundaries, e.g. a final '.' that BPE would merge with the '",' after it)
    expect(canonical).toBeGreaterThan(40);
  });

  it('teacher traces (targeted and rejection) feed it with the student prompt', () => {
    const candidates = items(9, K, 0, true);
    const input = { history: items(9, 4, 100, true), candidates };
    const target = candidates[4]!.id;
    for (const strategy of ['targeted', 'rejection'] as const) {
      const teacher = buildTeacherPrompt({ ...input, target }, { strategy });
      const completion = renderRerankCompletion([teacher.sids[4]!, ...teacher.sids.filter((_, i) => i !== 4)], { explanation: `Because of ${teacher.sids[4]}.` });
      const student = buildRerankPrompt(input);
      const s = buildSftSample({ messages: student.messages, completion }, q.tok);
      expect(s.text).not.toContain('Ground truth');
      expect(dec(s.inputIds.slice(...s.tokenSpans.reasoning!))).toBe(`Because of ${teacher.sids[4]}.`);
    }
  });

  it('validates its inputs', () => {
    const p = buildRerankPrompt({ history: [], candidates: items(1, 3, 0, false) });
    const ok = renderRerankCompletion(p.sids, { explanation: 'x' });
    const conv = { messages: p.messages, completion: ok };
    expect(() => buildSftSample({ messages: p.messages, completion: 'no answer here' }, q.tok)).toThrow(OutputParseError);
    expect(() => buildSftSample({ messages: p.messages, completion: '{"recommendations": "not a list"}' }, q.tok)).toThrow(OutputParseError);
    expect(() => buildSftSample(null as never, q.tok)).toThrow(/buildSftSample: 'conv'/);
    expect(() => buildSftSample({ messages: [], completion: ok }, q.tok)).toThrow(/'conv.messages'/);
    expect(() => buildSftSample({ messages: [[1]] as never, completion: ok }, q.tok)).toThrow(/'conv.messages\[0\]'/);
    expect(() => buildSftSample({ messages: [{ role: 'tool', content: 'x' }] as never, completion: ok }, q.tok)).toThrow(/role/);
    expect(() => buildSftSample({ messages: p.messages, completion: 5 as never }, q.tok)).toThrow(/'conv.completion'/);
    expect(() => buildSftSample(conv, {} as never)).toThrow(/'tokenizer'/);
    expect(() => buildSftSample(conv, q.tok, { reasoningWeight: 1, rankingWeight: 1 })).toThrow(/λ_r < λ_o/);
    expect(buildSftSample(conv, q.tok, { reasoningWeight: 1, rankingWeight: 1, requireRankingHeavier: false }).weights.includes(1)).toBe(true);
    expect(() => buildSftSample(conv, q.tok, { reasoningWeight: NaN })).toThrow(RangeError);
    expect(() => buildSftSample(conv, q.tok, { rankingWieght: 2 } as never)).toThrow(/Did you mean 'rankingWeight'/);
    let calls = 0;
    const lossy = {
      apply_chat_template: q.tok.apply_chat_template.bind(q.tok),
      encode: q.tok.encode.bind(q.tok),
      decode: (ids: number[]) => q.tok.decode(ids, { skip_special_tokens: false }) + (++calls > 2 ? '!' : ''),
    };
    expect(() => buildSftSample(conv, lossy as never)).toThrow(DataFormatError);
    const odd = { apply_chat_template: (_m: unknown, o: { add_generation_prompt: boolean }) => (o.add_generation_prompt ? 'A' : 'B{}'), encode: () => [1] };
    expect(() => buildSftSample(conv, odd as never)).toThrow(DataFormatError);
  });
});
