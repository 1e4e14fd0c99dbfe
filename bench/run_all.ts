/**
 * `npm run bench [-- name ...]`: runs every benchmark in bench/ (or the named ones) one after another, each in
 * its own process so that memory and JIT state do not leak between them.
 *
 * Environment: `GR2_BENCH_QUICK=1` runs the small sizes (smoke test); `GR2_BENCH_PYTHON=0` skips the Python
 * references (sklearn, torch, faiss through /usr/bin/python3), which otherwise run when importable.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run_all.ts' && !f.startsWith('_'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Available: ${all.join(', ')}.`);
  process.exit(2);
}
const selected = wanted.length > 0 ? wanted : all;
const tsx = join(here, '..', 'node_modules', '.bin', 'tsx');
let failed = 0;
for (const name of selected) {
  console.log(`\n=== bench/${name}.ts ===`);
  const started = Date.now();
  const r = spawnSync(tsx, [join(here, `${name}.ts`)], { stdio: 'inherit', env: process.env });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    failed++;
    console.log(`=== bench/${name}.ts FAILED (exit ${r.status ?? r.signal}) after ${secs}s ===`);
  } else {
    console.log(`=== bench/${name}.ts done in ${secs}s ===`);
  }
}
process.exit(failed > 0 ? 1 : 0);
