import { afterAll, describe, expect, it } from 'vitest';
import { JsBackend, registerBackend, registerKernel, removeBackend, setBackend } from '../../src/backend/index.js';
import { policyLossConfig } from '../../src/backend/js/kernels/policy_loss.js';
import { runKernel } from '../../src/backend/ops.js';
import { KernelNotImplementedError } from '../../src/errors.js';
import { opdLoss, type PolicyLossInputs } from '../../src/rl/policy_loss.js';

// The `fullKl` kernel behind opdLoss's klEstimator 'full': hand-worked values, the fallback to 'js' of a backend
// without the kernel, and the dtype of the full rows. Torch fixtures and finite differences are in
// policy_loss.test.ts; backend-vs-js conformance in test/backend/policy_loss_conformance.ts.

const ln = Math.log;

describe("fullKl ('js')", () => {
  it('hand-worked rows: KL, entropy, weighted gradient; p = 0 entries and masked-out NaN rows give 0', async () => {
    // row 0: p = [1/2, 1/2], q = [1/4, 3/4]; row 1: masked out (NaN); row 2: p = [1, 0], q = [1/2, 0] (0·(−∞ − −∞) skipped)
    const s = Float64Array.from([ln(0.5), ln(0.5), NaN, NaN, 0, -Infinity]);
    const q = Float64Array.from([ln(0.25), ln(0.75), NaN, NaN, ln(0.5), -Infinity]);
    const out = await runKernel(new JsBackend(), 'fullKl', { studentLogProbs: s, teacherLogProbs: q, mask: Float64Array.from([1, 0, 1]), rowWeights: Float64Array.from([2, NaN, 3]) }, { rows: 3, vocab: 2 });
    const kl0 = 0.5 * (ln(0.5) - ln(0.25)) + 0.5 * (ln(0.5) - ln(0.75)); // = 0.5·ln(4/3) ≈ 0.1438
    expect(out.kl[0]).toBeCloseTo(kl0, 15);
    expect(out.kl[1]).toBe(0);
    expect(out.kl[2]).toBeCloseTo(ln(2), 15);
    expect(out.entropy[0]).toBeCloseTo(ln(2), 15);
    expect(out.entropy[1]).toBe(0);
    expect(out.entropy[2]).toBe(0);
    // g·p·(ℓs − ℓt + 1)
    expect(out.grad[0]).toBeCloseTo(2 * 0.5 * (ln(2) + 1), 15);
    expect(out.grad[1]).toBeCloseTo(2 * 0.5 * (ln(2 / 3) + 1), 15);
    expect([...out.grad.subarray(2, 4)]).toEqual([0, 0]);
    expect(out.grad[4]).toBeCloseTo(3 * (ln(2) + 1), 15);
    expect(out.grad[5]).toBe(0);
  });
});

describe("opdLoss 'full' and the fullKl kernel", () => {
  const V = 3;
  const row = (p: number[]) => p.map((x) => ln(x));
  const inputs = (data: 'f32' | 'f64'): PolicyLossInputs => {
    const s = [...row([0.2, 0.3, 0.5]), ...row([0.6, 0.3, 0.1])];
    const q = [...row([0.3, 0.3, 0.4]), ...row([0.5, 0.25, 0.25])];
    const arr = (x: number[]) => (data === 'f32' ? Float32Array.from(x) : Float64Array.from(x));
    return {
      logProbs: [[-1, -2]],
      oldLogProbs: [[-1, -2]],
      advantages: [0],
      fullLogProbs: { data: arr(s), dims: [1, 2, V] },
      teacherFullLogProbs: { data: arr(q), dims: [1, 2, V] },
    };
  };
  const klOf = (p: number[], q: number[]) => p.reduce((acc, pv, v) => acc + pv * (ln(pv) - ln(q[v]!)), 0);
  const expectedKl = (klOf([0.2, 0.3, 0.5], [0.3, 0.3, 0.4]) + klOf([0.6, 0.3, 0.1], [0.5, 0.25, 0.25])) / 2;

  it('loss = β·mean KL, gradFullLogProbs follows the dtype; float64 rows under dtype float32 are converted', async () => {
    const a = await opdLoss(inputs('f64'), { klCoef: 0.5, backend: 'js' });
    expect(a.loss).toBeCloseTo(0.5 * expectedKl, 14); // A = 0: the policy-gradient part is 0
    expect(a.metrics.kl).toBeCloseTo(expectedKl, 14);
    expect(a.gradFullLogProbs).toBeInstanceOf(Float64Array);
    const b = await opdLoss(inputs('f64'), { klCoef: 0.5, dtype: 'float32', backend: 'js' });
    expect(b.gradFullLogProbs).toBeInstanceOf(Float32Array);
    expect(b.loss).toBeCloseTo(a.loss, 6);
    const c = await opdLoss(inputs('f32'), { klCoef: 0.5, backend: 'js' }); // float32 rows, float64 compute
    expect(c.gradFullLogProbs).toBeInstanceOf(Float64Array);
    a.gradFullLogProbs!.forEach((g, i) => {
      expect(b.gradFullLogProbs![i]).toBeCloseTo(g, 6);
      expect(c.gradFullLogProbs![i]).toBeCloseTo(g, 6);
    });
  });

  describe('a backend without the fullKl kernel', () => {
    registerBackend('no-full-kl', () => new JsBackend('no-full-kl'), { priority: -1 });
    registerKernel({ ...policyLossConfig, backendName: 'no-full-kl' });
    afterAll(async () => {
      await setBackend('js');
      await removeBackend('no-full-kl');
    });

    it("falls back to 'js' when active, and throws KernelNotImplementedError when pinned", async () => {
      const ref = await opdLoss(inputs('f64'), { klCoef: 0.5, backend: 'js' });
      await setBackend('no-full-kl');
      const r = await opdLoss(inputs('f64'), { klCoef: 0.5 });
      expect(r.loss).toBe(ref.loss);
      expect([...r.gradFullLogProbs!]).toEqual([...ref.gradFullLogProbs!]);
      await expect(opdLoss(inputs('f64'), { klCoef: 0.5, backend: 'no-full-kl' })).rejects.toThrow(KernelNotImplementedError);
      await expect(opdLoss(inputs('f64'), { klCoef: 0.5, backend: 'no-full-kl' })).rejects.toThrow(/fullKl/);
    });
  });
});
