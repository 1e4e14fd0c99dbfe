/**
 * Every kernel graph of the `'onnx'` backend by name, for validation and inspection
 * (`scripts/dump_onnx_models.ts` writes them to files, `scripts/check_onnx_models.py` runs the ONNX checker).
 * Adding a kernel: add its graph builder(s) here.
 *
 * @packageDocumentation
 */
import { buildAccumulateGraph } from './accumulate.js';
import { buildFullKlGraph } from './full_kl.js';
import { buildLogSoftmaxGatherGraph } from './log_softmax_gather.js';
import { buildMatMulGraph } from './mat_mul.js';
import { buildNearestGraph, buildNearestScreenGraph } from './nearest.js';
import { buildPolicyLossGraph } from './policy_loss.js';

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
  nearest_screen: buildNearestScreenGraph,
  accumulate: buildAccumulateGraph,
  mat_mul_00: () => buildMatMulGraph(false, false),
  mat_mul_01: () => buildMatMulGraph(false, true),
  mat_mul_10: () => buildMatMulGraph(true, false),
  mat_mul_11: () => buildMatMulGraph(true, true),
  log_softmax_gather: buildLogSoftmaxGatherGraph,
  // two representative policy-loss variants (the kernel builds one graph per spec)
  policy_loss_dapo_f32: () =>
    buildPolicyLossGraph({ dtype: 'float32', epsilonLow: 0.2, epsilonHigh: 0.28, dualClip: 0, klCoef: 0, klEstimator: 'k3', logRatioClamp: 20 }),
  policy_loss_kl_dualclip_f64: () =>
    buildPolicyLossGraph({ dtype: 'float64', epsilonLow: 0.2, epsilonHigh: 0.2, dualClip: 3, klCoef: 0.01, klEstimator: 'k3', logRatioClamp: 20 }),
  full_kl_f32: () => buildFullKlGraph('float32'),
  full_kl_f64: () => buildFullKlGraph('float64'),
};
