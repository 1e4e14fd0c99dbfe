/**
 * SID tokenizer benchmark (issue 4).
 *
 * 0. Interleaved with faiss (≥ 5 rounds, median and min–max of the per-round ratios): RQ-KMeans training with the
 *    default options (k-means++ seeding) and with random init; k-means++ seeding alone per `seedingBackend` (the
 *    fused js pass vs the Gemm screen); then RQ training from 50k to 800k rows, each size in a fresh process, with
 *    peak RSS, beside the floor of any RQ training on ONNX Runtime in Node (the library, the rows, one residual copy
 *    and a single ONNX Runtime run, no training). `GR2_BENCH_SID_TRAIN_ONLY=1` stops after the first two
 *    (`GR2_BENCH_SID_SCALING=1`: after the scaling).
 * 1. RQ-KMeans training, 4 levels × 256 codes on 200k × 64 seeded clustered vectors, a fixed number of Lloyd
 *    iterations per level, random initialisation (as faiss), gr2 on ONNX Runtime CPU vs faiss `Kmeans` run level
 *    by level over the residuals (opt-in, /usr/bin/python3 faiss; `max_points_per_centroid` raised so faiss sees
 *    all 200k rows like gr2 — by default it would subsample to 256·k = 65,536).
 * 2. Encode throughput of the same 200k rows: gr2 `encode()` vs faiss per-level `index.search` + residual update.
 * 3. k-means 20k × 64, k = 256, same initial centroids and iterations: gr2 vs ml-kmeans 7, alone (10 assignment
 *    passes, its `clusters` one update stale) and with its own final `result.nearest(data)` (11 passes, as gr2).
 * 4. Streaming encode of 2M × 64 rows in 50k-row chunks in a child process: throughput and peak RSS.
 *
 * The child processes (sections 0 and 4, the ones whose peak RSS is reported) run this file compiled to JavaScript by
 * `tsc` under plain `node`: the library as it ships, without the TypeScript loader, which alone adds about 35 MiB of
 * RSS (a process that imports the library and ONNX Runtime: 57 MiB under node, 92 MiB under tsx). When the
 * compilation fails they run under tsx, and the table says so. For the same reason the peers used only by the
 * parent (ml-kmeans: 27–30 MiB of RSS once imported) are imported where they are used, not at the top.
 *
 * `GR2_BENCH_QUICK=1`: 20k training rows, 4k for k-means, 200k streamed. `GR2_BENCH_PYTHON=0` skips faiss.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PythonPeer, QUICK, interleaved, medianMs, printTable, pythonAvailable, timeOnce, type BenchRow, type Contender } from './_harness.js';
import { kmeans, ResidualQuantizer, sidUniqueness } from '../src/sid/index.js';
import { nearest } from '../src/backend/index.js';
import { Random } from '../src/sampling/random.js';
import { env } from '../src/env.js';

env.logLevel = 'error';
const D = 64;
const K = 256;
const LEVELS = 4;
const ITERS = 10;

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Peak RSS of this process in MiB: `VmHWM` of /proc/self/status (the peak of this process's own address space),
 * else `getrusage` `ru_maxrss`. Not `ru_maxrss` first: on Linux a spawned child's `ru_maxrss` starts at its
 * parent's RSS at the fork (about 310 MiB for this benchmark's parent), which would floor every child's figure.
 */
function peakRssMiB(): number {
  try {
    const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
    if (line) return Number(line.split(/\s+/)[1]) / 1024;
  } catch {
    /* not Linux */
  }
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * How to start a child in `mode` (`--train-child`, `--stream-child`): this file compiled by `tsc` (into
 * `node_modules/.cache/gr2-bench`, once per run) under `node`, or, when that fails, this file under tsx.
 */
const childCommand = (() => {
  let cached: { cmd: string; script: string; runtime: string } | null = null;
  return (): { cmd: string; script: string; runtime: string } => {
    if (cached) return cached;
    const out = join(ROOT, 'node_modules', '.cache', 'gr2-bench');
    const tsc = spawnSync(
      join(ROOT, 'node_modules', '.bin', 'tsc'),
      [join(ROOT, 'bench', 'sid.ts'), '--outDir', out, '--rootDir', ROOT, '--module', 'NodeNext', '--moduleResolution', 'NodeNext',
        '--target', 'ES2022', '--types', 'node', '--strict', '--skipLibCheck', '--esModuleInterop', '--resolveJsonModule'],
      { encoding: 'utf8' },
    );
    const script = join(out, 'bench', 'sid.js');
    cached = tsc.status === 0
      ? { cmd: process.execPath, script, runtime: 'compiled JS under node' }
      : { cmd: join(ROOT, 'node_modules', '.bin', 'tsx'), script: fileURLToPath(import.meta.url), runtime: `tsx (tsc failed: ${(tsc.stdout + tsc.stderr).trim().split('\n')[0]})` };
    return cached;
  };
})();

/**
 * Python (with `numpy as np` and `faiss` imported): the faiss RQ-KMeans peer, k-means per level over the residuals
 * (random init, `max_points_per_centroid = n` so faiss sees every row like gr2), shared by every faiss section below.
 * Returns the codebooks, the codes (when `keep_codes`, else None) and the final residual.
 */
const FAISS_RQ = `
def faiss_rq(X, keep_codes):
    n, d = X.shape
    R = X.copy(); books = []
    codes = np.empty((n, ${LEVELS}), dtype=np.int64) if keep_codes else None
    for l in range(${LEVELS}):
        km = faiss.Kmeans(d, ${K}, niter=${ITERS}, seed=1 + l, max_points_per_centroid=n, verbose=False)
        km.train(R)
        _, I = km.index.search(R, 1)
        if keep_codes: codes[:, l] = I[:, 0]
        R -= km.centroids[I[:, 0]]
        books.append(km.centroids.copy())
    return books, codes, R
`;

/** `n` rows around `centers` Gaussian centres, deterministic from `seed`, generated in pieces. */
function clustered(n: number, seed: number, centers = 1000, offset = 0): Float32Array {
  const rng = new Random(seed);
  const C = new Float32Array(centers * D);
  for (let i = 0; i < C.length; i++) C[i] = rng.gauss() * 3;
  const rowRng = new Random(seed + 1 + offset);
  const X = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rowRng.random() * centers);
    for (let t = 0; t < D; t++) X[i * D + t] = C[c * D + t]! + rowRng.gauss();
  }
  return X;
}

/** The first `n` rows of a float32 file of `D` columns, read alone (as numpy's `fromfile(count=…)` on the faiss side). */
function readRows(file: string, n: number): Float32Array {
  const X = new Float32Array(n * D);
  const fd = openSync(file, 'r');
  readSync(fd, new Uint8Array(X.buffer), 0, X.byteLength, 0);
  closeSync(fd);
  return X;
}

// ---- child mode: streaming encode with RSS measurement ---------------------------------------------
if (process.argv[2] === '--stream-child') {
  const [, , , modelPath, totalRows, chunkRows] = process.argv;
  const rq = await ResidualQuantizer.load(modelPath!);
  const total = Number(totalRows);
  const chunk = Number(chunkRows);
  async function* chunks() {
    for (let s = 0, c = 0; s < total; s += chunk, c++) {
      const rows = Math.min(chunk, total - s);
      yield { data: clustered(rows, 77, 1000, c), shape: [rows, D] as [number, number] };
    }
  }
  const t0 = performance.now();
  let encoded = 0;
  let checksum = 0;
  for await (const codes of rq.encodeStream(chunks(), { backend: 'onnx' })) {
    encoded += codes.dims[0]!;
    checksum = (checksum + codes.data[0]!) % 1_000_003;
  }
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ encoded, ms, maxRssMiB: peakRssMiB(), checksum }));
  process.exit(0);
}

// ---- child mode: the floor of any RQ training on ONNX Runtime in Node, with peak RSS ------------------------
// node + the library + ONNX Runtime, the first n rows and one residual copy of them (as any RQ trainer, faiss's
// included, holds), and a single ONNX Runtime run (a 64-row `nearest` against 2 centres: one session, no training)
if (process.argv[2] === '--floor-child') {
  const [, , , file, rows] = process.argv;
  const n = Number(rows);
  const X = readRows(file!, n);
  const residual = X.slice();
  const m = Math.min(64, n);
  await nearest({ data: X.subarray(0, m * D), shape: [m, D] }, { data: X.subarray(0, 2 * D), shape: [2, D] }, { backend: 'onnx' });
  console.log(JSON.stringify({ ms: 0, maxRssMiB: peakRssMiB(), check: residual[n * D - 1] === X[n * D - 1] }));
  process.exit(0);
}

// ---- child mode: RQ training on the first n rows of a file, with peak RSS -------------------------------
if (process.argv[2] === '--train-child') {
  const [, , , file, rows] = process.argv;
  const n = Number(rows);
  const X = readRows(file!, n);
  const t0 = performance.now();
  const rq = await ResidualQuantizer.train({ data: X, shape: [n, D] }, { levels: LEVELS, codebookSize: K, seed: 1, backend: 'onnx', kmeans: { maxIterations: ITERS, tolerance: 0 } });
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ ms, maxRssMiB: peakRssMiB(), levels: rq.levels }));
  process.exit(0);
}

const N = QUICK ? 20_000 : 200_000;
const NK = QUICK ? 4_000 : 20_000;
const STREAM = QUICK ? 200_000 : 2_000_000;
const REPEATS = 5;
const dir = mkdtempSync(join(tmpdir(), 'gr2-bench-sid-'));
try {
  console.log(`data: ${N} × ${D} clustered (1000 centres, seed 1); ${LEVELS} levels × ${K}; ${ITERS} Lloyd iterations per level`);
  const X = clustered(N, 1);
  const M = { data: X, shape: [N, D] as [number, number] };
  writeFileSync(join(dir, 'x.f32'), X);

  // ---- 0: training, interleaved: gr2 default options and random init vs faiss per-level k-means -------------
  {
    const peerOk = pythonAvailable(['faiss', 'numpy']);
    const quality: Record<string, string> = {};
    const measure = async (name: string, rq: ResidualQuantizer) => {
      const codes = await rq.encode(M, { backend: 'onnx' });
      const mseV = (await rq.reconstructionError(M, { backend: 'onnx', codes })).meanSquaredError;
      quality[name] = `MSE ${mseV.toFixed(4)}, uniqueness ${(100 * sidUniqueness(codes)).toFixed(2)} %`;
    };
    const gr2Default = { levels: LEVELS, codebookSize: K, seed: 1, backend: 'onnx', kmeans: { maxIterations: ITERS, tolerance: 0 } } as const;
    const gr2Random = { ...gr2Default, kmeans: { ...gr2Default.kmeans, init: 'random' as const } };
    // training alone is timed; the quality measurement (encode + error) follows it, untimed
    const trainContender = (name: string, opts: typeof gr2Default | typeof gr2Random, note: string): Contender => ({
      name,
      note,
      run: async () => {
        let rq: ResidualQuantizer | null = null;
        const ms = await timeOnce(async () => {
          rq = await ResidualQuantizer.train(M, opts);
        });
        await measure(name, rq!);
        return ms;
      },
    });
    const contenders: Contender[] = [
      trainContender('gr2 RQ-KMeans, default options', gr2Default, 'k-means++ seeding on ≤ 32·k rows, the library default'),
      trainContender('gr2 RQ-KMeans, random init', gr2Random, 'as faiss'),
    ];
    let peer: PythonPeer | null = null;
    if (peerOk.ok) {
      peer = new PythonPeer(`
import sys, numpy as np, faiss
n = ${N}
X = np.fromfile(sys.argv[1], dtype=np.float32).reshape(n, ${D})
${FAISS_RQ}
last = {}
def train():
    _, last['codes'], last['R'] = faiss_rq(X, True)
def quality():  # untimed, like gr2's encode + error
    R = last['R']
    u = len(np.unique(last['codes'], axis=0)) / n
    return {'mse': float((R * R).sum() / n), 'uniqueness': u, 'threads': faiss.omp_get_max_threads()}
TASKS = {'train': train, 'quality': quality}
`, [join(dir, 'x.f32')], { OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' });
      const p = peer;
      contenders.push({
        name: 'faiss Kmeans per level (python)',
        run: async () => {
          const r = await p.run('train');
          const v = (await p.run('quality')).value as { mse: number; uniqueness: number; threads: number };
          quality['faiss Kmeans per level (python)'] = `MSE ${v.mse.toFixed(4)}, uniqueness ${(100 * v.uniqueness).toFixed(2)} %, ${v.threads} threads, OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY ?? 'PASSIVE'}`;
          return r.ms;
        },
        note: 'random init, max_points_per_centroid = n',
      });
    }
    await interleaved(`RQ-KMeans training, ${N} × ${D}, ${LEVELS} × ${K}, ${ITERS} Lloyd iterations/level, tolerance 0`, contenders, peer ? 'faiss Kmeans per level (python)' : contenders[0]!.name);
    for (const [name, q] of Object.entries(quality)) console.log(`  ${name}: ${q}`);
    peer?.close();

    // k-means++ seeding alone: the D² updates of 256 centres over a 32·k-row sample, per seeding backend
    {
      const m = 32 * K;
      const S = { data: X.subarray(0, m * D), shape: [m, D] as [number, number] };
      const seedOnce = (seedingBackend: 'js' | 'onnx') => () =>
        timeOnce(() => kmeans(S, K, { maxIterations: 0, backend: 'onnx', seedingBackend, seed: 3 }));
      await interleaved(
        `k-means++ seeding, ${m} × ${D} (the default 32·k sample), k = ${K}, plus one assignment of the ${m} rows`,
        [
          { name: "seedingBackend 'js' (fused pass)", run: seedOnce('js'), note: 'triangle inequality + partial sums' },
          { name: "seedingBackend 'onnx' (Gemm screen)", run: seedOnce('onnx'), note: 'the default on ONNX Runtime (CPU)' },
        ],
        "seedingBackend 'js' (fused pass)",
      );
    }
    if (process.env.GR2_BENCH_SID_TRAIN_ONLY === '1' && process.env.GR2_BENCH_SID_SCALING !== '1') {
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    }
  }

  // ---- 0b: scaling 50k → 800k rows, gr2 default options vs faiss, each run in its own process (peak RSS) ----
  {
    const sizes = QUICK ? [10_000, 20_000, 40_000] : [50_000, 100_000, 200_000, 400_000, 800_000];
    const maxN = sizes[sizes.length - 1]!;
    const file = join(dir, 'scale.f32');
    writeFileSync(file, clustered(maxN, 5));
    const child = childCommand();
    const peerOk = pythonAvailable(['faiss', 'numpy']);
    const faissScript = `
import sys, json, time, resource, numpy as np, faiss
n = int(sys.argv[2])
X = np.fromfile(sys.argv[1], dtype=np.float32, count=n * ${D}).reshape(n, ${D})
${FAISS_RQ}
t0 = time.perf_counter()
faiss_rq(X, False)
ms = (time.perf_counter() - t0) * 1000
try:
    hwm = next(float(l.split()[1]) / 1024 for l in open('/proc/self/status') if l.startswith('VmHWM:'))
except OSError:
    hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({'ms': ms, 'maxRssMiB': hwm}))
`;
    const runChild = (cmd: string, args: string[], env: NodeJS.ProcessEnv) => {
      const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 22, env });
      if (r.status !== 0) return null;
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; maxRssMiB: number };
    };
    console.log(`\nScaling: RQ-KMeans ${LEVELS} × ${K}, ${ITERS} iterations/level, default options (gr2) vs faiss per-level k-means (random init), ` +
      `clustered rows (seed 5) read from one file; each run in a fresh process (gr2: ${child.runtime}; faiss: /usr/bin/python3), one run per size, alternating`);
    console.log(`  ${'rows'.padStart(8)} ${'gr2 s'.padStart(8)} ${'µs/row'.padStart(7)} ${'peak RSS'.padStart(9)}   ${'faiss s'.padStart(8)} ${'µs/row'.padStart(7)} ${'peak RSS'.padStart(9)}   gr2/faiss time, RSS   ${'floor'.padStart(9)}`);
    for (const n of sizes) {
      const g = runChild(child.cmd, [child.script, '--train-child', file, String(n)], process.env);
      const f = peerOk.ok ? runChild('/usr/bin/python3', ['-c', faissScript, file, String(n)], { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' }) : null;
      const floor = runChild(child.cmd, [child.script, '--floor-child', file, String(n)], process.env);
      const fmt = (r: { ms: number; maxRssMiB: number } | null) =>
        r ? `${(r.ms / 1000).toFixed(2).padStart(8)} ${((1000 * r.ms) / n).toFixed(2).padStart(7)} ${`${r.maxRssMiB.toFixed(0)} MiB`.padStart(9)}` : `${'failed'.padStart(8)} ${''.padStart(7)} ${''.padStart(9)}`;
      const ratio = g && f ? `${(g.ms / f.ms).toFixed(2)}, ${(g.maxRssMiB / f.maxRssMiB).toFixed(2)}` : '-';
      console.log(`  ${String(n).padStart(8)} ${fmt(g)}   ${fmt(f)}   ${ratio.padEnd(19)} ${(floor ? `${floor.maxRssMiB.toFixed(0)} MiB` : 'failed').padStart(9)}`);
    }
    console.log('  floor: peak RSS of a process that loads the library, the n rows and one residual copy and makes a single ONNX Runtime ' +
      'run (a 64-row nearest, no training): what any RQ training on ONNX Runtime in Node holds at least');
    if (process.env.GR2_BENCH_SID_TRAIN_ONLY === '1') {
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    }
  }

  // ---- 1 + 2: training and encoding, gr2 -------------------------------------------------------------
  const trainOpts = { levels: LEVELS, codebookSize: K, seed: 1, backend: 'onnx', kmeans: { init: 'random' as const, maxIterations: ITERS, tolerance: 0 } };
  let rq: ResidualQuantizer | null = null;
  const trainMs = await medianMs(async () => {
    rq = await ResidualQuantizer.train(M, trainOpts);
  }, REPEATS, 0);
  const ours = rq! as ResidualQuantizer;
  const encodeMs = await medianMs(() => ours.encode(M, { backend: 'onnx' }), REPEATS, 1);
  const mse = (await ours.reconstructionError(M, { backend: 'onnx' })).meanSquaredError;
  const ppMs = await medianMs(() => ResidualQuantizer.train(M, { ...trainOpts, kmeans: { maxIterations: ITERS, tolerance: 0 } }), 1, 0);
  const jsRows = Math.min(N, 20_000);
  const jsEncodeMs = await medianMs(() => ours.encode({ data: X.subarray(0, jsRows * D), shape: [jsRows, D] }, { backend: 'js' }), 3, 0);

  // ---- faiss -------------------------------------------------------------------------------------------
  const trainRows: BenchRow[] = [{ name: 'gr2 (onnx cpu)', ms: trainMs, note: `MSE ${mse.toFixed(4)}; +1 final assignment per level` }];
  const encodeRows: BenchRow[] = [
    { name: 'gr2 encode (onnx cpu)', ms: encodeMs, note: `${((N / encodeMs) * 1000).toFixed(0)} rows/s` },
    { name: 'gr2 encode (js, scaled)', ms: jsEncodeMs * (N / jsRows), note: `measured on ${jsRows} rows × ${(N / jsRows).toFixed(0)}` },
  ];
  const py = pythonAvailable(['faiss', 'numpy']);
  if (py.ok) {
    const script = `
import sys, json, time, numpy as np, faiss
n, d, L, reps = ${N}, ${D}, ${LEVELS}, ${REPEATS}
X = np.fromfile(sys.argv[1], dtype=np.float32).reshape(n, d)
${FAISS_RQ}
def train():
    books, _, R = faiss_rq(X, False)
    return books, float((R * R).sum() / n)
def encode(books):
    R = X.copy(); codes = np.empty((n, L), dtype=np.int64)
    for l, B in enumerate(books):
        index = faiss.IndexFlatL2(d); index.add(B)
        _, I = index.search(R, 1)
        codes[:, l] = I[:, 0]; R -= B[I[:, 0]]
    return codes
times = []
for r in range(reps):
    t0 = time.perf_counter(); books, mse = train(); times.append(time.perf_counter() - t0)
enc = []
encode(books)
for r in range(reps):
    t0 = time.perf_counter(); encode(books); enc.append(time.perf_counter() - t0)
print(json.dumps({"train_ms": 1000 * sorted(times)[reps // 2], "encode_ms": 1000 * sorted(enc)[reps // 2], "mse": mse, "threads": faiss.omp_get_max_threads()}))
`;
    // OMP_WAIT_POLICY=PASSIVE: on a shared, oversubscribed CPU faiss's spinning OpenMP threads were 5× slower.
    const r = spawnSync('/usr/bin/python3', ['-c', script, join(dir, 'x.f32')], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
      env: { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' },
    });
    if (r.status === 0) {
      const f = JSON.parse(r.stdout.trim().split('\n').pop()!);
      trainRows.push({ name: 'faiss Kmeans per level', ms: f.train_ms, note: `MSE ${f.mse.toFixed(4)}; ${f.threads} threads; max_points_per_centroid = n` });
      encodeRows.push({ name: 'faiss IndexFlatL2 per level', ms: f.encode_ms, note: `${((N / f.encode_ms) * 1000).toFixed(0)} rows/s` });
    } else {
      trainRows.push({ name: 'faiss Kmeans per level', ms: null, note: `failed: ${r.stderr.slice(-200)}` });
    }
  } else {
    trainRows.push({ name: 'faiss Kmeans per level', ms: null, note: `skipped: ${py.reason}` });
    encodeRows.push({ name: 'faiss IndexFlatL2 per level', ms: null, note: `skipped: ${py.reason}` });
  }
  trainRows.push({ name: 'gr2 with k-means++ init (1 run)', ms: ppMs, note: 'D² sampling on ≤ 32·k rows (the default)' });
  printTable(`RQ-KMeans training, ${N} × ${D}, ${LEVELS} × ${K}, ${ITERS} iterations/level (median of ${REPEATS})`, trainRows, 'faiss Kmeans per level');
  printTable(`Greedy encode of ${N} × ${D} (median of ${REPEATS})`, encodeRows, 'faiss IndexFlatL2 per level');

  // ---- 3: k-means vs ml-kmeans -------------------------------------------------------------------------
  // imported here, not at the top: the child processes run this file too, and importing ml-kmeans (with ml-matrix)
  // alone adds 27–30 MiB of RSS, which would inflate the peak RSS they report for gr2
  const { kmeans: mlKmeans } = await import('ml-kmeans');
  const Y = X.subarray(0, NK * D);
  const init = await kmeans({ data: Y, shape: [NK, D] }, K, { init: 'random', seed: 3, maxIterations: 0, backend: 'js' });
  const initRows = Array.from({ length: K }, (_, j) => Array.from(init.centroids.data.subarray(j * D, j * D + D)));
  const yRows = Array.from({ length: NK }, (_, i) => Array.from(Y.subarray(i * D, i * D + D)));
  let oursInertia = 0;
  const oursKm = await medianMs(async () => {
    oursInertia = (await kmeans({ data: Y, shape: [NK, D] }, K, { init: initRows, maxIterations: ITERS, tolerance: 0, emptyClusters: 'keep', backend: 'onnx' })).inertia;
  }, REPEATS, 1);
  // ml-kmeans returns `clusters` from its last assignment, made before its last centroid update; gr2 returns the
  // assignments (and inertia) of the returned centroids, one more assignment pass. The like-for-like reference adds
  // that pass with ml-kmeans's own `result.nearest(data)`. Both are timed in the same repetition loop.
  let mlIters = 0;
  const mlTimes: number[] = [];
  const mlFinalTimes: number[] = [];
  for (let r = 0; r < (QUICK ? 3 : REPEATS); r++) {
    const t0 = performance.now();
    const res = mlKmeans(yRows, K, { initialization: initRows.map((row) => [...row]), maxIterations: ITERS, tolerance: 0 });
    const t1 = performance.now();
    res.nearest(yRows);
    const t2 = performance.now();
    mlIters = res.iterations;
    mlTimes.push(t1 - t0);
    mlFinalTimes.push(t2 - t0);
  }
  const median = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1]!;
  const mlKm = median(mlTimes);
  const mlKmFinal = median(mlFinalTimes);
  // end to end with each library's own seeded k-means++ (one run each: ml-kmeans's seeding alone takes tens of seconds)
  let ppInertia = 0;
  const oursPP = await medianMs(async () => {
    ppInertia = (await kmeans({ data: Y, shape: [NK, D] }, K, { seed: 3, maxIterations: ITERS, tolerance: 0, backend: 'onnx' })).inertia;
  }, 1, 0);
  const trials = 2 + Math.floor(Math.log(K));
  let greedyInertia = 0;
  const oursGreedy = await medianMs(async () => {
    greedyInertia = (await kmeans({ data: Y, shape: [NK, D] }, K, { seed: 3, localTrials: trials, maxIterations: ITERS, tolerance: 0, backend: 'onnx' })).inertia;
  }, 1, 0);
  let mlPPInertia = NaN;
  let mlPPCentroids: number[][] | null = null;
  const mlPP = await medianMs(() => {
    const r = mlKmeans(yRows, K, { initialization: 'kmeans++', seed: 3, maxIterations: ITERS, tolerance: 0 });
    mlPPCentroids = r.centroids;
  }, 1, 0);
  if (mlPPCentroids) {
    const { distance } = await nearest({ data: Y, shape: [NK, D] }, mlPPCentroids, { backend: 'onnx' });
    mlPPInertia = distance.reduce((a, v) => a + v, 0);
  }
  printTable(
    `k-means ${NK} × ${D}, k = ${K}, ${ITERS} iterations`,
    [
      { name: 'gr2 kmeans (onnx cpu)', ms: oursKm, note: `same init as ml-kmeans, median of ${REPEATS}; inertia ${oursInertia.toFixed(1)}; ${ITERS + 1} assignment passes` },
      { name: 'ml-kmeans 7.0.1 + final nearest', ms: mlKmFinal, note: `same init, ${mlIters} iterations + result.nearest(data): ${ITERS + 1} assignment passes, like gr2` },
      { name: 'ml-kmeans 7.0.1', ms: mlKm, note: `same init, ${mlIters} iterations: ${ITERS} assignment passes, clusters one update stale; median of ${QUICK ? 3 : REPEATS}` },
      { name: 'gr2 kmeans++ end to end', ms: oursPP, note: `1 run; inertia ${ppInertia.toFixed(1)}` },
      { name: `gr2 greedy kmeans++ (${trials} trials)`, ms: oursGreedy, note: `1 run; inertia ${greedyInertia.toFixed(1)}` },
      { name: 'ml-kmeans kmeans++ end to end', ms: mlPP, note: `1 run (greedy, ${trials} trials); inertia ${Number.isFinite(mlPPInertia) ? mlPPInertia.toFixed(1) : 'n/a'}` },
    ],
    'gr2 kmeans (onnx cpu)',
  );

  // ---- 4: streaming encode in a child process -------------------------------------------------------------
  const model = join(dir, 'rq.bin');
  await ours.save(model);
  const runner = childCommand();
  const child = spawnSync(runner.cmd, [runner.script, '--stream-child', model, String(STREAM), '50000'], { encoding: 'utf8', env: process.env });
  if (child.status === 0) {
    const s = JSON.parse(child.stdout.trim().split('\n').pop()!);
    console.log(
      `\nStreaming encode of ${s.encoded.toLocaleString('en-US')} × ${D} rows in 50k-row chunks (child process, ${runner.runtime}): ` +
        `${(s.ms / 1000).toFixed(1)} s, ${((s.encoded / s.ms) * 1000).toFixed(0)} rows/s (incl. generating the rows), ` +
        `peak RSS ${s.maxRssMiB.toFixed(0)} MiB (target < 1024 MiB; the full matrix alone would be ${((STREAM * D * 4) / 2 ** 20).toFixed(0)} MiB)`,
    );
  } else {
    console.log(`\nStreaming child failed (exit ${child.status}): ${child.stderr.slice(-400)}`);
    process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
