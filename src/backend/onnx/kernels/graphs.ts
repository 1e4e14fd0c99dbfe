/**
 * Every kernel graph of the `'onnx'` backend by name, for validation and inspection
 * (`scripts/dump_onnx_models.ts` writes them to files, `scripts/check_onnx_models.py` runs the ONNX checker).
 * Adding a kernel: add its graph builder(s) here.
 *
 * @packageDocumentation
 */
import { buildAccumulateGraph } from './accumulate.js';
import { buildLogSoftmaxGatherGraph } from './log_softmax_gather.js';
import { buildMatMulGraph } from './mat_mul.js';
import { buildNearestGraph } from './nearest.js';

/**
 * Graph name → builder of the serialised `ModelProto`.
 *
 * @example
 * ```ts
 * for (const [name, build] of Object.entries(KERNEL_GRAPHS)) writeFileSync(`${name}.onnx`, build());
 * ```
 */
export const KERNEL_GRAPHS: Readonly<Record<string, () => Uint8Array>> = {
  nearest: buildNearestGraph,
  accumulate: buildAccumulateGraph,
  mat_mul_00: () => buildMatMulGraph(false, false),
  mat_mul_01: () => buildMatMulGraph(false, true),
  mat_mul_10: () => buildMatMulGraph(true, false),
  mat_mul_11: () => buildMatMulGraph(true, true),
  log_softmax_gather: buildLogSoftmaxGatherGraph,
};
