import { beforeAll, describe, expect, it } from 'vitest';
import { buildSlates, loadBeauty } from '../../src/data/index.js';
import type { Slate } from '../../src/data/types.js';
import { parseRerankOutput } from '../../src/prompt/index.js';
import {
  RewardAssertionError,
  auditReward,
  createConditionalReward,
  createConditionalSlateReward,
  createNaiveReward,
  createRankPromotionReward,
  createSlateReward,
  defineReward,
  expectInvalidBelowValid,
  expectMonotoneInTargetRank,
  expectNoOrderCopyingHack,
  formatAuditReport,
  targetIndexOf,
  type RerankSample,
} from '../../src/rewards/index.js';

// Real Amazon Beauty slates (first 3000 users keep the test fast): P1 single-target and TR multi-positive.
let single: Slate[] = [];
let multi: Slate[] = [];
const opts = { maxSlates: 150 } as const;

beforeAll(async () => {
  const { sequences } = await loadBeauty();
  const users = sequences.slice(0, 3000);
  single = buildSlates(users).slates;
  multi = buildSlates(users, { multiPositive: true }).slates;
});

describe('auditReward on real Beauty slates', () => {
  it('flags the naive reward R_rank + α·Ω for order copying; the conditional reward passes', async () => {
    const naive = await auditReward(createNaiveReward(), single, opts);
    expect(naive.passed.order_copying).toBe(false);
    expect(naive.copyMeanOnNonOptimal).toBeCloseTo(0.2, 12); // R_rank = 0 with certainty, +α
    expect(naive.findings.find((f) => f.check === 'order_copying')?.message).toMatch(/copy_input has mean 0\.2000/);
    const cond = await auditReward(createConditionalReward(), single, opts);
    expect(cond.passed.order_copying).toBe(true);
    expect(cond.copyMeanOnNonOptimal).toBe(0);
    expect(cond.passed.invalid_above_valid).toBe(true);
    expect(cond.passed.not_monotone).toBe(true);
    expect(cond.passed.reasoning_dropped).toBe(true);
    // Rank promotion is relative to the input position by design: a warning, not an error.
    expect(cond.passed.position_dependent).toBe(false);
    expect(cond.findings.find((f) => f.check === 'position_dependent')?.severity).toBe('warning');
  });
  it('reports a table with every strategy and a decreasing rank curve for the conditional reward', async () => {
    const r = await auditReward(createConditionalReward(), single, opts);
    expect(r.slates).toBe(150);
    expect(r.table.map((x) => x.strategy)).toEqual([
      'copy_input', 'reverse', 'random', 'oracle', 'target_demoted',
      'duplicates', 'missing_item', 'out_of_set_sid', 'invalid_target_first', 'truncated_json', 'empty', 'prose_only',
      'reasoning_dropped',
    ]);
    const row = (s: string) => r.table.find((x) => x.strategy === s)!;
    expect(row('random').n).toBe(4 * 150);
    expect(row('oracle').bestRate).toBe(1);
    expect(row('oracle').shareOfMax).toBe(1);
    for (const s of ['duplicates', 'missing_item', 'out_of_set_sid', 'invalid_target_first', 'truncated_json', 'empty', 'prose_only', 'reasoning_dropped']) {
      expect(row(s).mean).toBe(-1);
      expect(row(s).kind).toBe('invalid');
    }
    const K = 10;
    const used = r.table[0]!.n;
    expect(used).toBe(150);
    for (let i = 1; i < r.rankCurve.length; i++) expect(r.rankCurve[i]!.mean).toBeLessThan(r.rankCurve[i - 1]!.mean);
    expect(r.rankCurve).toHaveLength(K);
    expect(formatAuditReport(r)).toMatch(/\| oracle \| valid \| 150 \|/);
  });
  it('strategy means and the rank curve equal an independent recomputation from the slates\' target ranks (§6.3)', async () => {
    // exactly maxSlates slates, so the audit uses all of them (no subsampling) and the means can be recomputed
    const slates = single.slice(0, 150);
    const r = await auditReward(createConditionalReward(), slates, opts);
    const K = 10;
    const alpha = 0.2;
    // P1 conditional reward, strict reading, written from the digest: R_rank + α if R_rank > 0 or (r^D = 1 ∧ r^o = 1)
    const ref = (pre: number, out: number) => (pre - out) / K + ((pre - out) / K > 0 || (pre === 1 && out === 1) ? alpha : 0);
    const pres = slates.map((sl) => sl.targetRank!);
    const mean = (f: (pre: number) => number) => pres.reduce((a, p) => a + f(p), 0) / pres.length;
    const row = (s: string) => r.table.find((x) => x.strategy === s)!;
    expect(row('copy_input').mean).toBeCloseTo(mean((p) => ref(p, p)), 12);
    expect(row('oracle').mean).toBeCloseTo(mean((p) => ref(p, 1)), 12);
    expect(row('target_demoted').mean).toBeCloseTo(mean((p) => ref(p, K)), 12);
    expect(row('reverse').mean).toBeCloseTo(mean((p) => ref(p, K + 1 - p)), 12);
    for (const { rank, mean: m, n } of r.rankCurve) {
      expect(n).toBe(150);
      expect(m).toBeCloseTo(mean((p) => ref(p, rank)), 12);
    }
    expect(r.nonOptimalSlates).toBe(pres.filter((p) => p !== 1).length);
  });
  it('TR conditional reward: no copy credit beyond α, but identity zeroing makes it non-monotone in the target rank', async () => {
    const tr = await auditReward(createConditionalSlateReward(), multi, { ...opts, neutralReward: 0.2 });
    expect(tr.passed.order_copying).toBe(true);
    expect(tr.passed.invalid_above_valid).toBe(true);
    expect(tr.passed.not_monotone).toBe(false); // the identity point earns only α, its neighbours AUC + α
    expect(tr.positionSensitivity).toBe(0); // AUC depends on identity only
    expect(tr.passed.position_dependent).toBe(true);
    // Without identity zeroing, copying harvests the input's AUC for free.
    const ungated = await auditReward(createSlateReward({ alpha: 0.2 }), multi, { ...opts, neutralReward: 0.2 });
    expect(ungated.passed.order_copying).toBe(false);
    expect(ungated.copyMeanOnNonOptimal!).toBeGreaterThan(0.5);
  });
  it('catches a partial-parse hack: a lenient rank reward pays invalid output', async () => {
    const hacky = defineReward('lenient_rank', (samples: readonly RerankSample[]) =>
      samples.map((s) => {
        const p = parseRerankOutput(s.completion, s.candidates, { mode: 'lenient' });
        const t = targetIndexOf(s);
        return (t + 1 - (p.order.indexOf(t) + 1)) / s.candidates.length;
      }),
    );
    const r = await auditReward(hacky, single, opts);
    expect(r.passed.invalid_above_valid).toBe(false);
    expect(r.findings.find((f) => f.check === 'invalid_above_valid')?.message).toMatch(/invalid_target_first|truncated_json|duplicates/);
  });
  it('flags a reward that pays a policy for dropping its reasoning (old loose Ω); the paper-default rewards do not', async () => {
    // the parser options that were the rewards' defaults before Ω followed the paper
    const oldDefaults = { parse: { requireReasoning: false, formats: ['json', 'rankgpt'], allowIndices: true, allowExtraText: true } } as const;
    const only = { ...opts, checks: ['reasoning_dropped'] } as const;
    for (const [reward, data] of [
      [createConditionalReward(oldDefaults), single],
      [createRankPromotionReward(oldDefaults), single],
      [createConditionalSlateReward(oldDefaults), multi],
    ] as const) {
      const r = await auditReward(reward, data, only);
      expect(r.passed.reasoning_dropped, r.reward).toBe(false);
      const f = r.findings.find((x) => x.check === 'reasoning_dropped')!;
      expect(f.severity).toBe('error');
      expect(f.message).toMatch(/an answer without reasoning is paid: strategy reasoning_dropped/);
      expect(f.details.slates).toBeGreaterThan(0);
    }
    // the defaults (paper's Ω) pay a reasoning-dropping answer exactly as an empty one
    for (const [reward, data] of [
      [createConditionalReward(), single],
      [createNaiveReward(), single],
      [createConditionalSlateReward(), multi],
    ] as const) {
      const r = await auditReward(reward, data, only);
      expect(r.passed.reasoning_dropped, r.reward).toBe(true);
      expect(r.table.find((x) => x.strategy === 'reasoning_dropped')!.mean).toBe(r.table.find((x) => x.strategy === 'empty')!.mean);
    }
    // the reasoning-free variant (TR §9.4) pays it on purpose: flagged, so audit it without this check
    const free = await auditReward(createConditionalReward({ reasoningFree: true }), single, only);
    expect(free.passed.reasoning_dropped).toBe(false);
  });
  it('runs only the requested checks', async () => {
    const r = await auditReward(createRankPromotionReward(), single, { ...opts, checks: ['order_copying'] });
    expect(r.table.map((x) => x.strategy)).toEqual(['copy_input', 'reverse', 'random', 'oracle', 'target_demoted']);
    expect(r.rankCurve).toEqual([]);
    expect(r.positionSensitivity).toBeNull();
    expect(r.passed).toEqual({ order_copying: true, invalid_above_valid: null, not_monotone: null, position_dependent: null, reasoning_dropped: null });
  });
  it('validates its arguments', async () => {
    await expect(auditReward(42 as unknown as Parameters<typeof auditReward>[0], single)).rejects.toThrow(/auditReward: 'reward'/);
    await expect(auditReward(createNaiveReward(), 'x' as unknown as Slate[])).rejects.toThrow(TypeError);
    await expect(auditReward(createNaiveReward(), [])).rejects.toThrow(/auditReward: 'data'/);
    await expect(auditReward(createNaiveReward(), single, { maxSlates: 0 })).rejects.toThrow(/'options.maxSlates'/);
    await expect(auditReward(createNaiveReward(), single, { checks: ['x' as 'not_monotone'] })).rejects.toThrow(/'options.checks'/);
  });
});

describe('test helpers', () => {
  it('expectNoOrderCopyingHack throws an AssertionError with the strategy and numbers', async () => {
    const err = await expectNoOrderCopyingHack(createNaiveReward(), single, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RewardAssertionError);
    expect((err as Error).name).toBe('AssertionError');
    expect((err as Error).message).toMatch(/^expectNoOrderCopyingHack: reward 'naive_rank_format': .*copy_input has mean 0\.2000/);
    expect((err as RewardAssertionError).report.passed.order_copying).toBe(false);
    await expect(expectNoOrderCopyingHack(createConditionalReward(), single, opts)).resolves.toBeDefined();
  });
  it('expectMonotoneInTargetRank and expectInvalidBelowValid pass the conditional reward and catch violations', async () => {
    await expect(expectMonotoneInTargetRank(createConditionalReward(), single, opts)).resolves.toBeDefined();
    await expect(expectInvalidBelowValid(createConditionalReward(), single, opts)).resolves.toBeDefined();
    await expect(expectMonotoneInTargetRank(createConditionalSlateReward(), multi, opts)).rejects.toThrow(
      /expectMonotoneInTargetRank: reward 'conditional_slate_auc': the reward is not monotone .*rank \d+ → /,
    );
    // Invalid output scored 0 while valid output can be negative: an invalid answer beats a bad ranking.
    await expect(expectInvalidBelowValid(createConditionalReward({ invalidReward: 0 }), single, opts)).rejects.toThrow(
      /an invalid output earns more than the worst valid one .* = 0\.0000 > \w+ = -0\.\d+/,
    );
  });
});
