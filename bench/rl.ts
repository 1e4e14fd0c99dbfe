/**
 * DAPO loss + closed-form gradient over 2048 sequences × 4096 tokens (8.4M tokens, float32, variable-length
 * masks), side by side in one run (median of ≥ 5 after a warm-up):
 * - gr2 `dapoLoss` on the js backend (one fused float64-accumulating pass) and on the onnx backend (fused graph);
 * - (opt-in) torch 1.13 CPU autograd, forward + backward of the same loss (verl's formulation) on the same data,
 *   read from a temp file; only forward+backward is timed inside Python. The gradients are compared.
 *
 * `GR2_BENCH_QUICK=1` runs 128 × 512; `GR2_BENCH_PYTHON=0` skips torch.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/backend/index.js';
import { dapoLoss, type PolicyLossInputs, type PolicyLossResult } from '../src/rl/policy_loss.js';
import { Random } from '../src/sampling/random.js';
import { QUICK, medianMs, printTable, pythonAvailable, type BenchRow } from './_harness.js';

const B = QUICK ? 128 : 2048;
const T = QUICK ? 512 : 4096;
const N = B * T;
const REPEATS = 5;

const rng = new Random(1234);
const old = new Float32Array(N);
const logp = new Float32Array(N);
const mask = new Float32Array(N);
const adv = new Float32Array(B);
for (let b = 0; b < B; b++) {
  adv[b] = rng.gauss();
  const L = 1 + rng.int(T); // response length
  for (let t = 0; t < T; t++) {
    const i = b * T + t;
    old[i] = -3 * rng.random() - 0.01;
    logp[i] = old[i]! + 0.3 * rng.gauss();
    mask[i] = t < L ? 1 : 0;
  }
}
const tokens = mask.reduce((a, v) => a + v, 0);
const inputs: PolicyLossInputs = {
  logProbs: { data: logp, shape: [B, T] },
  oldLogProbs: { data: old, shape: [B, T] },
  advantages: adv,
  mask: { data: mask, shape: [B, T] },
};

const onnx = await initBackend('onnx', { device: 'cpu' });
const js = await initBackend('js');
console.log(`onnx backend: ${JSON.stringify(onnx.info())}`);
console.log(`data: ${B} sequences × ${T} positions = ${(N / 1e6).toFixed(2)}M float32 log-probs, ${(tokens / 1e6).toFixed(2)}M masked-in tokens; seed 1234; ${REPEATS} timed runs after 1 warm-up`);

const rows: BenchRow[] = [];
let jsRes: PolicyLossResult | undefined;
rows.push({
  name: 'gr2 dapoLoss, js',
  ms: await medianMs(async () => {
    jsRes = await dapoLoss(inputs, { dtype: 'float32', backend: js });
  }, REPEATS),
  note: 'validation + one fused pass (float64 accumulation), float32 grad',
});
rows.push({
  name: 'gr2 dapoLoss, js, checkFinite off',
  ms: await medianMs(() => dapoLoss(inputs, { dtype: 'float32', backend: js, checkFinite: false }), REPEATS),
  note: 'skips the NaN scans of the inputs',
});
let onnxRes: PolicyLossResult | undefined;
rows.push({
  name: 'gr2 dapoLoss, onnx (cpu)',
  ms: await medianMs(async () => {
    onnxRes = await dapoLoss(inputs, { dtype: 'float32', backend: onnx });
  }, REPEATS),
  note: 'fused float32 graph, 2^20-token chunks',
});
const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / (1e-8 + Math.abs(b[i]!)));
  return m;
};
const onnxAgreement = `onnx vs js: loss ${onnxRes!.loss.toExponential(6)} vs ${jsRes!.loss.toExponential(6)}, max rel grad diff ${maxRel(onnxRes!.grad, jsRes!.grad).toExponential(2)}`;

const py = pythonAvailable(['numpy', 'torch']);
if (py.ok) {
  const dir = mkdtempSync(join(tmpdir(), 'gr2-bench-rl-'));
  try {
    writeFileSync(join(dir, 'logp.f32'), logp);
    writeFileSync(join(dir, 'old.f32'), old);
    writeFileSync(join(dir, 'mask.f32'), mask);
    writeFileSync(join(dir, 'adv.f32'), adv);
    const script = `
import json, os, sys, time, numpy as np, torch
torch.set_num_threads(os.cpu_count() or 1)
d = sys.argv[1]
B, T = ${B}, ${T}
logp0 = torch.from_numpy(np.fromfile(d + '/logp.f32', dtype=np.float32).reshape(B, T))
old = torch.from_numpy(np.fromfile(d + '/old.f32', dtype=np.float32).reshape(B, T))
mask = torch.from_numpy(np.fromfile(d + '/mask.f32', dtype=np.float32).reshape(B, T))
adv = torch.from_numpy(np.fromfile(d + '/adv.f32', dtype=np.float32)).unsqueeze(1)
def step(logp):
    nak = torch.clamp(logp - old, -20.0, 20.0)
    ratio = torch.exp(nak)
    l1 = -adv * ratio
    l2 = -adv * torch.clamp(ratio, 1 - 0.2, 1 + 0.28)
    loss = (torch.maximum(l1, l2) * mask).sum() / mask.sum()
    loss.backward()
    return loss
logp = logp0.clone().requires_grad_(True)
step(logp)
times = []
for _ in range(${REPEATS}):
    logp.grad = None
    t0 = time.perf_counter(); loss = step(logp); times.append((time.perf_counter() - t0) * 1000)
logp.grad.numpy().astype(np.float32).tofile(d + '/grad.f32')
print(json.dumps({'ms': sorted(times)[len(times) // 2], 'loss': loss.item(), 'threads': torch.get_num_threads()}))
`;
    const r = spawnSync('/usr/bin/python3', ['-c', script, dir], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) {
      rows.push({ name: 'torch 1.13 autograd fwd+bwd (python)', ms: null, note: `failed: ${r.stderr.trim().split('\n').pop()}` });
    } else {
      const { ms, loss, threads } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; loss: number; threads: number };
      const g = new Float32Array(readFileSync(join(dir, 'grad.f32')).buffer.slice(0));
      rows.push({
        name: 'torch 1.13 autograd fwd+bwd (python)',
        ms,
        note: `float32, ${threads} threads; loss ${loss.toExponential(6)}, max rel grad diff vs gr2 js ${maxRel(g, jsRes!.grad).toExponential(2)}`,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  rows.push({ name: 'torch 1.13 autograd fwd+bwd (python)', ms: null, note: `skipped: ${py.reason}` });
}
printTable(`DAPO loss + gradient, ${B} × ${T} tokens (${onnxAgreement})`, rows, 'gr2 dapoLoss, js');
await onnx.dispose();
