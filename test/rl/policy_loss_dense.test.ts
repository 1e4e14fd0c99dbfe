/**
 * The 'onnx' policy loss in float32 on a dense mask (every token in, losses of both signs that cancel across
 * sequences) agrees with the float64-accumulating 'js' reference to 1e-6 relative in the loss and to rounding in
 * the gradient, across the kernel's row chunks.
 */
import { describe, expect, it } from 'vitest';
import { dapoLoss, grpoLoss } from '../../src/rl/policy_loss.js';
import { Random } from '../../src/sampling/random.js';

function data(B: number, T: number, seed: number) {
  const rng = new Random(seed);
  const old = new Float32Array(B * T);
  const logp = new Float32Array(B * T);
  const adv = new Float32Array(B);
  for (let b = 0; b < B; b++) {
    adv[b] = rng.gauss();
    for (let t = 0; t < T; t++) {
      old[b * T + t] = -3 * rng.random() - 0.01;
      logp[b * T + t] = old[b * T + t]! + 0.3 * rng.gauss();
    }
  }
  return {
    logProbs: { data: logp, shape: [B, T] },
    oldLogProbs: { data: old, shape: [B, T] },
    advantages: adv,
    mask: { data: new Float32Array(B * T).fill(1), shape: [B, T] },
  };
}

describe('policy loss, float32, dense mask: onnx equals the js reference', () => {
  it('dapoLoss and grpoLoss on 96 × 4096 (3 row chunks): loss within 1e-6 relative, gradient within 1e-9 absolute', async () => {
    const inputs = data(96, 4096, 3);
    for (const loss of [dapoLoss, grpoLoss]) {
      const a = await loss(inputs, { dtype: 'float32', backend: 'onnx' });
      const b = await loss(inputs, { dtype: 'float32', backend: 'js' });
      expect(Math.abs(a.loss - b.loss)).toBeLessThanOrEqual(1e-6 * Math.abs(b.loss));
      expect(Math.abs(a.metrics.pgLoss - b.metrics.pgLoss)).toBeLessThanOrEqual(1e-6 * Math.abs(b.metrics.pgLoss));
      let worst = 0;
      for (let i = 0; i < a.grad.length; i++) worst = Math.max(worst, Math.abs(a.grad[i]! - b.grad[i]!));
      expect(worst).toBeLessThanOrEqual(1e-9);
    }
  });
});

describe('policy loss option gradOut (a reused gradient buffer)', () => {
  it('writes the same gradient as a fresh array on both backends, zeroes masked-out tokens, and returns the buffer', async () => {
    const B = 6;
    const T = 40;
    const inputs = data(B, T, 5);
    const mask = new Float32Array(B * T).map((_, i) => (i % T < 5 + (Math.floor(i / T) * 7) % T ? 1 : 0));
    const masked = { ...inputs, mask: { data: mask, shape: [B, T] } };
    for (const backend of ['js', 'onnx'] as const) {
      const fresh = await dapoLoss(masked, { dtype: 'float32', backend });
      const buf = new Float32Array(B * T).fill(123); // stale values from a previous step
      const reused = await dapoLoss(masked, { dtype: 'float32', backend, gradOut: buf });
      expect(reused.grad).toBe(buf);
      expect(reused.loss).toBe(fresh.loss);
      expect(Array.from(buf)).toEqual(Array.from(fresh.grad));
      for (let i = 0; i < mask.length; i++) if (mask[i] === 0) expect(buf[i] === 0, `token ${i}`).toBe(true); // ±0
    }
  });

  it('refuses a buffer of the wrong type, length, or one that overlaps an input', async () => {
    const inputs = data(2, 8, 6);
    await expect(dapoLoss(inputs, { dtype: 'float32', gradOut: new Float64Array(16) })).rejects.toThrow(/dapoLoss: 'options.gradOut'.*Float32Array/);
    await expect(dapoLoss(inputs, { dtype: 'float64', gradOut: new Float64Array(15) })).rejects.toThrow(/dapoLoss: 'options.gradOut'.*length batch·seqLen = 16/);
    await expect(dapoLoss(inputs, { dtype: 'float32', gradOut: inputs.logProbs.data })).rejects.toThrow(/does not overlap 'logProbs'/);
    await expect(grpoLoss(inputs, { dtype: 'float32', gradOut: [] as unknown as Float32Array })).rejects.toThrow(TypeError);
  });
});
