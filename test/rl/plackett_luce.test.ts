import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dapoLoss } from '../../src/rl/policy_loss.js';
import {
  LinearPlackettLuce,
  plackettLuceGreedy,
  plackettLuceLogProbs,
  plackettLuceScoreGrad,
  samplePlackettLuce,
} from '../../src/rl/plackett_luce.js';
import { Random } from '../../src/sampling/random.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/rl_plackett_luce.json', import.meta.url), 'utf8')) as {
  cases: { features: number[][]; weights: number[]; orders: number[][]; oldLogProbs: number[][]; advantages: number[]; expected: { logProbs: number[][]; loss: number; gradWeights: number[] } }[];
};

/** DAPO loss of a linear PL policy on fixed rollouts, and its gradient w.r.t. the weights by the chain rule. */
async function lossAndGrad(policy: LinearPlackettLuce, X: Float64Array, orders: number[][], old: number[][], adv: number[]) {
  const logProbs = orders.map((o) => Array.from(policy.logProbs(X, o)));
  const r = await dapoLoss({ logProbs, oldLogProbs: old, advantages: adv }, { backend: 'js' });
  const T = logProbs[0]!.length;
  const g = new Float64Array(policy.numFeatures);
  orders.forEach((o, b) => policy.backward(X, o, r.grad.subarray(b * T, (b + 1) * T), g));
  return { loss: r.loss, grad: g, logProbs };
}

describe('Plackett–Luce vs torch autograd (fixtures)', () => {
  for (const [i, c] of fixture.cases.entries()) {
    it(`case ${i}: K=${c.features.length}, F=${c.weights.length}, G=${c.orders.length}`, async () => {
      const X = Float64Array.from(c.features.flat());
      const policy = new LinearPlackettLuce(c.weights.length, { weights: c.weights });
      const { loss, grad, logProbs } = await lossAndGrad(policy, X, c.orders, c.oldLogProbs, c.advantages);
      logProbs.flat().forEach((v, j) => expect(Math.abs(v - c.expected.logProbs.flat()[j]!)).toBeLessThan(1e-12));
      expect(Math.abs(loss - c.expected.loss)).toBeLessThan(1e-12);
      c.expected.gradWeights.forEach((v, f) => expect(Math.abs(grad[f]! - v)).toBeLessThan(1e-12));
    });
  }
});

describe('Plackett–Luce chain rule', () => {
  it('∂(DAPO loss)/∂w by hand matches central finite differences', async () => {
    const rng = new Random(17);
    const K = 8;
    const F = 5;
    const X = Float64Array.from({ length: K * F }, () => rng.gauss());
    const w0 = Array.from({ length: F }, () => 0.5 * rng.gauss());
    const policy = new LinearPlackettLuce(F, { weights: w0, temperature: 0.7 });
    const orders = Array.from({ length: 6 }, (_, j) => Array.from(policy.sample(X, new Random(j)).order));
    const old = orders.map((o) => Array.from(policy.logProbs(X, o)).map((v) => v + 0.4 * rng.gauss()));
    const adv = orders.map(() => rng.gauss());
    const { grad } = await lossAndGrad(policy, X, orders, old, adv);
    const h = 1e-6;
    for (let f = 0; f < F; f++) {
      const at = async (d: number) => {
        const p = new LinearPlackettLuce(F, { weights: w0.map((v, j) => (j === f ? v + d : v)), temperature: 0.7 });
        return (await lossAndGrad(p, X, orders, old, adv)).loss;
      };
      const fd = ((await at(h)) - (await at(-h))) / (2 * h);
      expect(Math.abs(fd - grad[f]!)).toBeLessThan(1e-7);
    }
    expect(grad.some((v) => Math.abs(v) > 1e-3)).toBe(true);
  });

  it('score gradient of Σ_t log π_t matches finite differences', () => {
    const s = [0.3, -1.2, 2, 0.1];
    const o = [2, 0, 3, 1];
    const g = [0.7, -0.2, 1.5];
    const f = (sc: number[]) => plackettLuceLogProbs(sc, o, { temperature: 1.3 }).reduce((a, v, t) => a + g[t]! * v, 0);
    const an = plackettLuceScoreGrad(s, o, g, { temperature: 1.3 });
    for (let j = 0; j < 4; j++) {
      const p = [...s];
      const m = [...s];
      p[j] += 1e-6;
      m[j] -= 1e-6;
      expect(Math.abs((f(p) - f(m)) / 2e-6 - an[j]!)).toBeLessThan(1e-8);
    }
  });
});

describe('Plackett–Luce sampling and log-probs', () => {
  it('log-probs: hand-worked values, and the K! rankings sum to probability 1', () => {
    const lp = plackettLuceLogProbs([0, 0, 0], [2, 0, 1]);
    expect(lp[0]).toBeCloseTo(-Math.log(3), 15);
    expect(lp[1]).toBeCloseTo(-Math.log(2), 15);
    const s = [1.5, -0.3, 0.2, 0.9];
    const perms: number[][] = [];
    const rec = (p: number[], rest: number[]) => (rest.length === 0 ? perms.push(p) : rest.forEach((r) => rec([...p, r], rest.filter((x) => x !== r))));
    rec([], [0, 1, 2, 3]);
    const total = perms.reduce((a, p) => a + Math.exp(plackettLuceLogProbs(s, p).reduce((x, y) => x + y, 0)), 0);
    expect(total).toBeCloseTo(1, 12);
  });
  it('Gumbel-max sampling reproduces the sequential-softmax distribution (K = 3, 30k draws)', () => {
    const s = [1, 0, -0.5];
    const rng = new Random(2024);
    const counts = new Map<string, number>();
    const N = 30000;
    for (let i = 0; i < N; i++) {
      const { order } = samplePlackettLuce(s, { random: rng });
      const key = Array.from(order).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [key, c] of counts) {
      const p = Math.exp(plackettLuceLogProbs(s, key.split('').map(Number)).reduce((a, b) => a + b, 0));
      const se = Math.sqrt((p * (1 - p)) / N);
      expect(Math.abs(c / N - p)).toBeLessThan(5 * se);
    }
    expect(counts.size).toBe(6);
  });
  it('returned log-probs are those of the returned order; seeded sampling is reproducible', () => {
    const s = [0.2, 1.1, -0.4, 0.8, 0];
    const a = samplePlackettLuce(s, { random: 5, temperature: 0.5 });
    const b = samplePlackettLuce(s, { random: 5, temperature: 0.5 });
    expect(Array.from(a.order)).toEqual(Array.from(b.order));
    expect(Array.from(a.logProbs)).toEqual(Array.from(plackettLuceLogProbs(s, a.order, { temperature: 0.5 })));
    expect(Array.from(plackettLuceGreedy([0.1, 0.5, 0.1]))).toEqual([1, 0, 2]);
  });
  it('bad input: class and argument name', () => {
    const bad = (f: () => unknown, cls: new (...a: never[]) => Error, re: RegExp) => {
      expect(f).toThrow(cls);
      expect(f).toThrow(re);
    };
    bad(() => plackettLuceLogProbs([0, 1], [0, 0]), RangeError, /'order' must be a permutation of 0..1/);
    bad(() => plackettLuceLogProbs([0, NaN], [0, 1]), RangeError, /'scores\[1\]'/);
    bad(() => plackettLuceLogProbs([0, 1], [0, 1], { steps: 2 }), RangeError, /'steps'/);
    bad(() => samplePlackettLuce([0, 1], { temperature: 0 }), RangeError, /'temperature'/);
    bad(() => new LinearPlackettLuce(2, { weights: [1] }), RangeError, /'weights'/);
    bad(() => new LinearPlackettLuce(2).scores([1, 2, 3]), RangeError, /'features'/);
    bad(() => plackettLuceScoreGrad([0, 1, 2], [0, 1, 2], [1, 1, 1]), RangeError, /'gradLogProbs'/);
    bad(() => plackettLuceLogProbs('x' as never, [0]), TypeError, /'scores'/);
    bad(() => plackettLuceLogProbs([0, 1], 'x' as never), TypeError, /'order'/);
  });
});
