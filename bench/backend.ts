/**
 * Backend kernels, side by side on the same data in the same run (median of ≥ 5 after a warm-up):
 * - `nearest` for 100k×64 points vs 256 centres: onnx (CPU) vs the js reference vs ml-kmeans's own
 *   assignment (`KMeansResult.nearest`), and (opt-in) faiss `IndexFlatL2.search` timed inside Python.
 * - `accumulate`, `matMul`, `logSoftmaxGather` (a Qwen3-sized vocabulary): onnx vs js.
 *
 * `GR2_BENCH_QUICK=1` runs small sizes; `GR2_BENCH_PYTHON=0` skips faiss.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { kmeans } from 'ml-kmeans';
import { Tensor, accumulate, initBackend, logSoftmaxGather, matMul, nearest } from '../src/backend/index.js';
import { Random } from '../src/sampling/random.js';
import { QUICK, medianMs, printTable, pythonAvailable, type BenchRow } from './_harness.js';

const N = QUICK ? 5_000 : 100_000;
const D = 64;
const K = 256;
const REPEATS = 5;

function gauss(rng: Random, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = scale * rng.gauss();
  return a;
}

const rng = new Random(1234);
const xData = gauss(rng, N * D);
const cData = gauss(rng, K * D);
const X = new Tensor('float32', xData, [N, D]);
const C = new Tensor('float32', cData, [K, D]);

const onnx = await initBackend('onnx', { device: 'cpu' });
const js = await initBackend('js');
console.log(`onnx backend: ${JSON.stringify(onnx.info())}`);
console.log(`data: x ${N}×${D}, centres ${K}×${D}, float32 gaussian, seed 1234; ${REPEATS} timed runs after 1 warm-up`);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`load average at start: ${load()} (the machine may be shared: compare within a table)`);

// ---------------------------------------------------------------- nearest
const rows: BenchRow[] = [];
let onnxIndex: Int32Array = new Int32Array(0);
rows.push({
  name: 'gr2 nearest, onnx (cpu)',
  ms: await medianMs(async () => {
    onnxIndex = (await nearest(X, C, { backend: onnx })).index;
  }, REPEATS),
  note: 'Gemm ranking + exact float64 re-rank of top 2, default chunks (2048 rows)',
});
let jsIndex: Int32Array = new Int32Array(0);
rows.push({
  name: 'gr2 nearest, js reference',
  ms: await medianMs(async () => {
    jsIndex = (await nearest(X, C, { backend: js })).index;
  }, REPEATS),
  note: 'float64 loops',
});

const xRows: number[][] = Array.from({ length: N }, (_, i) => Array.from(xData.subarray(i * D, (i + 1) * D)));
const cRows: number[][] = Array.from({ length: K }, (_, j) => Array.from(cData.subarray(j * D, (j + 1) * D)));
// a KMeansResult whose centroids are exactly C: one Lloyd step on the centres themselves, seeded with them
const model = kmeans(cRows, K, { initialization: cRows, maxIterations: 1 });
let mlIndex: number[] = [];
rows.push({
  name: 'ml-kmeans KMeansResult.nearest',
  ms: await medianMs(() => {
    mlIndex = model.nearest(xRows);
  }, REPEATS),
  note: 'number[][] input (conversion not timed)',
});

const agree = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return `${((100 * same) / a.length).toFixed(3)}%`;
};

const py = pythonAvailable(['numpy', 'faiss']);
if (py.ok) {
  const dir = mkdtempSync(join(tmpdir(), 'gr2-bench-'));
  try {
    writeFileSync(join(dir, 'x.f32'), xData);
    writeFileSync(join(dir, 'c.f32'), cData);
    const script = `
import json, time, sys, numpy as np, faiss
x = np.fromfile(sys.argv[1] + '/x.f32', dtype=np.float32).reshape(${N}, ${D})
c = np.fromfile(sys.argv[1] + '/c.f32', dtype=np.float32).reshape(${K}, ${D})
index = faiss.IndexFlatL2(${D}); index.add(c)
index.search(x, 1)
times = []
for _ in range(${REPEATS}):
    t0 = time.perf_counter(); D_, I = index.search(x, 1); times.append((time.perf_counter() - t0) * 1000)
I.astype(np.int32).tofile(sys.argv[1] + '/faiss_index.i32')
print(json.dumps({'ms': sorted(times)[len(times) // 2], 'threads': faiss.omp_get_max_threads()}))
`;
    // passive OpenMP waiting, as gr2's ORT sessions do not spin either (fairer on a shared machine)
    const r = spawnSync('/usr/bin/python3', ['-c', script, dir], { encoding: 'utf8', env: { OMP_WAIT_POLICY: 'PASSIVE', ...process.env } });
    if (r.status !== 0) {
      rows.push({ name: 'faiss IndexFlatL2.search (python)', ms: null, note: `failed: ${r.stderr.trim().split('\n').pop()}` });
    } else {
      const { ms, threads } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; threads: number };
      const fi = new Int32Array(readFileSync(join(dir, 'faiss_index.i32')).buffer.slice(0));
      rows.push({ name: 'faiss IndexFlatL2.search (python)', ms, note: `search only, ${threads} OpenMP threads; index agreement with onnx ${agree(fi, onnxIndex)}` });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  rows.push({ name: 'faiss IndexFlatL2.search (python)', ms: null, note: `skipped: ${py.reason}` });
}
printTable(`nearest: ${N}×${D} points, ${K} centres (index agreement onnx/js ${agree(onnxIndex, jsIndex)}, onnx/ml-kmeans ${agree(onnxIndex, mlIndex)})`, rows, 'gr2 nearest, onnx (cpu)');

// ---------------------------------------------------------------- other kernels
const index = Int32Array.from({ length: N }, () => rng.int(K));
printTable(`accumulate: ${N}×${D} rows into ${K} clusters`, [
  { name: 'onnx', ms: await medianMs(() => accumulate(X, index, K, { backend: onnx }), REPEATS), note: 'ScatterND add in float64' },
  { name: 'js', ms: await medianMs(() => accumulate(X, index, K, { backend: js }), REPEATS), note: 'float64 loop' },
], 'onnx');

const M = QUICK ? 128 : 512;
const A = new Tensor('float32', gauss(rng, M * M), [M, M]);
const B = new Tensor('float32', gauss(rng, M * M), [M, M]);
printTable(`matMul: ${M}×${M} · ${M}×${M}ᵀ`, [
  { name: 'onnx', ms: await medianMs(() => matMul(A, B, { backend: onnx, transposeB: true }), REPEATS), note: 'Gemm float32' },
  { name: 'js', ms: await medianMs(() => matMul(A, B, { backend: js, transposeB: true }), REPEATS), note: 'float64 dot products' },
], 'onnx');

const V = 151_936;
const S = QUICK ? 4 : 32;
const logits = new Tensor('float32', gauss(rng, S * V, 3), [1, S, V]);
const ids = new Tensor('int32', Int32Array.from({ length: S }, () => rng.int(V)), [1, S]);
printTable(`logSoftmaxGather: [1, ${S}, ${V}] logits`, [
  { name: 'onnx', ms: await medianMs(() => logSoftmaxGather(logits, ids, { backend: onnx }), REPEATS), note: 'max-shifted log-sum-exp graph' },
  { name: 'js', ms: await medianMs(() => logSoftmaxGather(logits, ids, { backend: js }), REPEATS), note: 'two passes per row, float64' },
], 'onnx');

console.log(`\nload average at end: ${load()}`);
await onnx.dispose();
