/**
 * Backend kernels, side by side on the same data in the same run:
 * - `nearest` for 100k×64 and 400k×64 points vs 256 centres: onnx (CPU) vs faiss `IndexFlatL2.search` (opt-in,
 *   /usr/bin/python3, timed inside a persistent Python process, `OMP_WAIT_POLICY=PASSIVE` unless set, default
 *   threads and 1 thread), interleaved round by round (`GR2_BENCH_ROUNDS`, at least 9 here): each ratio is the median
 *   (min–max) of the per-round ratios. Then the JavaScript peers (js reference, ml-kmeans) on 20k rows.
 * - `accumulate`, `matMul`, `logSoftmaxGather` (a Qwen3-sized vocabulary): onnx vs js.
 *
 * `GR2_BENCH_QUICK=1` runs small sizes; `GR2_BENCH_PYTHON=0` skips faiss.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { kmeans } from 'ml-kmeans';
import { Tensor, accumulate, buildNearestGraph, initBackend, logSoftmaxGather, matMul, nearest } from '../src/backend/index.js';
import type { OnnxBackend } from '../src/backend/onnx/backend.js';
import { Random } from '../src/sampling/random.js';
import { PythonPeer, QUICK, ROUNDS, interleaved, medianMs, printTable, pythonAvailable, spread, timeOnce, type BenchRow, type Contender } from './_harness.js';

const N = QUICK ? 5_000 : 100_000;
const SIZES = QUICK ? [5_000, 20_000] : [100_000, 400_000];
const D = 64;
const K = 256;
const REPEATS = 5;

function gauss(rng: Random, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = scale * rng.gauss();
  return a;
}

const rng = new Random(1234);
const xAll = gauss(rng, SIZES[SIZES.length - 1]! * D);
const xData = xAll.subarray(0, N * D);
const cData = gauss(rng, K * D);
const X = new Tensor('float32', xData, [N, D]);
const C = new Tensor('float32', cData, [K, D]);

const onnx = await initBackend('onnx', { device: 'cpu' });
const js = await initBackend('js');
console.log(`onnx backend: ${JSON.stringify(onnx.info())}`);
console.log(`data: x up to ${SIZES[SIZES.length - 1]}×${D}, centres ${K}×${D}, float32 gaussian, seed 1234`);
console.log(`settings: ORT intra-op threads = ORT default (one per physical core: ${availableParallelism()} logical CPUs here), spinning off; ` +
  `faiss OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY ?? 'PASSIVE'} with its default thread count and with 1 thread`);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`load average at start: ${load()} (the machine may be shared: ratios are per-round, interleaved)`);

const agree = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return `${((100 * same) / a.length).toFixed(3)}%`;
};

// ---------------------------------------------------------------- nearest
// exactness first: onnx must equal the js float64 reference bitwise (codes and distances)
{
  const a = await nearest(X, C, { backend: onnx });
  const b = await nearest(X, C, { backend: js });
  let same = 0;
  for (let i = 0; i < N; i++) if (a.index[i] === b.index[i] && a.distance[i] === b.distance[i]) same++;
  console.log(`nearest ${N}×${D} vs ${K}: onnx equals the js reference on ${same} of ${N} rows (index and distance bitwise)`);
}
const py = pythonAvailable(['numpy', 'faiss']);
const dir = mkdtempSync(join(tmpdir(), 'gr2-bench-'));
try {
  let peer: PythonPeer | null = null;
  if (py.ok) {
    writeFileSync(join(dir, 'x.f32'), xAll);
    writeFileSync(join(dir, 'c.f32'), cData);
    peer = new PythonPeer(`
import sys, numpy as np, faiss
X = np.fromfile(sys.argv[1] + '/x.f32', dtype=np.float32).reshape(-1, ${D})
c = np.fromfile(sys.argv[1] + '/c.f32', dtype=np.float32).reshape(${K}, ${D})
index = faiss.IndexFlatL2(${D}); index.add(c)
T = faiss.omp_get_max_threads()
def search(n, threads):
    def f():
        faiss.omp_set_num_threads(threads)
        _, I = index.search(X[:n], 1)
        I[:, 0].astype(np.int32).tofile(sys.argv[1] + '/faiss_%d.i32' % n)
        return threads
    return f
TASKS = {}
for n in (${SIZES.join(', ')}):
    TASKS['default_%d' % n] = search(n, T)
    TASKS['one_%d' % n] = search(n, 1)
`, [dir], { OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' });
  } else {
    console.log(`faiss skipped: ${py.reason}`);
  }
  for (const n of SIZES) {
    const Xn = new Tensor('float32', xAll.subarray(0, n * D), [n, D]);
    let onnxIndex: Int32Array = new Int32Array(0);
    const contenders: Contender[] = [
      {
        name: 'gr2 nearest, onnx (cpu)',
        run: () => timeOnce(async () => {
          onnxIndex = (await nearest(Xn, C, { backend: onnx })).index;
        }),
        note: 'Gemm + row/column minima of the score grid, exact float64 winner distance, exact re-scan inside the error bound; default chunks',
      },
    ];
    const ob = onnx as unknown as OnnxBackend;
    contenders.push({
      name: 'gr2 previous onnx graph (2048-row chunks)',
      run: () => timeOnce(async () => {
        for (let r0 = 0; r0 < n; r0 += 2048) {
          const r1 = Math.min(n, r0 + 2048);
          await ob.run('nearest', buildNearestGraph, { x: ob.tensor('float32', xAll.subarray(r0 * D, r1 * D), [r1 - r0, D]), centroids: ob.tensor(C) });
        }
      }),
      note: 'in-graph float64 re-rank of the top two for every row (still used by exportOnnx and on GPU)',
    });
    if (peer) {
      const p = peer;
      contenders.push(
        { name: 'faiss IndexFlatL2.search, default threads', run: async () => (await p.run(`default_${n}`)).ms, note: 'search only, timed in Python' },
        { name: 'faiss IndexFlatL2.search, 1 thread', run: async () => (await p.run(`one_${n}`)).ms, note: 'search only, timed in Python' },
      );
    }
    // a call takes 0.05–0.3 s: 9 rounds (at least) keep one noisy round from moving the median
    const t = await interleaved(`nearest: ${n}×${D} points, ${K} centres`, contenders, peer ? 'faiss IndexFlatL2.search, default threads' : 'gr2 nearest, onnx (cpu)', Math.max(ROUNDS, 9));
    if (peer) {
      const g = t.get('gr2 nearest, onnx (cpu)')!;
      const fd = t.get('faiss IndexFlatL2.search, default threads')!;
      const f1 = t.get('faiss IndexFlatL2.search, 1 thread')!;
      const r = spread(g.map((v, i) => v / Math.min(fd[i]!, f1[i]!)));
      console.log(`  gr2 / faiss at its best thread setting of each round: ${r.median.toFixed(2)} (${r.min.toFixed(2)}–${r.max.toFixed(2)})`);
      const fi = new Int32Array(readFileSync(join(dir, `faiss_${n}.i32`)).buffer.slice(0));
      console.log(`  index agreement gr2 onnx / faiss: ${agree(fi, onnxIndex)} (faiss ranks by the float32 expansion, gr2 is exact)`);
    }
  }
  peer?.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

{
  const rows: BenchRow[] = [];
  const xRows: number[][] = Array.from({ length: Math.min(N, 20_000) }, (_, i) => Array.from(xData.subarray(i * D, (i + 1) * D)));
  const cRows: number[][] = Array.from({ length: K }, (_, j) => Array.from(cData.subarray(j * D, (j + 1) * D)));
  const model = kmeans(cRows, K, { initialization: cRows, maxIterations: 1 });
  const Xs = new Tensor('float32', xData.subarray(0, xRows.length * D), [xRows.length, D]);
  rows.push({ name: 'gr2 nearest, onnx (cpu)', ms: await medianMs(() => nearest(Xs, C, { backend: onnx }), REPEATS) });
  rows.push({ name: 'gr2 nearest, js reference', ms: await medianMs(() => nearest(Xs, C, { backend: js }), 3), note: 'float64 loops' });
  rows.push({ name: 'ml-kmeans KMeansResult.nearest', ms: await medianMs(() => model.nearest(xRows), 3), note: 'number[][] input (conversion not timed)' });
  printTable(`nearest, JavaScript peers: ${xRows.length}×${D} points, ${K} centres (median of runs, not interleaved)`, rows, 'gr2 nearest, onnx (cpu)');
}

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
