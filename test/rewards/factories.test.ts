import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RewardContractError } from '../../src/errors.js';
import { renderSid } from '../../src/sid/sid_string.js';
import {
  assertRewardContract,
  base256Sid,
  combineRewards,
  conditionalScore,
  createCompressorReward,
  createConditionalReward,
  createConditionalSlateReward,
  createFormatReward,
  createNaiveReward,
  createOverlongPenalty,
  createRankPromotionReward,
  createSlateReward,
  conditionalSlateScore,
  defineReward,
  labelsOf,
  outputRank,
  overlongFilterMask,
  parseBatch,
  parseSample,
  renderRerankCompletion,
  rewardName,
  rewardWhen,
  samplesFromSlates,
  targetIndexOf,
  type RerankSample,
  type Reward,
} from '../../src/rewards/index.js';

// A 10-candidate P1 slate; the target is pre-ranked 3rd.
const C = Array.from({ length: 10 }, (_, i) => renderSid([i, 2 * i, 3 * i, 200 - i]));
const TARGET = C[2]!;
const base: Omit<RerankSample, 'completion'> = { prompt: 'p', candidates: C, relevance: { [TARGET]: 1 } };
const at = (order: number[]): RerankSample => ({ ...base, completion: renderRerankCompletion(order.map((i) => C[i]!)) });
const identity = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const promoted = [2, 0, 1, 3, 4, 5, 6, 7, 8, 9]; // target 3 → 1
const demoted = [0, 1, 3, 4, 5, 6, 7, 8, 9, 2]; // target 3 → 10
const invalid: RerankSample = { ...base, completion: renderRerankCompletion([C[2]!, C[2]!, ...C.slice(3)]) };
const noTarget: RerankSample = { prompt: '', completion: '', candidates: C, relevance: {} };

describe('P1 batch rewards', () => {
  it('format Ω: 1 for a permutation of the candidates, else 0', () => {
    const r = createFormatReward();
    expect(r.name).toBe('format');
    expect(r([at(identity), at(promoted), invalid, { ...base, completion: 'prose' }])).toEqual([1, 1, 0, 0]);
  });
  it('rank promotion, naive and conditional rewards on the same outputs', () => {
    const samples = [at(identity), at(promoted), at(demoted), invalid, noTarget];
    const rank = createRankPromotionReward()(samples);
    expect(rank.slice(0, 2)).toEqual([0, 0.2]);
    expect(rank[2]).toBeCloseTo(-0.7, 12);
    expect(rank.slice(3)).toEqual([-1, null]); // invalid → −1; no target → not applicable
    const naive = createNaiveReward()(samples);
    expect(naive[0]).toBeCloseTo(0.2, 12); // copying the input is paid α
    expect(naive[1]).toBeCloseTo(0.4, 12);
    expect(naive[2]).toBeCloseTo(-0.5, 12);
    const cond = createConditionalReward()(samples);
    expect(cond[0]).toBe(0); // copying is not paid
    expect(cond[1]).toBeCloseTo(0.4, 12); // §11: 3 → 1 with α = 0.2
    expect(cond[2]).toBeCloseTo(-0.7, 12);
    expect(cond.slice(3)).toEqual([-1, null]);
    expect(createConditionalReward().name).toBe('conditional_verifiable');
    expect(createNaiveReward().name).toBe('naive_rank_format');
  });
  it('passes parser options through (key names, reasoning-free variant)', () => {
    const s: RerankSample = { ...base, completion: JSON.stringify({ ranking: promoted.map((i) => C[i]) }) };
    expect(createConditionalReward()([s])).toEqual([-1]);
    expect(createConditionalReward({ parse: { rankingKey: 'ranking' } })([s])).toEqual([-1]); // no reasoning
    expect(createConditionalReward({ reasoningFree: true, parse: { rankingKey: 'ranking' } })([s])[0]).toBeCloseTo(0.4, 12);
    expect(createFormatReward({ parse: { rankingKey: 'ranking', requireReasoning: false } })([s])).toEqual([1]);
  });
  it("Ω defaults to the paper's: JSON with a non-empty reasoning field and a permutation of SIDs", () => {
    const ids = promoted.map((i) => C[i]!);
    const nums = promoted.map((i) => i + 1);
    const outputs: [string, string][] = [
      ['no explanation', JSON.stringify({ recommendations: ids })],
      ['empty explanation', JSON.stringify({ explanation: '  ', recommendations: ids })],
      ['bare list', JSON.stringify(ids)],
      ['RankGPT chain', nums.map((n) => `[${n}]`).join(' > ')],
      ['numeric indices', JSON.stringify({ explanation: 'e', recommendations: nums })],
      ['surrounding prose', `Sure! ${JSON.stringify({ explanation: 'e', recommendations: ids })} Hope this helps.`],
      ['titles in entries', JSON.stringify({ explanation: 'e', recommendations: ids.map((c) => `${c} (lip balm)`) })],
      ['reasoning only in a <think> block', `<think>${C[2]} first</think>` + JSON.stringify({ recommendations: ids })],
    ];
    const format = createFormatReward();
    const cond = createConditionalReward();
    for (const [what, completion] of outputs) {
      expect(format([{ ...base, completion }]), what).toEqual([0]);
      expect(cond([{ ...base, completion }]), what).toEqual([-1]);
    }
    // what the paper's Ω pays: reasoning + SIDs (a <think> block and a code fence are fine)
    const good = JSON.stringify({ explanation: `${C[2]} completes the routine`, recommendations: ids });
    expect(format([{ ...base, completion: good }, { ...base, completion: '<think>t</think>```json\n' + good + '\n```' }])).toEqual([1, 1]);
    // TR §9.4 reasoning-free variant: explicit
    const free = createFormatReward({ reasoningFree: true });
    expect(free([{ ...base, completion: outputs[0]![1] }, { ...base, completion: outputs[2]![1] }])).toEqual([1, 1]);
    expect(free([{ ...base, completion: outputs[3]![1] }, { ...base, completion: outputs[4]![1] }])).toEqual([0, 0]);
    // our looser variants are opt-in parser options
    const loose = createFormatReward({ parse: { formats: ['json', 'rankgpt'], allowIndices: true, requireReasoning: false, allowExtraText: true } });
    expect(loose(outputs.slice(0, 6).map(([, completion]) => ({ ...base, completion })))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(() => createFormatReward({ reasoningFree: 'yes' as unknown as boolean })).toThrow(/'options.reasoningFree'/);
  });
  it('uses sample.target over relevance, and the highest grade otherwise', () => {
    expect(targetIndexOf({ ...base, completion: '', target: C[5] })).toBe(5);
    expect(targetIndexOf({ ...base, completion: '', relevance: { [C[4]!]: 1, [C[6]!]: 2, [C[7]!]: 2 } })).toBe(6);
    expect(targetIndexOf(noTarget)).toBe(-1);
    expect(labelsOf({ ...base, completion: '' })).toEqual([0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
  });
  it('grades are the own properties of relevance: inherited names are not grades, undefined is 0, duplicates share', () => {
    const s = { prompt: '', completion: '', candidates: ['constructor', 'toString', 'x', 'x'], relevance: { x: 2, y: Number.NaN } };
    expect(labelsOf(s)).toEqual([0, 0, 2, 2]); // a non-candidate key may hold anything
    expect(targetIndexOf(s)).toBe(2);
    expect(labelsOf({ ...s, relevance: { x: undefined as unknown as number, toString: 3 } })).toEqual([0, 3, 0, 0]);
    expect(labelsOf({ ...s, relevance: Object.assign(Object.create(null), { constructor: 1 }) })).toEqual([1, 0, 0, 0]);
    expect(() => labelsOf({ ...s, relevance: { x: Number.POSITIVE_INFINITY } })).toThrow(/labelsOf: 'sample\.relevance\["x"\]' must be a finite number/);
    expect(() => targetIndexOf({ ...s, relevance: { toString: 'high' as unknown as number } })).toThrow(/'sample\.relevance\["toString"\]'/);
  });
  it('labelsOf equals the own-property lookup per candidate (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'constructor', 'valueOf'), { minLength: 1, maxLength: 8 }),
        fc.dictionary(fc.constantFrom('a', 'b', 'c', 'e', 'valueOf'), fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant(undefined))),
        (candidates, relevance) => {
          const s = { prompt: '', completion: '', candidates, relevance: relevance as Record<string, number> };
          const want = candidates.map((c) => (Object.hasOwn(relevance, c) ? (relevance[c] ?? 0) : 0));
          expect(labelsOf(s)).toEqual(want);
          const best = want.reduce((b, v, i) => (v > (b < 0 ? 0 : want[b]!) ? i : b), -1);
          expect(targetIndexOf(s)).toBe(best);
        },
      ),
      { numRuns: 300, seed: 8 },
    );
  });
  it('parses each sample once per option set (cache)', () => {
    const s = at(promoted);
    expect(parseSample(s)).toBe(parseSample(s));
    const batch = [at(promoted), at(identity)];
    expect(parseBatch(batch)).toBe(parseBatch(batch));
  });
  it('the parse caches never serve a stale parse: a batch array refilled in place, a mutated sample or options object', () => {
    const cond = createConditionalReward();
    const format = createFormatReward();
    const batch: RerankSample[] = [at(promoted), at(identity)];
    expect(cond(batch)[0]).toBeCloseTo(0.4, 12);
    batch[0] = invalid; // a trainer reusing one array for the next step's rollouts
    expect(cond(batch)).toEqual([-1, 0]);
    expect(format(batch)).toEqual([0, 1]);
    const s = { ...at(promoted) } as { -readonly [K in keyof RerankSample]: RerankSample[K] };
    expect(parseSample(s).valid).toBe(true);
    s.completion = 'prose only';
    expect(parseSample(s).valid).toBe(false);
    expect(cond([s])).toEqual([-1]);
    const parse: { rankingKey?: string } = { rankingKey: 'ranking' };
    const keyed: RerankSample = { ...base, completion: JSON.stringify({ explanation: 'e', ranking: promoted.map((i) => C[i]) }) };
    expect(parseSample(keyed, { parse }).valid).toBe(true);
    parse.rankingKey = 'recommendations';
    expect(parseSample(keyed, { parse }).valid).toBe(false);
    const opts: { alpha?: number } = { alpha: 0.2 };
    expect(conditionalScore(3, outputRank(promoted, 2, 10), 10, opts)).toBeCloseTo(0.4, 12);
    opts.alpha = 0.5;
    expect(conditionalScore(3, outputRank(promoted, 2, 10), 10, opts)).toBeCloseTo(0.7, 12);
  });
  it('a candidates array mutated in place is parsed again (parseSample, parseBatch and the rewards)', () => {
    const cands = C.slice();
    const s: RerankSample = { ...base, candidates: cands, completion: renderRerankCompletion(promoted.map((i) => C[i]!)) };
    const cond = createConditionalReward();
    const batch = [s];
    expect(parseSample(s).valid).toBe(true);
    expect(parseBatch(batch)[0]!.valid).toBe(true);
    expect(cond(batch)[0]).toBeCloseTo(0.4, 12);
    // swap two candidates in place: the same completion now promotes the target from rank 2, not 3
    [cands[1], cands[2]] = [cands[2]!, cands[1]!];
    expect(parseSample(s).order).toEqual([1, 0, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(parseBatch(batch)[0]!.order).toEqual([1, 0, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(cond(batch)[0]).toBeCloseTo(0.1 + 0.2, 12);
    // replace a candidate in place by an unrelated SID: the completion is no longer a permutation
    cands[9] = renderSid([99, 99, 99, 99]);
    expect(parseSample(s).valid).toBe(false);
    expect(cond(batch)).toEqual([-1]);
  });
});

describe('TR batch rewards', () => {
  const graded: Omit<RerankSample, 'completion'> = { prompt: '', candidates: C.slice(0, 5), relevance: { [C[0]!]: 2, [C[2]!]: 1 } };
  const s = (order: number[]): RerankSample => ({ ...graded, completion: renderRerankCompletion(order.map((i) => C[i]!)) });
  it('conditional slate reward: identity of an optimal-by-AUC input keeps its credit; non-optimal → α', () => {
    const r = createConditionalSlateReward();
    expect(r.name).toBe('conditional_slate_auc');
    const v = r([s([0, 1, 2, 3, 4]), s([2, 0, 1, 3, 4]), s([1, 0, 2, 3, 4])]);
    expect(v[0]).toBeCloseTo(0.2, 12); // identity, AUC 5/6 < 1 → α only
    expect(v[1]).toBeCloseTo(1.2, 12); // AUC 1 + α
    expect(v[2]).toBeCloseTo(4 / 6 + 0.2, 12);
    const nd = createConditionalSlateReward({ metric: 'ndcg' })([s([0, 2, 1, 3, 4]), s([0, 1, 2, 3, 4])]);
    expect(nd[0]).toBeCloseTo(1.2, 12);
    expect(nd[1]).toBeCloseTo(0.2, 12);
  });
  it('plain slate reward: Ω-gated metric without bonus or zeroing', () => {
    const v = createSlateReward()([s([0, 1, 2, 3, 4]), { ...graded, completion: 'nope' }]);
    expect(v[0]).toBeCloseTo(5 / 6, 12);
    expect(v[1]).toBe(0);
    expect(createSlateReward({ metric: 'ndcg' }).name).toBe('slate_ndcg');
  });
  it('AUC undefined (no negative or no positive): null for valid and invalid output, in the scorer and the factory alike', () => {
    const allPos = { prompt: '', candidates: C.slice(0, 2), relevance: { [C[0]!]: 1, [C[1]!]: 1 } };
    const noPos = { prompt: '', candidates: C.slice(0, 2), relevance: {} };
    const valid = renderRerankCompletion([C[1]!, C[0]!]);
    for (const slate of [allPos, noPos]) {
      for (const completion of [valid, 'not an answer']) {
        expect(createConditionalSlateReward()([{ ...slate, completion }])).toEqual([null]);
        expect(createSlateReward()([{ ...slate, completion }])).toEqual([null]);
      }
      const labels = labelsOf({ ...slate, completion: '' });
      expect(conditionalSlateScore([1, 0], labels)).toBeNull();
      expect(conditionalSlateScore(null, labels)).toBeNull();
      expect(conditionalSlateScore([0, 0], labels)).toBeNull();
    }
  });
  it('NDCG mode zeroes the identity only when R_AUC(identity) < 1 (TR Eq. 7), not when NDCG(identity) < 1', () => {
    // labels (1, 2, 0): both positives precede the negative, so R_AUC(identity) = 1 although NDCG(identity) < 1
    const slate = { prompt: '', candidates: C.slice(0, 3), relevance: { [C[0]!]: 1, [C[1]!]: 2 } };
    const ndcgIdentity = (1 + 3 / Math.log2(3)) / (3 + 1 / Math.log2(3)); // (2^1−1)/log2 2 + (2^2−1)/log2 3 over the ideal
    const r = createConditionalSlateReward({ metric: 'ndcg' })([{ ...slate, completion: renderRerankCompletion(C.slice(0, 3)) }]);
    expect(r[0]).toBeCloseTo(ndcgIdentity + 0.2, 12);
    expect(conditionalSlateScore([0, 1, 2], [1, 2, 0], { metric: 'ndcg' })).toBeCloseTo(ndcgIdentity + 0.2, 12);
    // labels (0, 2, 1): a negative precedes the positives → α only
    expect(conditionalSlateScore([0, 1, 2], [0, 2, 1], { metric: 'ndcg' })).toBeCloseTo(0.2, 12);
    // all positive (AUC undefined): the identity is not zeroed
    expect(conditionalSlateScore([0, 1], [1, 2], { metric: 'ndcg' })).toBeCloseTo((1 + 3 / Math.log2(3)) / (3 + 1 / Math.log2(3)) + 0.2, 12);
  });
});

describe('length and compressor rewards', () => {
  it('overlong penalty counts tokens: completionLength, else countTokens; never characters', () => {
    const r = createOverlongPenalty({ maxLength: 20480, cacheLength: 4096 });
    expect(r.name).toBe('overlong_penalty');
    expect(r([{ ...base, completion: '', completionLength: 18000 }])[0]).toBeCloseTo(-0.3945, 4);
    // an ordinary 1,200-character GR2 answer (~300 tokens) is not "overlong" under the 1024/256 token defaults
    const answer = renderRerankCompletion(C, { explanation: 'x'.repeat(1200 - renderRerankCompletion(C, { explanation: '' }).length) });
    expect(answer.length).toBe(1200);
    const noLength = { ...base, completion: answer };
    expect(() => createOverlongPenalty()([noLength])).toThrow(TypeError);
    expect(() => createOverlongPenalty()([noLength])).toThrow(/overlong_penalty: 'samples\[0\].completionLength' must be a token count/);
    const words = (t: string): number => t.split(/[\s"<>|_,]+/).filter(Boolean).length; // a stand-in tokenizer
    expect(words(answer)).toBeLessThan(768);
    expect(createOverlongPenalty({ countTokens: words })([noLength])).toEqual([0]);
    expect(createOverlongPenalty({ countTokens: () => 1024 - 128 })([noLength])).toEqual([-0.5]);
    expect(createOverlongPenalty({ countTokens: words })([{ ...noLength, completionLength: 2000 }])).toEqual([-1]);
    expect(() => createOverlongPenalty({ maxLength: 10, cacheLength: 20 })).toThrow(/'cacheLength'/);
    expect(() => createOverlongPenalty({ countTokens: 5 as unknown as () => number })).toThrow(/'options.countTokens'/);
  });
  it('overlongFilterMask (DAPO overlong filtering) zeroes the loss mask of truncated samples', () => {
    const m = overlongFilterMask([[1, 1, 0], [1, 1, 1], [1, 0, 0]], [false, true, false]);
    expect(m.shape).toEqual([3, 3]);
    expect(Array.from(m.data)).toEqual([1, 1, 0, 0, 0, 0, 1, 0, 0]);
    const flat = overlongFilterMask({ data: [1, 1, 1, 1], shape: [2, 2] }, [true, false]);
    expect(Array.from(flat.data)).toEqual([0, 0, 1, 1]);
    expect(() => overlongFilterMask([[1, 1]], [true, false])).toThrow(/'truncated' must be of length batch = 1/);
    expect(() => overlongFilterMask([[1, 1]], [1 as unknown as boolean])).toThrow(/'truncated\[0\]'/);
  });
  it('compressor reward over judged samples', () => {
    const v = createCompressorReward()([{ solvable: true, preservation: 6, quality: 9, originalLength: 1000, compressedLength: 180 }]);
    expect(v[0]).toBeCloseTo(0.83, 12);
  });
});

describe('combinators and the contract', () => {
  it('combineRewards: rank + 0.2·format equals the naive reward on valid output', async () => {
    const combined = combineRewards([createRankPromotionReward(), { reward: createFormatReward(), weight: 0.2 }]);
    expect(combined.name).toBe('combined');
    const samples = [at(identity), at(promoted), at(demoted)];
    const a = (await combined(samples)) as number[];
    const b = createNaiveReward()(samples) as number[];
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 12));
  });
  it('rewardWhen(): the P1 conditional reward built from parts', async () => {
    const promotedOrFirst = (s: RerankSample): boolean => {
      const p = parseSample(s);
      const t = targetIndexOf(s);
      if (!p.valid || p.order === null) return false;
      const out = p.order.indexOf(t) + 1;
      return out < t + 1 || (t === 0 && out === 1);
    };
    const built = combineRewards([createRankPromotionReward({ invalidReward: -1 }), { reward: rewardWhen(promotedOrFirst, createFormatReward()), weight: 0.2 }]);
    const samples = [at(identity), at(promoted), at(demoted), invalid];
    const a = (await built(samples)) as number[];
    const b = createConditionalReward()(samples) as number[];
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 12));
    expect(rewardWhen(() => true, createFormatReward()).name).toBe('when(format)');
  });
  it('nulls are skipped; all-null stays null; async terms make an async result', async () => {
    const nul = defineReward('nul', (s: readonly RerankSample[]) => s.map(() => null));
    const one = defineReward('one', async (s: readonly RerankSample[]) => s.map(() => 1));
    expect(await combineRewards([nul, nul])([at(identity)])).toEqual([null]);
    const mixed = combineRewards([nul, { reward: one, weight: 3 }]);
    const out = mixed([at(identity)]);
    expect(out).toBeInstanceOf(Promise);
    expect(await out).toEqual([3]);
    expect(await rewardWhen((_s, i) => i === 0, one, nul)([at(identity), at(identity)])).toEqual([1, null]);
  });
  it('rejects bad terms and contract violations with the reward name', async () => {
    expect(() => combineRewards([])).toThrow(/combineRewards: 'terms' must be non-empty/);
    expect(() => combineRewards([{ reward: createFormatReward(), weight: Infinity }])).toThrow(/'terms\[0\].weight'/);
    expect(() => combineRewards([42 as unknown as Reward])).toThrow(TypeError);
    expect(() => rewardWhen(1 as unknown as () => boolean, createFormatReward())).toThrow(/rewardWhen: 'when'/);
    const short = defineReward('rank_promotion', (s: readonly RerankSample[]) => s.slice(1).map(() => 0));
    await expect(assertRewardContract(short, [at(identity), at(identity), at(identity), at(identity)])).rejects.toThrow(
      /reward 'rank_promotion' returned 3 values for 4 samples/,
    );
    const nan = defineReward('bad', (s: readonly RerankSample[]) => s.map(() => NaN));
    await expect(assertRewardContract(nan, [at(identity)])).rejects.toBeInstanceOf(RewardContractError);
    expect(() => combineRewards([nan])([at(identity)])).toThrow(/reward 'bad' returned NaN for sample 0/);
    expect(await assertRewardContract(createConditionalReward(), [at(promoted)])).toEqual([expect.closeTo(0.4, 12)]);
    expect(rewardName(() => [])).toBe('reward');
  });
});

describe('every built-in reward returns a finite number for any completion (property)', () => {
  const graded = { prompt: '', candidates: C, relevance: { [C[2]!]: 2, [C[7]!]: 1 } };
  const rewards = [
    createFormatReward(),
    createRankPromotionReward(),
    createNaiveReward(),
    createConditionalReward(),
    createConditionalReward({ variant: 'loose' }),
    createSlateReward(),
    createSlateReward({ metric: 'ndcg' }),
    createConditionalSlateReward(),
    createConditionalSlateReward({ metric: 'ndcg', k: 5 }),
    createOverlongPenalty({ countTokens: (t) => t.length }),
  ];
  const completion = fc.oneof(
    fc.string({ maxLength: 400 }),
    fc.array(fc.constantFrom('{', '}', '[', ']', '"', ',', ':', '<think>', '</think>', 'recommendations', ' > ', '[2]', ...C), { maxLength: 30 }).map((a) => a.join('')),
    fc.array(fc.integer({ min: -1, max: 10 }), { maxLength: 12 }).map((ix) => renderRerankCompletion(ix.map((i) => C[i] ?? 'x'))),
  );
  it('holds for 300 random completions', () => {
    fc.assert(
      fc.property(completion, (text) => {
        for (const r of rewards) {
          const v = r([{ ...graded, completion: text }]);
          expect(v).toHaveLength(1);
          expect(typeof v[0] === 'number' && Number.isFinite(v[0])).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('samplesFromSlates and completions', () => {
  const slate = { user: 1, history: [3], candidates: [5, 9, 258], relevance: [0, 1, 0], target: 9, targetRank: 2, targetRetrieved: true };
  it('renders candidates as SIDs (base-256 by default) with relevance and target', () => {
    const [s] = samplesFromSlates([slate]);
    expect(s!.candidates).toEqual([renderSid([0, 0, 0, 5]), renderSid([0, 0, 0, 9]), renderSid([0, 0, 1, 2])]);
    expect(s!.relevance).toEqual({ [renderSid([0, 0, 0, 9])]: 1 });
    expect(s!.target).toBe(renderSid([0, 0, 0, 9]));
    expect(base256Sid(2 ** 32 - 1)).toEqual([255, 255, 255, 255]);
    expect(() => base256Sid(-1)).toThrow(/base256Sid: 'itemId'/);
  });
  it('takes a sidOf lookup (codes or strings) and completion/prompt makers', () => {
    const [s] = samplesFromSlates([slate], { sidOf: (id) => `item-${id}`, prompt: '', completion: (_sl, c) => renderRerankCompletion([...c].reverse()) });
    expect(s!.candidates).toEqual(['item-5', 'item-9', 'item-258']);
    expect(createRankPromotionReward()([s!])).toEqual([0]);
    expect(() => samplesFromSlates([slate], { sidOf: () => 'same' })).toThrow(/'slates\[0\].candidates'/);
    expect(() => samplesFromSlates('x' as unknown as [])).toThrow(TypeError);
  });
  it('renderRerankCompletion: reasoning-free variant, think block, key names', () => {
    expect(renderRerankCompletion(['A', 'B'], { explanation: null })).toBe('{"recommendations":["A","B"]}');
    expect(renderRerankCompletion(['A'], { think: 't', rankingKey: 'r', reasoningKey: 'e', explanation: 'x' })).toBe('<think>t</think>\n{"e":"x","r":["A"]}');
  });
});
