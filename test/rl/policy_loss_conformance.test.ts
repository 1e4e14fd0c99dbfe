import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { initBackend } from '../../src/backend/index.js';
import type { TensorBackend } from '../../src/backend/types.js';
import { aggregationWeights, getPolicyLoss } from '../../src/rl/policy_loss.js';
import { exportPolicyLossOnnx } from '../../src/rl/export_onnx.js';
import { policyLossData } from '../backend/policy_loss_conformance.js';

// The onnx-vs-js conformance of every policy loss is part of the backend conformance suite
// (test/backend/policy_loss_conformance.ts, run for every backend). This file checks the exported loss graph.

/** rtol / atol comparison that names the quantity. */
function close(a: number, b: number, what: string, rtol = 1e-5, atol = 1e-6): void {
  if (a === b) return;
  if (!(Math.abs(a - b) <= atol + rtol * Math.abs(b))) throw new Error(`${what}: onnx ${a} vs js ${b}`);
}

let js: TensorBackend;
beforeAll(async () => {
  js = await initBackend('js');
});

describe('exportPolicyLossOnnx', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gr2-rl-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: the exported file runs in a fresh ORT session and matches the js loss`, async () => {
      const path = join(dir, `dapo_${dtype}.onnx`);
      const opts = { dtype, dualClip: 3, klCoef: 0.1, klEstimator: 'k3' as const };
      const bytes = exportPolicyLossOnnx(path, opts);
      expect(bytes).toBeGreaterThan(500);
      const B = 6;
      const T = 11;
      const d = policyLossData(21, B, T, 0.6);
      const conv = (a: Float64Array) => (dtype === 'float32' ? Float32Array.from(a) : a);
      const { weights } = aggregationWeights('test', d.mask, B, T, 'token-mean', {}, 'float64');
      const session = await ort.InferenceSession.create(path);
      const t = (a: Float64Array, dims: number[]) => new ort.Tensor(dtype, conv(a) as Float32Array, dims);
      const out = await session.run({
        log_probs: t(d.logProbs, [B, T]),
        old_log_probs: t(d.oldLogProbs, [B, T]),
        advantages: t(d.adv, [B, 1]),
        mask: t(d.mask, [B, T]),
        seq_weights: t(weights as Float64Array, [B, 1]),
        ref_log_probs: t(d.ref, [B, T]),
      });
      await session.release();
      const ref = await getPolicyLoss('grpo')(
        { logProbs: { data: d.logProbs, shape: [B, T] }, oldLogProbs: { data: d.oldLogProbs, shape: [B, T] }, advantages: d.adv, mask: { data: d.mask, shape: [B, T] }, refLogProbs: { data: d.ref, shape: [B, T] } },
        { ...opts, dtype: 'float64', epsilonHigh: 0.28, aggregation: 'token-mean', backend: js },
      );
      const rtol = dtype === 'float32' ? 1e-5 : 1e-12;
      close(Number(out.loss!.data[0]), ref.loss, 'loss', rtol, 1e-6);
      const g = out.grad!.data as Float32Array;
      for (let i = 0; i < g.length; i++) close(g[i]!, ref.grad[i]!, `grad[${i}]`, rtol, 1e-6);
      close(Number(out.tokens!.data[0]), ref.stats.tokens, 'tokens');
      close(Number(out.clip_low!.data[0]), ref.stats.clipLow, 'clip_low');
      close(Number(out.dual_clip!.data[0]), ref.stats.dualClip, 'dual_clip');
    });
  }
  it('bad input', () => {
    expect(() => exportPolicyLossOnnx(3 as never)).toThrow(TypeError);
    expect(() => exportPolicyLossOnnx(join(dir, 'x.onnx'), { dualClip: 0.5 })).toThrow(/'dualClip'/);
    expect(() => exportPolicyLossOnnx(join(dir, 'x.onnx'), { dtype: 'int8' as never })).toThrow(/'dtype'/);
  });
});
