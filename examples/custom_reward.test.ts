/**
 * How a user tests their own GR2 reward: direct calls with one fixture per case (each with a comment saying why it
 * scores that way), then the reward-hacking helpers of gr2/rewards on real Amazon Beauty slates.
 *
 * Run: npx vitest run examples/custom_reward.test.ts
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  assertRewardContract,
  buildSlates,
  defineReward,
  expectInvalidBelowValid,
  expectMonotoneInTargetRank,
  expectNoOrderCopyingHack,
  loadBeauty,
  parseSample,
  renderRerankCompletion,
  renderSid,
  targetIndexOf,
  type RerankSample,
  type RewardValue,
  type Slate,
} from 'gr2';

/**
 * A custom reward: reciprocal rank of the target in the output minus its reciprocal rank in the input, plus a
 * format bonus of 0.1 only when the target moved up; −1 for invalid output; null when the sample has no target.
 */
const reciprocalGain = defineReward('reciprocal_gain', (samples: readonly RerankSample[]): RewardValue[] =>
  samples.map((s) => {
    const t = targetIndexOf(s);
    if (t < 0) return null;
    const parsed = parseSample(s); // the library's own strict parser: Ω and the permutation
    if (!parsed.valid || parsed.order === null) return -1;
    const out = parsed.order.indexOf(t) + 1;
    const gain = 1 / out - 1 / (t + 1);
    return gain + (out < t + 1 ? 0.1 : 0);
  }),
);

/** The same idea with a bug: the format bonus is paid on every valid output (GR2's naive combination). */
const buggy = defineReward('reciprocal_gain_buggy', (samples: readonly RerankSample[]): RewardValue[] =>
  samples.map((s) => {
    const t = targetIndexOf(s);
    const parsed = parseSample(s);
    if (t < 0) return null;
    if (!parsed.valid || parsed.order === null) return -1;
    return 1 / (parsed.order.indexOf(t) + 1) - 1 / (t + 1) + 0.1;
  }),
);

const C = ['A', 'B', 'C', 'D'].map((_, i) => renderSid([i, i, i, i]));
const sample = (ranking: string[]): RerankSample => ({
  prompt: '',
  completion: renderRerankCompletion(ranking),
  candidates: C,
  relevance: { [C[2]!]: 1 }, // the target is pre-ranked 3rd
});

describe('reciprocal_gain: unit fixtures', () => {
  it('scores each case as designed', async () => {
    const values = await assertRewardContract(reciprocalGain, [
      sample([C[2]!, C[0]!, C[1]!, C[3]!]), // promoted 3 → 1: 1 − 1/3 + 0.1
      sample([C[0]!, C[1]!, C[2]!, C[3]!]), // copies the input: no gain, no bonus
      sample([C[0]!, C[1]!, C[3]!, C[2]!]), // demoted 3 → 4: 1/4 − 1/3
      sample([C[2]!, C[2]!, C[1]!, C[3]!]), // duplicate: invalid
      { ...sample([]), relevance: {} }, // no target: not applicable
    ]);
    expect(values[0]).toBeCloseTo(1 - 1 / 3 + 0.1, 12);
    expect(values[1]).toBe(0);
    expect(values[2]).toBeCloseTo(1 / 4 - 1 / 3, 12);
    expect(values.slice(3)).toEqual([-1, null]);
  });
});

describe('reward-hacking checks on real Beauty slates', () => {
  let slates: Slate[] = [];
  beforeAll(async () => {
    slates = buildSlates((await loadBeauty()).sequences.slice(0, 2000)).slates;
  });
  it('the reward does not pay for copying the input order', async () => {
    await expectNoOrderCopyingHack(reciprocalGain, slates, { maxSlates: 100 });
  });
  it('the reward never prefers a worse rank for the target', async () => {
    await expectMonotoneInTargetRank(reciprocalGain, slates, { maxSlates: 100 });
  });
  it('invalid output scores below every valid permutation', async () => {
    await expectInvalidBelowValid(reciprocalGain, slates, { maxSlates: 100 });
  });
  it('the buggy variant is caught, with the offending strategy and numbers in the message', async () => {
    await expect(expectNoOrderCopyingHack(buggy, slates, { maxSlates: 100 })).rejects.toThrow(
      /reward 'reciprocal_gain_buggy': copying the input order earns positive reward: strategy copy_input has mean 0\.1000/,
    );
  });
});
