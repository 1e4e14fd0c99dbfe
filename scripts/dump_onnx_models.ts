/**
 * Writes every kernel graph of the 'onnx' backend to `<dir>/<name>.onnx` (default `.cache/onnx_models`),
 * for inspection (e.g. Netron) and for `scripts/check_onnx_models.py`:
 *
 *     npx tsx scripts/dump_onnx_models.ts [dir]
 *     /usr/bin/python3 scripts/check_onnx_models.py [dir]
 *
 * Every kernel graph is listed in `KERNEL_GRAPHS` (src/backend/onnx/kernels/graphs.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KERNEL_GRAPHS } from '../src/backend/onnx/kernels/graphs.js';

const graphs: Readonly<Record<string, () => Uint8Array>> = KERNEL_GRAPHS;
const dir = resolve(process.argv[2] ?? '.cache/onnx_models');
mkdirSync(dir, { recursive: true });
for (const [name, build] of Object.entries(graphs)) {
  const bytes = build();
  writeFileSync(join(dir, `${name}.onnx`), bytes);
  console.log(`${name}.onnx  ${bytes.length} bytes`);
}
console.log(`wrote ${Object.keys(graphs).length} models to ${dir}`);
