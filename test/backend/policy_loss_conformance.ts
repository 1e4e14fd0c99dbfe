/**
 * The `policyLoss` part of the backend conformance suite: every registered policy loss (DAPO, dual clip,
 * per-token advantages, GRPO with KL, Dr.GRPO, OPD) on a backend against the `'js'` reference, in float64 and
 * float32, over several shapes (padding masks, log-ratios beyond the ±20 clamp, zero advantages) and a batch
 * that crosses the ONNX row-chunk boundary. Called by `describeConformance` for every backend.
 */
import { describe, expect, it } from 'vitest';
import type { TensorBackend } from '../../src/backend/index.js';
import { getPolicyLoss, type PolicyLossOptions } from '../../src/rl/policy_loss.js';
import { Random } from '../../src/sampling/random.js';

/** Random policy-loss inputs `[B, T]`: ragged masks, 5 % extreme log-ratios (±25), 20 % zero advantages. */
export function policyLossData(seed: number, B: number, T: number, spread: number) {
  const rng = new Random(seed);
  const logProbs = new Float64Array(B * T);
  const oldLogProbs = new Float64Array(B * T);
  const ref = new Float64Array(B * T);
  const mask = new Float64Array(B * T);
  const advTok = new Float64Array(B * T);
  const adv = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    const L = rng.int(T + 1);
    adv[b] = rng.random() < 0.2 ? 0 : rng.gauss();
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      oldLogProbs[i] = -4 * rng.random() - 0.01;
      logProbs[i] = oldLogProbs[i]! + spread * rng.gauss() + (rng.random() < 0.05 ? 25 * Math.sign(rng.gauss()) : 0);
      ref[i] = oldLogProbs[i]! + 0.5 * rng.gauss();
      mask[i] = t < L ? 1 : 0;
      advTok[i] = rng.gauss();
    }
  }
  return { logProbs, oldLogProbs, ref, mask, adv, advTok };
}

/**
 * Defines the policyLoss conformance cases for `backend()` against `reference()` (the js backend).
 * Both are read lazily, inside the tests, because they are initialised in a `beforeAll`.
 */
export function describePolicyLossConformance(
  backend: () => TensorBackend,
  reference: () => TensorBackend,
  rtol: number,
  atol: number,
): void {
  const close = (a: number, b: number, what: string, rt = rtol, at = atol): void => {
    if (a === b) return; // also ±Infinity (ratioMax of an empty mask)
    if (!(Math.abs(a - b) <= at + rt * Math.abs(b))) throw new Error(`${what}: backend ${a} vs js ${b}`);
  };
  describe(`policyLoss (vs the js reference, rtol ${rtol}, atol ${atol})`, () => {
    const variants: [string, PolicyLossOptions, { perToken?: boolean; ref?: 'refLogProbs' | 'teacherLogProbs' }][] = [
      ['dapo', {}, {}],
      ['dapo', { dualClip: 3 }, {}],
      ['dapo', { aggregation: 'seq-mean-token-mean', epsilonHigh: 0.5 }, { perToken: true }],
      ['grpo', { klCoef: 0.04, klEstimator: 'k3' }, { ref: 'refLogProbs' }],
      ['grpo', { klCoef: 0.1, klEstimator: 'k2', aggregation: 'seq-mean-token-sum' }, { ref: 'refLogProbs' }],
      ['dr-grpo', { normConstant: 64 }, {}],
      ['opd', { klEstimator: 'k1', klCoef: 0.5 }, { ref: 'teacherLogProbs' }],
    ];
    for (const dtype of ['float64', 'float32'] as const) {
      for (const [name, opts, how] of variants) {
        it(`${dtype} ${name} ${JSON.stringify(opts)}${how.perToken ? ' per-token advantages' : ''} on [5,7], [33,17], [1,1]`, async () => {
          for (const [seed, B, T] of [[1, 5, 7], [2, 33, 17], [3, 1, 1]] as const) {
            const d = policyLossData(seed, B, T, 0.5);
            const conv = (a: Float64Array) => (dtype === 'float32' ? Float32Array.from(a) : a);
            const inputs = {
              logProbs: { data: conv(d.logProbs), shape: [B, T] },
              oldLogProbs: { data: conv(d.oldLogProbs), shape: [B, T] },
              advantages: how.perToken ? { data: conv(d.advTok), shape: [B, T] } : conv(d.adv),
              mask: { data: conv(d.mask), shape: [B, T] },
              ...(how.ref ? { [how.ref]: { data: conv(d.ref), shape: [B, T] } } : {}),
            };
            const fn = getPolicyLoss(name);
            const a = await fn(inputs, { ...opts, dtype, backend: backend() });
            const b = await fn(inputs, { ...opts, dtype, backend: reference() });
            const where = `seed ${seed} [${B}, ${T}]`;
            close(a.loss, b.loss, `${where} loss`);
            expect(a.grad.constructor).toBe(b.grad.constructor);
            for (let i = 0; i < b.grad.length; i++) close(a.grad[i]!, b.grad[i]!, `${where} grad[${i}]`);
            for (const [k, v] of Object.entries(b.stats)) close((a.stats as unknown as Record<string, number>)[k]!, v, `${where} stats.${k}`);
          }
        });
      }
    }

    it('a large batch crosses the row-chunk boundary (1.2M tokens)', async () => {
      const B = 300;
      const T = 4000;
      const d = policyLossData(9, B, T, 0.3);
      const inputs = {
        logProbs: { data: Float32Array.from(d.logProbs), shape: [B, T] },
        oldLogProbs: { data: Float32Array.from(d.oldLogProbs), shape: [B, T] },
        advantages: Float32Array.from(d.adv),
        mask: { data: Float32Array.from(d.mask), shape: [B, T] },
      };
      const a = await getPolicyLoss('dapo')(inputs, { dtype: 'float32', backend: backend() });
      const b = await getPolicyLoss('dapo')(inputs, { dtype: 'float32', backend: reference() });
      // a float32 sum over 1.2M tokens: the loss is compared at 1e-4 relative, every gradient entry at rtol
      close(a.loss, b.loss, 'loss', Math.max(rtol, 1e-4));
      close(a.stats.tokens, b.stats.tokens, 'tokens');
      let worst = 0;
      for (let i = 0; i < b.grad.length; i++) worst = Math.max(worst, Math.abs(a.grad[i]! - b.grad[i]!) / (1e-6 + Math.abs(b.grad[i]!)));
      expect(worst).toBeLessThan(Math.max(rtol, 1e-5));
    });
  });
}
