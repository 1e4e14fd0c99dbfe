import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { initBackend } from '../../src/backend/index.js';
import type { TensorBackend } from '../../src/backend/types.js';
import { aggregationWeights, getPolicyLoss, type PolicyLossOptions } from '../../src/rl/policy_loss.js';
import { exportPolicyLossOnnx } from '../../src/rl/export_onnx.js';
import { Random } from '../../src/sampling/random.js';

/** rtol 1e-5 / atol 1e-6 (the conformance tolerance of STYLE §12). */
function close(a: number, b: number, what: string, rtol = 1e-5, atol = 1e-6): void {
  if (a === b) return; // also ±Infinity (ratioMax of an empty mask)
  if (!(Math.abs(a - b) <= atol + rtol * Math.abs(b))) throw new Error(`${what}: onnx ${a} vs js ${b}`);
}

function data(seed: number, B: number, T: number, spread: number) {
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

let onnx: TensorBackend;
let js: TensorBackend;
beforeAll(async () => {
  onnx = await initBackend('onnx', { device: 'cpu' });
  js = await initBackend('js');
});

describe('policyLoss conformance: onnx vs js (rtol 1e-5, atol 1e-6)', () => {
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
      for (const [seed, B, T] of [[1, 5, 7], [2, 33, 17], [3, 1, 1]] as const) {
        it(`${dtype} ${name} ${JSON.stringify(opts)} ${how.perToken ? 'per-token A ' : ''}[${B}, ${T}] seed ${seed}`, async () => {
          const d = data(seed, B, T, 0.5);
          const conv = (a: Float64Array) => (dtype === 'float32' ? Float32Array.from(a) : a);
          const inputs = {
            logProbs: { data: conv(d.logProbs), shape: [B, T] },
            oldLogProbs: { data: conv(d.oldLogProbs), shape: [B, T] },
            advantages: how.perToken ? { data: conv(d.advTok), shape: [B, T] } : conv(d.adv),
            mask: { data: conv(d.mask), shape: [B, T] },
            ...(how.ref ? { [how.ref]: { data: conv(d.ref), shape: [B, T] } } : {}),
          };
          const fn = getPolicyLoss(name);
          const a = await fn(inputs, { ...opts, dtype, backend: onnx });
          const b = await fn(inputs, { ...opts, dtype, backend: js });
          close(a.loss, b.loss, 'loss');
          expect(a.grad.constructor).toBe(b.grad.constructor);
          for (let i = 0; i < b.grad.length; i++) close(a.grad[i]!, b.grad[i]!, `grad[${i}]`);
          for (const [k, v] of Object.entries(b.stats)) close((a.stats as unknown as Record<string, number>)[k]!, v, `stats.${k}`);
        });
      }
    }
  }
  it('large batch crosses the row-chunk boundary (2^20 tokens per call)', async () => {
    const B = 300;
    const T = 4000; // 1.2M tokens → 2 chunks
    const d = data(9, B, T, 0.3);
    const inputs = {
      logProbs: { data: Float32Array.from(d.logProbs), shape: [B, T] },
      oldLogProbs: { data: Float32Array.from(d.oldLogProbs), shape: [B, T] },
      advantages: Float32Array.from(d.adv),
      mask: { data: Float32Array.from(d.mask), shape: [B, T] },
    };
    const a = await getPolicyLoss('dapo')(inputs, { dtype: 'float32', backend: onnx });
    const b = await getPolicyLoss('dapo')(inputs, { dtype: 'float32', backend: js });
    close(a.loss, b.loss, 'loss', 1e-4);
    close(a.stats.tokens, b.stats.tokens, 'tokens');
    let worst = 0;
    for (let i = 0; i < b.grad.length; i++) worst = Math.max(worst, Math.abs(a.grad[i]! - b.grad[i]!) / (1e-6 + Math.abs(b.grad[i]!)));
    expect(worst).toBeLessThan(1e-5);
  });
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
      const d = data(21, B, T, 0.6);
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
