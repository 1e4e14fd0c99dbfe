/**
 * DAPO loss + closed-form gradient over 2048 sequences × 4096 tokens (8.4M tokens, float32), with a **dense**
 * mask (every token in) and a **sparse** one (variable lengths, about half the tokens in), interleaved round by
 * round (`GR2_BENCH_ROUNDS`, default 5; each ratio the median (min–max) of the per-round ratios):
 * - gr2 `dapoLoss` on the js backend (one fused float64-accumulating pass, the reference) and on the onnx
 *   backend (fused float32 graph), `checkFinite: false` as torch does not scan either;
 * - the same two with `gradOut`: the gradient written into one buffer allocated before the rounds, as a training
 *   loop reuses it (a fresh 32 MiB array costs ~0.1 s of page faults on the benchmark VM);
 * - (opt-in, /usr/bin/python3) torch CPU computing the same closed form (loss and gradient, no autograd) as it is
 *   usually written (a fresh tensor per op), the same with every `[B,T]` result in preallocated `out=` buffers,
 *   and torch autograd forward + backward, on the same bytes, timed inside a persistent Python process with
 *   `torch.set_num_threads(<logical CPUs>)`. Loss values and gradients are compared.
 *
 * `GR2_BENCH_QUICK=1` runs 128 × 512; `GR2_BENCH_PYTHON=0` skips torch.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/backend/index.js';
import { dapoLoss, type PolicyLossInputs, type PolicyLossResult } from '../src/rl/policy_loss.js';
import { Random } from '../src/sampling/random.js';
import { PythonPeer, QUICK, interleaved, pythonAvailable, spread, timeOnce, type Contender } from './_harness.js';

const B = QUICK ? 128 : 2048;
const T = QUICK ? 512 : 4096;
const N = B * T;

const rng = new Random(1234);
const old = new Float32Array(N);
const logp = new Float32Array(N);
const sparse = new Float32Array(N);
const dense = new Float32Array(N).fill(1);
const adv = new Float32Array(B);
for (let b = 0; b < B; b++) {
  adv[b] = rng.gauss();
  const L = 1 + rng.int(T); // response length
  for (let t = 0; t < T; t++) {
    const i = b * T + t;
    old[i] = -3 * rng.random() - 0.01;
    logp[i] = old[i]! + 0.3 * rng.gauss();
    sparse[i] = t < L ? 1 : 0;
  }
}

const onnx = await initBackend('onnx', { device: 'cpu' });
const js = await initBackend('js');
console.log(`onnx backend: ${JSON.stringify(onnx.info())}; ORT intra-op threads: ORT default (${availableParallelism()} logical CPUs), spinning off`);
console.log(`data: ${B} sequences × ${T} positions = ${(N / 1e6).toFixed(2)}M float32 log-probs, ε = 0.2/0.28, log-ratio clamp 20, token-mean; seed 1234`);

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

const py = pythonAvailable(['numpy', 'torch']);
const dir = mkdtempSync(join(tmpdir(), 'gr2-bench-rl-'));
let peer: PythonPeer | null = null;
try {
  if (py.ok) {
    writeFileSync(join(dir, 'logp.f32'), logp);
    writeFileSync(join(dir, 'old.f32'), old);
    writeFileSync(join(dir, 'dense.f32'), dense);
    writeFileSync(join(dir, 'sparse.f32'), sparse);
    writeFileSync(join(dir, 'adv.f32'), adv);
    peer = new PythonPeer(`
import os, sys, numpy as np, torch
torch.set_num_threads(os.cpu_count() or 1)
d = sys.argv[1]
B, T = ${B}, ${T}
ld = lambda name: torch.from_numpy(np.fromfile(d + '/' + name + '.f32', dtype=np.float32).reshape(B, T))
logp0, old = ld('logp'), ld('old')
masks = {'dense': ld('dense'), 'sparse': ld('sparse')}
adv = torch.from_numpy(np.fromfile(d + '/adv.f32', dtype=np.float32)).unsqueeze(1)
lo, hi = 1 - 0.2, 1 + 0.28
def closed(mask):
    # the same closed form as gr2 (torch's sub-gradient conventions), no autograd
    with torch.no_grad():
        lr = logp0 - old
        lrc = torch.clamp(lr, -20.0, 20.0)
        ratio = torch.exp(lrc)
        l1 = -adv * ratio
        cl = torch.clamp(ratio, lo, hi)
        l2 = -adv * cl
        n = mask.sum()
        loss = (torch.maximum(l1, l2) * mask).sum() / n
        g1 = l1 * (lr == lrc)
        g2 = g1 * (cl == ratio)
        g = torch.where(l1 > l2, g1, torch.where(l1 < l2, g2, 0.5 * (g1 + g2)))
        grad = g * mask / n
    return loss, grad
def autograd(mask):
    logp = logp0.clone().requires_grad_(True)
    ratio = torch.exp(torch.clamp(logp - old, -20.0, 20.0))
    l1 = -adv * ratio
    l2 = -adv * torch.clamp(ratio, lo, hi)
    loss = (torch.maximum(l1, l2) * mask).sum() / mask.sum()
    loss.backward()
    return loss, logp.grad
# the same closed form with every [B, T] result written into buffers allocated once (torch's out= / in-place
# ops): on this machine a fresh 32 MiB tensor costs ~0.1 s of page faults, which the form above pays per op
buf = {k: torch.empty(B, T) for k in ('lr', 'lrc', 'ratio', 'l1', 'cl', 'l2', 'mx', 'g1', 'g2', 'gh', 'gw', 'g', 'grad')}
bb = {k: torch.empty(B, T, dtype=torch.bool) for k in ('e1', 'e2', 'gt', 'lt')}
negadv = -adv
def closed_out(mask):
    with torch.no_grad():
        lr = torch.sub(logp0, old, out=buf['lr'])
        lrc = torch.clamp(lr, -20.0, 20.0, out=buf['lrc'])
        ratio = torch.exp(lrc, out=buf['ratio'])
        l1 = torch.mul(ratio, negadv, out=buf['l1'])
        cl = torch.clamp(ratio, lo, hi, out=buf['cl'])
        l2 = torch.mul(cl, negadv, out=buf['l2'])
        n = mask.sum()
        loss = torch.mul(torch.maximum(l1, l2, out=buf['mx']), mask, out=buf['mx']).sum() / n
        g1 = torch.mul(l1, torch.eq(lr, lrc, out=bb['e1']), out=buf['g1'])
        g2 = torch.mul(g1, torch.eq(cl, ratio, out=bb['e2']), out=buf['g2'])
        gh = torch.add(g1, g2, out=buf['gh']).mul_(0.5)
        gw = torch.where(torch.lt(l1, l2, out=bb['lt']), g2, gh, out=buf['gw'])
        g = torch.where(torch.gt(l1, l2, out=bb['gt']), g1, gw, out=buf['g'])
        grad = torch.mul(g, mask, out=buf['grad']).div_(n)
    return loss, grad
T0 = torch.get_num_threads()
def task(fn, name, save, threads=None):
    def f():
        torch.set_num_threads(threads or T0)
        loss, grad = fn(masks[name])
        if save: grad.numpy().astype(np.float32).tofile(d + '/grad_' + name + '.f32')
        return {'loss': float(loss), 'threads': torch.get_num_threads()}
    return f
TASKS = {}
for name in masks:
    TASKS['closed_' + name] = task(closed, name, False)
    TASKS['closed1_' + name] = task(closed, name, False, 1)
    TASKS['closedout_' + name] = task(closed_out, name, False)
    TASKS['saveout_' + name] = task(closed_out, name, True)
    TASKS['autograd_' + name] = task(autograd, name, False)
    TASKS['save_' + name] = task(closed, name, True)
`, [dir], { OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' });
    console.log(`torch: OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY ?? 'PASSIVE'} (spinning OpenMP threads make torch several times slower on a shared 2-core machine)`);
  } else {
    console.log(`torch skipped: ${py.reason}`);
  }
  for (const [label, mask] of [['dense', dense], ['sparse', sparse]] as const) {
    const tokens = mask.reduce((a, v) => a + v, 0);
    const inputs: PolicyLossInputs = {
      logProbs: { data: logp, shape: [B, T] },
      oldLogProbs: { data: old, shape: [B, T] },
      advantages: adv,
      mask: { data: mask, shape: [B, T] },
    };
    let jsRes: PolicyLossResult | undefined;
    let onnxRes: PolicyLossResult | undefined;
    const gradBuf = new Float32Array(N); // the gradOut rows reuse one buffer, as a training loop would
    const gradBufJs = new Float32Array(N);
    const contenders: Contender[] = [
      {
        name: 'gr2 dapoLoss, onnx (cpu)',
        run: () => timeOnce(async () => {
          onnxRes = await dapoLoss(inputs, { dtype: 'float32', backend: onnx, checkFinite: false });
        }),
        note: 'fused float32 graph',
      },
      {
        name: 'gr2 dapoLoss, onnx, gradOut reused',
        run: () => timeOnce(() => dapoLoss(inputs, { dtype: 'float32', backend: onnx, checkFinite: false, gradOut: gradBuf })),
        note: 'same, gradient written into one buffer allocated before the rounds',
      },
      {
        name: 'gr2 dapoLoss, js, gradOut reused',
        run: () => timeOnce(() => dapoLoss(inputs, { dtype: 'float32', backend: js, checkFinite: false, gradOut: gradBufJs })),
        note: 'the reference, gradient into one reused buffer',
      },
      {
        name: 'gr2 dapoLoss, js (reference)',
        run: () => timeOnce(async () => {
          jsRes = await dapoLoss(inputs, { dtype: 'float32', backend: js, checkFinite: false });
        }),
        note: 'one fused pass, float64 accumulation; skips masked-out tokens',
      },
    ];
    let torchNote = '';
    if (peer) {
      const p = peer;
      const saved = await p.run(`save_${label}`);
      const { loss, threads } = saved.value as { loss: number; threads: number };
      torchNote = `torch loss ${loss.toExponential(8)}, ${threads} threads`;
      contenders.push(
        { name: 'torch closed form (no autograd)', run: async () => (await p.run(`closed_${label}`)).ms, note: 'same formula, float32' },
        { name: 'torch closed form, 1 thread', run: async () => (await p.run(`closed1_${label}`)).ms, note: 'torch.set_num_threads(1)' },
        { name: 'torch closed form, preallocated out=', run: async () => (await p.run(`closedout_${label}`)).ms, note: 'every [B,T] result into buffers allocated once' },
        { name: 'torch autograd fwd+bwd', run: async () => (await p.run(`autograd_${label}`)).ms, note: "verl's formulation" },
      );
    }
    const times = await interleaved(`DAPO loss + gradient, ${B} × ${T}, ${label} mask (${((100 * tokens) / N).toFixed(1)} % of tokens in)`, contenders, peer ? 'torch closed form (no autograd)' : 'gr2 dapoLoss, onnx (cpu)');
    if (peer) {
      const pairs: [string, string][] = [
        ['gr2 dapoLoss, onnx (cpu)', 'torch closed form (no autograd)'],
        ['gr2 dapoLoss, onnx, gradOut reused', 'torch closed form, preallocated out='],
      ];
      for (const [a, b] of pairs) {
        const ta = times.get(a)!;
        const tb = times.get(b)!;
        const r = spread(ta.map((v, i) => v / tb[i]!));
        console.log(`  like for like: ${a} / ${b} = ${r.median.toFixed(2)} (${r.min.toFixed(2)}–${r.max.toFixed(2)})`);
      }
    }
    console.log(`  loss: onnx ${onnxRes!.loss.toExponential(8)}, js ${jsRes!.loss.toExponential(8)}${torchNote ? `; ${torchNote}` : ''}; ` +
      `max |grad onnx − grad js| ${maxAbs(onnxRes!.grad, jsRes!.grad).toExponential(2)}`);
    console.log(`  max |grad onnx gradOut − grad js| ${maxAbs(gradBuf, jsRes!.grad).toExponential(2)}, max |grad js gradOut − grad js| ${maxAbs(gradBufJs, jsRes!.grad).toExponential(2)}`);
    if (peer) {
      const g = new Float32Array(readFileSync(join(dir, `grad_${label}.f32`)).buffer.slice(0));
      console.log(`  max |grad torch − grad js| ${maxAbs(g, jsRes!.grad).toExponential(2)}`);
      await peer.run(`saveout_${label}`);
      const g2 = new Float32Array(readFileSync(join(dir, `grad_${label}.f32`)).buffer.slice(0));
      console.log(`  max |grad torch preallocated − grad js| ${maxAbs(g2, jsRes!.grad).toExponential(2)}`);
    }
  }
} finally {
  peer?.close();
  rmSync(dir, { recursive: true, force: true });
}
await onnx.dispose();
