/**
 * Batched ranking evaluation: 1M slates of K = 10 (graded labels 0/1/2, scores on a 0.01 grid so ~37 % of rows
 * hold ties), NDCG@5 with tie-averaging, linear gain — the exact definition of scikit-learn's `ndcg_score`.
 * Rows (median of 5 runs each, same data, same process; Python timed inside Python on the same bytes):
 * - `evaluateSlates ndcg@5` — gr2's dense batched path (the relevant-items loop, in its WebAssembly kernel; rows
 *   whose relevant item is tied with another item take the JavaScript sorting loop);
 * - `evaluateSlates 5 metrics` — recall@1, recall@5, ndcg@5, mrr, auc in the same pass;
 * - `naive per-query JS` — idiomatic per-row objects + Array.sort + reduce, same tie-averaged NDCG@5;
 * - `ndcgAtK per query` — gr2's general per-query API called once per row ({ids, scores}, Map of grades);
 * - sklearn `ndcg_score(k=5)` (tie-averaged, the reference definition) and `ignore_ties=True` (vectorised,
 *   ties broken arbitrarily) — opt-in (`/usr/bin/python3` with scikit-learn; `GR2_BENCH_PYTHON=0` skips).
 * Then the single-target compact form on the pre-rank positions: `evaluateRanks` (typed loop) vs the same NDCG
 * as a backend product onehot[n, K] · discount[K, 1] via `matMul` on the 'js' and 'onnx' backends.
 *
 * `GR2_BENCH_QUICK=1` uses 20k slates. The full run takes about 4 minutes, mostly scikit-learn's tie loop.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor, matMul } from '../src/backend/index.js';
import { evaluateRanks, evaluateSlates, ndcgAtK } from '../src/metrics/index.js';
import { Random } from '../src/sampling/random.js';
import { PythonPeer, QUICK, interleaved, medianMs, printTable, pythonAvailable, timeOnce, type BenchRow, type Contender } from './_harness.js';

const N = QUICK ? 20_000 : 1_000_000;
const K = 10;
const rng = new Random(1234);
const scores = new Float32Array(N * K);
const labels = new Float32Array(N * K);
for (let i = 0; i < N * K; i++) {
  scores[i] = Math.floor(rng.random() * 100) / 100;
  const u = rng.random();
  labels[i] = u < 0.8 ? 0 : u < 0.95 ? 1 : 2;
}
let tieRows = 0;
for (let q = 0; q < N; q++) {
  const row = Array.from(scores.subarray(q * K, q * K + K));
  if (new Set(row).size < K) tieRows++;
}
const S = { data: scores, shape: [N, K] };
const L = { data: labels, shape: [N, K] };

/** Naive per-query reference: objects, Array.sort, tie groups averaged (same definition as sklearn). */
function naiveNdcg5(): number {
  let total = 0;
  for (let q = 0; q < N; q++) {
    const items = Array.from({ length: K }, (_, i) => ({ s: scores[q * K + i]!, g: labels[q * K + i]! }));
    items.sort((a, b) => b.s - a.s);
    const disc = (p: number) => (p < 5 ? 1 / Math.log2(p + 2) : 0);
    let dcg = 0;
    for (let p = 0; p < K; ) {
      let e = p;
      while (e < K && items[e]!.s === items[p]!.s) e++;
      const gsum = items.slice(p, e).reduce((a, x) => a + x.g, 0);
      let dsum = 0;
      for (let t = p; t < e; t++) dsum += disc(t);
      dcg += (gsum * dsum) / (e - p);
      p = e;
    }
    const ideal = items.map((x) => x.g).sort((a, b) => b - a);
    const idcg = ideal.reduce((a, g, p) => a + g * disc(p), 0);
    total += idcg > 0 ? dcg / idcg : 0;
  }
  return total / N;
}

function perQueryApi(): number {
  const ids = Array.from({ length: K }, (_, i) => i);
  let total = 0;
  for (let q = 0; q < N; q++) {
    const rel = new Map<number, number>();
    for (let i = 0; i < K; i++) if (labels[q * K + i]! > 0) rel.set(i, labels[q * K + i]!);
    total += ndcgAtK({ ids, scores: scores.subarray(q * K, q * K + K) }, rel, 5);
  }
  return total / N;
}

const ours = evaluateSlates(S, L, ['ndcg@5']).mean['ndcg@5']!;
const naiveValue = naiveNdcg5();
const rows: BenchRow[] = [];
rows.push({ name: 'evaluateSlates ndcg@5', ms: await medianMs(() => evaluateSlates(S, L, ['ndcg@5'])), note: `mean ${ours.toFixed(6)}` });
rows.push({
  name: 'evaluateSlates 5 metrics',
  ms: await medianMs(() => evaluateSlates(S, L, ['recall@1', 'recall@5', 'ndcg@5', 'mrr', 'auc'])),
});
rows.push({ name: 'naive per-query JS', ms: await medianMs(naiveNdcg5), note: `mean ${naiveValue.toFixed(6)}` });
const perQueryValue = perQueryApi();
rows.push({ name: 'ndcgAtK per query', ms: await medianMs(perQueryApi), note: `mean ${perQueryValue.toFixed(6)}` });

const py = pythonAvailable(['numpy', 'sklearn']);
if (py.ok) {
  const dir = mkdtempSync(join(tmpdir(), 'gr2-bench-metrics-'));
  try {
    writeFileSync(join(dir, 'scores.f32'), Buffer.from(scores.buffer));
    writeFileSync(join(dir, 'labels.f32'), Buffer.from(labels.buffer));
    const script = `
import json, sys, time
import numpy as np
from sklearn.metrics import ndcg_score
d = sys.argv[1]
s = np.fromfile(d + '/scores.f32', dtype=np.float32).reshape(-1, ${K})
y = np.fromfile(d + '/labels.f32', dtype=np.float32).reshape(-1, ${K})
out = {}
for name, kw in [('ties', {}), ('ignore', {'ignore_ties': True})]:
    times = []
    v = float(ndcg_score(y, s, k=5, **kw))
    for _ in range(5):
        t = time.perf_counter(); ndcg_score(y, s, k=5, **kw); times.append((time.perf_counter() - t) * 1000)
    times.sort()
    out[name] = {'ms': times[2], 'mean': v}
print(json.dumps(out))
`;
    const r = spawnSync('/usr/bin/python3', ['-c', script, dir], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) {
      rows.push({ name: 'sklearn ndcg_score', ms: null, note: `skipped: python failed: ${r.stderr.trim().split('\n').pop()}` });
    } else {
      const o = JSON.parse(r.stdout) as Record<string, { ms: number; mean: number }>;
      rows.push({ name: 'sklearn ndcg_score (tie-avg)', ms: o.ties!.ms, note: `mean ${o.ties!.mean.toFixed(6)} (|Δ| vs ours ${Math.abs(o.ties!.mean - ours).toExponential(1)})` });
      rows.push({ name: 'sklearn ndcg_score ignore_ties', ms: o.ignore!.ms, note: `mean ${o.ignore!.mean.toFixed(6)} (ties broken arbitrarily)` });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  rows.push({ name: 'sklearn ndcg_score', ms: null, note: `skipped: ${py.reason}` });
}
printTable(`NDCG@5 over ${N.toLocaleString()} slates of K = ${K} (${((100 * tieRows) / N).toFixed(0)} % of rows with tied scores)`, rows, 'evaluateSlates ndcg@5');

// ---- tie-free float64 slates, interleaved with sklearn's vectorised ignore_ties path ----
{
  const s64 = new Float64Array(N * K);
  for (let i = 0; i < s64.length; i++) s64[i] = rng.random();
  const S64 = { data: s64, shape: [N, K] };
  const ours64 = evaluateSlates(S64, L, ['ndcg@5']).mean['ndcg@5']!;
  const contenders: Contender[] = [{ name: 'evaluateSlates ndcg@5 (Float64Array in)', run: () => timeOnce(() => evaluateSlates(S64, L, ['ndcg@5'])) }];
  const pyI = pythonAvailable(['numpy', 'sklearn']);
  const dir = mkdtempSync(join(tmpdir(), 'gr2-bench-metrics-'));
  let peer: PythonPeer | null = null;
  try {
    if (pyI.ok) {
      writeFileSync(join(dir, 'scores.f64'), Buffer.from(s64.buffer));
      writeFileSync(join(dir, 'labels.f32'), Buffer.from(labels.buffer));
      peer = new PythonPeer(`
import sys, numpy as np
from sklearn.metrics import ndcg_score
s = np.fromfile(sys.argv[1] + '/scores.f64', dtype=np.float64).reshape(-1, ${K})
y = np.fromfile(sys.argv[1] + '/labels.f32', dtype=np.float32).reshape(-1, ${K}).astype(np.float64)
TASKS = {'ignore': lambda: float(ndcg_score(y, s, k=5, ignore_ties=True))}
`, [dir]);
      const p = peer;
      const first = await p.run('ignore');
      contenders.push({ name: 'sklearn ndcg_score ignore_ties (python)', run: async () => (await p.run('ignore')).ms, note: `mean ${(first.value as number).toFixed(9)}, |Δ| vs gr2 ${Math.abs((first.value as number) - ours64).toExponential(1)}` });
    } else {
      console.log(`\nsklearn skipped: ${pyI.reason}`);
    }
    contenders[0] = { ...contenders[0]!, note: `mean ${ours64.toFixed(9)}` };
    await interleaved(`NDCG@5, ${N.toLocaleString()} tie-free float64 slates of K = ${K} (sklearn's vectorised path is exact without ties)`, contenders, contenders[0]!.name);
  } finally {
    peer?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- single-target compact form: typed loop vs a backend matMul ----
const ranks = new Int32Array(N);
for (let q = 0; q < N; q++) ranks[q] = 1 + rng.int(K);
const discount = new Float32Array(K);
for (let p = 0; p < K; p++) discount[p] = p < 5 ? 1 / Math.log2(p + 2) : 0;
const discT = new Tensor('float32', discount, [K, 1]);
async function viaMatMul(backend: 'js' | 'onnx'): Promise<number> {
  const onehot = new Float32Array(N * K);
  for (let q = 0; q < N; q++) onehot[q * K + ranks[q]! - 1] = 1;
  const out = await matMul(new Tensor('float32', onehot, [N, K]), discT, { backend });
  let s = 0;
  for (let q = 0; q < N; q++) s += out.data[q]!;
  return s / N;
}
const rankRows: BenchRow[] = [
  { name: 'evaluateRanks ndcg@5', ms: await medianMs(() => evaluateRanks(ranks, ['ndcg@5'])), note: `mean ${evaluateRanks(ranks, ['ndcg@5']).mean['ndcg@5']!.toFixed(6)}` },
  { name: 'evaluateRanks r@1,r@5,ndcg@5,mrr', ms: await medianMs(() => evaluateRanks(ranks, ['recall@1', 'recall@5', 'ndcg@5', 'mrr'])) },
];
for (const b of ['js', 'onnx'] as const) {
  try {
    const v = await viaMatMul(b);
    rankRows.push({ name: `matMul onehot·discount (${b})`, ms: await medianMs(() => viaMatMul(b)), note: `mean ${v.toFixed(6)} (incl. building the one-hot)` });
  } catch (e) {
    rankRows.push({ name: `matMul onehot·discount (${b})`, ms: null, note: `skipped: ${(e as Error).message}` });
  }
}
printTable(`Single-target NDCG@5 from ${N.toLocaleString()} target ranks`, rankRows, 'evaluateRanks ndcg@5');
