/**
 * `npm run test:gpu`: the GPU check of the 'onnx' backend (not part of `npm test`; vitest excludes test/gpu/**).
 *
 * 1. Prints `ort.listSupportedBackends()`.
 * 2. Initialises the onnx backend with `device: 'cuda'` (TF32 off). When the CUDA execution provider is not
 *    available it prints "CUDA execution provider not available: <reason>; how to install: …" and exits 2.
 * 3. Prints `info()` (the execution providers in use) and a nearest-centroid smoke test on the GPU vs js.
 * 4. Runs the conformance suite on CUDA: `vitest run test/backend/onnx.test.ts` with GR2_TEST_DEVICE=cuda
 *    (tolerance 1e-3); exits with its status.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CUDA_INSTALL_HINT, CudaUnavailableError, Tensor, createOnnxBackend, nearest } from '../../src/backend/index.js';
import { Random } from '../../src/sampling/random.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ort = await import('onnxruntime-node');
console.log(`onnxruntime-node ${ort.env.versions.common}; platform ${process.platform} ${process.arch}; node ${process.versions.node}`);
console.log('ort.listSupportedBackends():', JSON.stringify(ort.listSupportedBackends()));

let backend;
try {
  backend = await createOnnxBackend({ device: 'cuda', useTf32: false });
} catch (e) {
  const reason = e instanceof CudaUnavailableError ? e.reason : e instanceof Error ? e.message : String(e);
  console.error(`CUDA execution provider not available: ${reason}; how to install: ${CUDA_INSTALL_HINT}`);
  process.exit(2);
}
const info = backend.info();
console.log('backend.info():', JSON.stringify(info));
console.log(`execution provider in use: ${info.executionProviders[0]} (device ${info.device})`);

// smoke test: 20k×64 points, 256 centres on CUDA vs the js reference
const rng = new Random(7);
const n = 20_000;
const x = new Tensor('float32', Float32Array.from({ length: n * 64 }, () => rng.gauss()), [n, 64]);
const c = new Tensor('float32', Float32Array.from({ length: 256 * 64 }, () => rng.gauss()), [256, 64]);
await nearest(x, c, { backend }); // warm-up (session creation, cuBLAS init)
const t0 = performance.now();
const gpu = await nearest(x, c, { backend });
const t1 = performance.now();
const ref = await nearest(x, c, { backend: 'js' });
let same = 0;
let maxRel = 0;
for (let i = 0; i < n; i++) {
  if (gpu.index[i] === ref.index[i]) same++;
  maxRel = Math.max(maxRel, Math.abs(gpu.distance[i]! - ref.distance[i]!) / Math.max(1e-12, ref.distance[i]!));
}
console.log(`nearest ${n}×64 vs 256 on ${info.device}: ${(t1 - t0).toFixed(1)} ms; index agreement with js ${((100 * same) / n).toFixed(3)}%; max relative distance error ${maxRel.toExponential(2)}`);
await backend.dispose();

console.log('\nconformance suite on CUDA (GR2_TEST_DEVICE=cuda, rtol/atol 1e-3):');
const r = spawnSync(join(root, 'node_modules', '.bin', 'vitest'), ['run', 'test/backend/onnx.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, GR2_TEST_DEVICE: 'cuda', NVIDIA_TF32_OVERRIDE: '0' },
});
process.exit(r.status ?? 1);
