/**
 * Export of the policy-loss graph (loss + closed-form gradient + statistics) as an ONNX model file.
 *
 * @packageDocumentation
 */
import { writeFileSync } from 'node:fs';
import { assertFiniteNumber, assertOneOf, typeError } from '../errors.js';
import { buildPolicyLossGraph, type PolicyLossGraphSpec } from '../backend/index.js';
import type { KlEstimator } from '../backend/kernel_contracts.js';
import { resolveClipOptions } from './policy_loss.js';

/** Options of {@link exportPolicyLossOnnx} (the graph's constants). */
export interface ExportPolicyLossOptions {
  /** Float type of every input and output. @defaultValue `'float32'` */
  readonly dtype?: 'float32' | 'float64';
  /** ε_low. @defaultValue `0.2` */
  readonly epsilonLow?: number;
  /** ε_high. @defaultValue `0.28` */
  readonly epsilonHigh?: number;
  /** Dual-clip constant (> 1) or 0 for none. @defaultValue `0` */
  readonly dualClip?: number;
  /** β of a KL penalty; > 0 adds the input `ref_log_probs`. @defaultValue `0` */
  readonly klCoef?: number;
  /** KL estimator. @defaultValue `'k3'` */
  readonly klEstimator?: KlEstimator;
  /** Log-ratio clamp before `exp`. @defaultValue `20` */
  readonly logRatioClamp?: number;
}

/**
 * Writes the fused policy-loss graph to `path` (ONNX opset 17, IR 8), so other runtimes (ONNX Runtime in Python,
 * C++, the browser) compute the same loss and gradient.
 *
 * Inputs (`D` = float or double): `log_probs [b,t]`, `old_log_probs [b,t]`, `advantages [b,1]` (per sequence) or
 * `[b,t]` (per token), `mask [b,t]` (0/1), `seq_weights [b,1]` (the aggregation weight `c_b` of each sequence:
 * `1/N` for token-mean, `1/(L_b·S)` for seq-mean-token-mean, `1/S`, `1/(S·C)` — see `aggregationWeights`), and
 * `ref_log_probs [b,t]` when `klCoef > 0`. Outputs: `loss`, `pg_loss`, `kl_loss`, `grad [b,t]` (= ∂loss/∂log_probs),
 * and the scalar statistics `tokens`, `clip_low`, `clip_high`, `dual_clip`, `ratio_sum`, `ratio_max`,
 * `neg_log_ratio_sum`, `k3_sum`, `kl_sum`.
 *
 * @param path - destination file (overwritten).
 * @param options - see {@link ExportPolicyLossOptions}.
 * @returns the number of bytes written.
 * @throws TypeError when `path` is not a string; RangeError on bad options.
 * @example
 * ```ts
 * exportPolicyLossOnnx('dapo_loss.onnx', { dtype: 'float32' }); // 4252 (bytes)
 * // python: ort.InferenceSession('dapo_loss.onnx').run(['loss', 'grad'], feeds)
 * ```
 */
export function exportPolicyLossOnnx(path: string, options: ExportPolicyLossOptions = {}): number {
  const fn = 'exportPolicyLossOnnx';
  if (typeof path !== 'string' || path.length === 0) throw typeError(fn, 'path', 'a non-empty string', path);
  const dtype = options.dtype ?? 'float32';
  assertOneOf(fn, 'dtype', dtype, ['float32', 'float64'] as const);
  const { epsilonLow, epsilonHigh, dualClip } = resolveClipOptions(fn, options, false);
  const klCoef = options.klCoef ?? 0;
  assertFiniteNumber(fn, 'klCoef', klCoef, { min: 0 });
  const klEstimator = options.klEstimator ?? 'k3';
  assertOneOf(fn, 'klEstimator', klEstimator, ['k1', 'k2', 'k3'] as const);
  const logRatioClamp = options.logRatioClamp ?? 20;
  assertFiniteNumber(fn, 'logRatioClamp', logRatioClamp, { min: 0, minExclusive: true });
  const spec: PolicyLossGraphSpec = { dtype, epsilonLow, epsilonHigh, dualClip, klCoef, klEstimator, logRatioClamp };
  const bytes = buildPolicyLossGraph(spec);
  writeFileSync(path, bytes);
  return bytes.length;
}
