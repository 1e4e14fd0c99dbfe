/**
 * Semantic IDs for the 12,101 Amazon Beauty items (GR2's academic setting): item vectors from the
 * interaction sequences (PPMI + randomized SVD, dim 64), an RQ-KMeans tokenizer with 4 levels × 256 codes,
 * then GR2's uniqueness techniques. Prints reconstruction error, per-level usage and the uniqueness of
 * every last-level method.
 *
 * Run: `npx tsx examples/sid_beauty.ts` (env `GR2_BACKEND=js` to use the pure TypeScript backend,
 * `GR2_SID_ITERS=25` to change the Lloyd iterations per level).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createSidSpec,
  env,
  itemVectorsFromSequences,
  loadBeauty,
  renderSid,
  ResidualQuantizer,
  SidIndex,
  type LastLevelMethod,
} from 'gr2';

env.logLevel = 'error';
const backend = process.env.GR2_BACKEND ?? 'onnx';
const iters = Number(process.env.GR2_SID_ITERS ?? 25);
const t = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(2)} s`;

let t0 = performance.now();
const data = await loadBeauty();
const vectors = await itemVectorsFromSequences(data.sequences, { dim: 64, seed: 1, backend });
const [n, d] = vectors.shape;
console.log(`Amazon Beauty: ${n} items, item vectors ${n} × ${d} from ${data.sequences.length} sequences (${t(t0)})`);

t0 = performance.now();
const rq = await ResidualQuantizer.train(vectors, { levels: 4, codebookSize: 256, seed: 1234, backend, kmeans: { maxIterations: iters } });
console.log(`RQ-KMeans 4 × 256 trained in ${t(t0)} on backend '${backend}' (k-means++ init, ≤ ${iters} Lloyd iterations per level)`);
for (const r of rq.trainingReport) {
  console.log(`  level ${r.level}: inertia ${r.inertia.toFixed(2)}, ${r.iterations} iterations${r.converged ? ' (converged)' : ''}, ${r.usedCodes}/${r.codebookSize} codes used`);
}

console.log('\nReconstruction error by number of levels (greedy):');
const total = (await rq.reconstructionError(vectors, { backend })).meanSquaredError;
let energy = 0;
for (let i = 0; i < vectors.data.length; i++) energy += vectors.data[i]! ** 2;
for (let levels = 1; levels <= 4; levels++) {
  const q = ResidualQuantizer.fromBytes(rq.toBytes());
  const codes = await q.encode(vectors, { backend });
  // decode with the first `levels` codebooks only
  const L = 4;
  let err = 0;
  const books = q.codebooks;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) {
      let x = vectors.data[i * d + k]!;
      for (let l = 0; l < levels; l++) x -= books[l]!.data[codes.data[i * L + l]! * d + k]!;
      err += x * x;
    }
  }
  console.log(`  ${levels} level(s): MSE ${(err / n).toFixed(5)}  relative ${(err / energy).toFixed(4)}`);
}
const beam = await rq.reconstructionError(vectors, { backend, beamWidth: 5 });
console.log(`  4 levels, beam 5: MSE ${beam.meanSquaredError.toFixed(5)}  relative ${beam.relativeError.toFixed(4)} (greedy ${total.toFixed(5)})`);

console.log('\nSID uniqueness on the 12,101 items:');
const rows: Record<string, unknown>[] = [];
let unique = null as Awaited<ReturnType<typeof rq.assignSids>> | null;
for (const method of ['greedy', 'random', 'random-free', 'collision-aware'] as LastLevelMethod[]) {
  t0 = performance.now();
  const r = await rq.assignSids(vectors, { lastLevel: method, seed: 1234, backend });
  const err = await rq.reconstructionError(vectors, { codes: r.codes });
  const s = r.statistics;
  rows.push({
    method,
    uniqueness: `${(100 * s.uniqueness).toFixed(2)} %`,
    distinct: s.distinct,
    collisionGroups: s.collisionGroups,
    largestGroup: s.largestGroup,
    mse: err.meanSquaredError.toFixed(5),
    time: t(t0),
  });
  if (method === 'collision-aware') unique = r;
}
console.table(rows);
if (unique?.certificate) {
  const c = unique.certificate;
  console.log(
    `collision-aware certificate: maxPrefixLoad ${c.maxPrefixLoad} ≤ ${c.lastCodebookSize}, ${c.resolvedPrefixes} prefixes resolved, ` +
      `${c.movedItems} items moved, added distortion ${c.addedDistortion.toFixed(4)} (${c.addedDistortionPerItem.toExponential(3)} per item)`,
  );
  const usage = unique.statistics.levels.map((u, l) => `L${l}: ${u.used} used, ${u.dead} dead, entropy ${u.entropy.toFixed(2)} bits (${(100 * u.normalizedEntropy).toFixed(1)} %)`);
  console.log(`per-level usage: ${usage.join(' | ')}`);
  const index = SidIndex.fromCodes(Array.from(vectors.ids), unique.codes, { spec: createSidSpec() });
  console.log(`item 1 → ${index.sidOf(1)}; ${renderSid(index.codesOf(2)!)} → item ${index.itemOf(index.codesOf(2)!)}`);
}

const dir = await mkdtemp(join(tmpdir(), 'gr2-sid-'));
await rq.save(join(dir, 'beauty_rq.bin'));
await writeFile(join(dir, 'beauty_rq.onnx'), rq.exportOnnx());
console.log(`\nsaved quantizer and ONNX encoder to ${dir} (removed)`);
await rm(dir, { recursive: true, force: true });
