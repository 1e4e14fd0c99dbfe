import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  conditionalOrderReward,
  evaluateListwise,
  trainListwise,
  type ListwiseExample,
} from '../../examples/dapo_listwise.js';
import { LinearPlackettLuce } from '../../src/rl/plackett_luce.js';
import { Random } from '../../src/sampling/random.js';

/**
 * A small synthetic slate set: K = 6 candidates, F = 3 features (a position prior that points at the wrong
 * item half the time, a noisy relevance signal, pure noise). The target sits at a random pre-rank position.
 */
function slates(n: number, seed: number): ListwiseExample[] {
  const rng = new Random(seed);
  const K = 6;
  const F = 3;
  return Array.from({ length: n }, () => {
    const target = rng.int(K);
    const x = new Float64Array(K * F);
    for (let i = 0; i < K; i++) {
      x[i * F] = -i / K; // position prior
      x[i * F + 1] = (i === target ? 1.2 : 0) + 0.6 * rng.gauss(); // relevance signal
      x[i * F + 2] = rng.gauss(); // noise
    }
    return { features: x, k: K, targetIndex: target };
  });
}

const dir = mkdtempSync(join(tmpdir(), 'gr2-listwise-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('DAPO listwise re-ranker (tiny)', () => {
  const train = slates(200, 1);
  const test = slates(200, 2);
  const init = [1, 0, 0];
  const opts = { groupSize: 6, batchGroups: 16, promptsPerRound: 24, steps: 40, learningRate: 0.1, initialWeights: init, seed: 7, loss: { backend: 'js' as const } };

  it('training improves the conditional reward and the held-out NDCG@5 over the initial (position-only) policy', async () => {
    const before = evaluateListwise(new LinearPlackettLuce(3, { weights: init }), test);
    const res = await trainListwise(train, conditionalOrderReward, 3, opts);
    const first = res.history.slice(0, 5).reduce((a, l) => a + l.meanReward, 0) / 5;
    const last = res.history.slice(-5).reduce((a, l) => a + l.meanReward, 0) / 5;
    expect(last).toBeGreaterThan(first + 0.05);
    const after = evaluateListwise(res.policy, test);
    const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(after.ndcg5)).toBeGreaterThan(mean(before.ndcg5) + 0.05);
    expect(res.policy.weights[1]).toBeGreaterThan(0.5); // it learned to use the relevance signal
    expect(res.sampling.generated).toBeGreaterThan(0);
    expect(before.identityRate).toBe(1); // position-only weights reproduce the input order
  });

  it('checkpoint/resume: 20 + 20 steps give the same weights as 40 straight', async () => {
    const path = join(dir, 'ck.json');
    const straight = await trainListwise(train, conditionalOrderReward, 3, opts);
    const a = await trainListwise(train, conditionalOrderReward, 3, { ...opts, steps: 20, checkpointPath: path, checkpointEvery: 5 });
    expect(a.stepsRun).toBe(20);
    const b = await trainListwise(train, conditionalOrderReward, 3, { ...opts, steps: 40, checkpointPath: path, resume: true });
    expect(b.stepsRun).toBe(20);
    expect(Array.from(b.policy.weights)).toEqual(Array.from(straight.policy.weights));
    expect(b.history.length).toBe(40);
    expect(b.sampling).toEqual(straight.sampling); // the filler totals survive the resume
    // a resume with another configuration or other data is refused, not silently mixed
    await expect(trainListwise(train, conditionalOrderReward, 3, { ...opts, learningRate: 0.01, steps: 50, checkpointPath: path, resume: true })).rejects.toThrow(
      /'checkpointPath' holds a checkpoint of a different run/,
    );
    await expect(trainListwise(train.slice(1), conditionalOrderReward, 3, { ...opts, steps: 50, checkpointPath: path, resume: true })).rejects.toThrow(RangeError);
  });
});
