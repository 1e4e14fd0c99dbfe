import { describe, expect, it } from 'vitest';
import { combineRewards, createConditionalReward, defineReward, type RerankSample, type Reward } from '../../src/rewards/index.js';

// Compile-time contract of the Reward protocol (checked by `tsc --noEmit`, which covers test/), plus a runtime check.
type WithCategory = RerankSample & { readonly category: string };

const byCategory: Reward<WithCategory> = (samples) => samples.map((s) => (s.category === 'beauty' ? 1 : 0));

// @ts-expect-error a plain RerankSample has no 'category' field: widening S is how custom fields are typed
const wrong: Reward<RerankSample> = (samples) => samples.map((s) => (s.category === 'beauty' ? 1 : 0));

// @ts-expect-error a reward returns numbers or null, not strings
const notNumbers: Reward = (samples) => samples.map(() => 'high');

// A reward over the base sample also scores widened samples (parameter contravariance).
const combined: Reward<WithCategory> = combineRewards<WithCategory>([byCategory, { reward: createConditionalReward(), weight: 0.5 }]);

describe('Reward typing', () => {
  it('a widened reward reads its custom field; built-ins combine with it', async () => {
    void wrong;
    void notNumbers;
    const s: WithCategory = { prompt: '', completion: '', candidates: ['a', 'b'], relevance: { b: 1 }, category: 'beauty' };
    expect(await byCategory([s])).toEqual([1]);
    expect(await combined([s])).toEqual([1 + 0.5 * -1]); // empty completion is invalid: conditional gives −1
    expect(defineReward('x', byCategory).name).toBe('x');
  });
});
