/**
 * ONNX `policyLoss`: the fused clipped policy-gradient loss, its closed-form gradient and the token statistics as
 * one ONNX graph (float32 or float64), run in row chunks. The same graph is what `exportPolicyLossOnnx` writes.
 *
 * Graph inputs (`D` = float or double): `log_probs [b,t]`, `old_log_probs [b,t]`, `advantages [b,1]` or `[b,t]`,
 * `mask [b,t]` (0/1), `seq_weights [b,1]`, and `ref_log_probs [b,t]` when the graph has a KL term.
 * Outputs: `loss`, `pg_loss`, `kl_loss` (scalars), `grad [b,t]`, and the statistics `tokens`, `clip_low`,
 * `clip_high`, `dual_clip`, `ratio_sum`, `ratio_max`, `neg_log_ratio_sum`, `k3_sum`, `kl_sum` (scalars).
 * Hyper-parameters (ε_low, ε_high, dual clip c, β, estimator, clamp) are constants of the graph, except with
 * `hyperParameterInputs`: then `clip_low_bound` (1 − ε_low), `clip_high_bound` (1 + ε_high), `log_ratio_clamp`,
 * `dual_clip_c` (when the dual clip is on) and `kl_coef` (with a KL term) are scalar inputs, so one graph (one
 * session) serves every value — a schedule that anneals β or ε builds no new session. Only the structure (dtype,
 * KL term or not, estimator, dual clip on or off) selects the graph: at most 24 sessions.
 *
 * @packageDocumentation
 */
import type * as Ort from 'onnxruntime-node';
import type { KernelConfig } from '../../types.js';
import type { OnnxBackend } from '../backend.js';
import { GraphBuilder } from '../graph.js';
import { assertFiniteNumber, assertOneOf, typeError } from '../../../errors.js';
import type { FloatArray, PolicyLossKernelAttrs, PolicyLossStats } from '../../kernel_contracts.js';

/**
 * What fixes one policy-loss graph: the element type and the hyper-parameters of the kernel attributes (a `klCoef`
 * of 0 builds a graph without the `ref_log_probs` input).
 */
export interface PolicyLossGraphSpec
  extends Pick<PolicyLossKernelAttrs, 'epsilonLow' | 'epsilonHigh' | 'dualClip' | 'klCoef' | 'klEstimator' | 'logRatioClamp'> {
  /** Element type of every float input and output. */
  readonly dtype: 'float32' | 'float64';
  /**
   * Make the numeric hyper-parameters scalar graph inputs instead of constants (what the `'onnx'` backend runs;
   * exported models keep them as constants). @defaultValue `false`
   */
  readonly hyperParameterInputs?: boolean;
}

/** Names of the scalar statistic outputs, in {@link PolicyLossStats} order. */
export const POLICY_LOSS_STAT_OUTPUTS = [
  ['tokens', 'tokens'],
  ['clipLow', 'clip_low'],
  ['clipHigh', 'clip_high'],
  ['dualClip', 'dual_clip'],
  ['ratioSum', 'ratio_sum'],
  ['ratioMax', 'ratio_max'],
  ['negLogRatioSum', 'neg_log_ratio_sum'],
  ['k3Sum', 'k3_sum'],
  ['klSum', 'kl_sum'],
] as const;

/** Checks the structure of a {@link PolicyLossGraphSpec} (a public authoring entry point). */
function checkGraphSpec(spec: unknown): asserts spec is PolicyLossGraphSpec {
  const fn = 'buildPolicyLossGraph';
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw typeError(fn, 'spec', 'a PolicyLossGraphSpec object ({dtype, epsilonLow, epsilonHigh, …})', spec);
  }
  const s = spec as Record<string, unknown>;
  assertOneOf(fn, 'spec.dtype', s.dtype, ['float32', 'float64'] as const);
  for (const key of ['epsilonLow', 'epsilonHigh', 'dualClip', 'klCoef', 'logRatioClamp'] as const) {
    assertFiniteNumber(fn, `spec.${key}`, s[key]);
  }
  if (typeof s.klEstimator !== 'string') throw typeError(fn, 'spec.klEstimator', 'a KL estimator name', s.klEstimator);
}

/**
 * Builds the policy-loss graph (opset 17) for `spec`; see the module comment for its inputs and outputs.
 *
 * @param rowSums - output `loss`, `pg_loss` and `kl_loss` as per-row sums `[b]` instead of scalars (the
 *   `'onnx'` kernel adds them in float64, so the float32 loss agrees with the float64-accumulating reference
 *   to ~1e-7 relative; exported models keep scalar outputs). @defaultValue `false`
 * @example
 * ```ts
 * const bytes = buildPolicyLossGraph({ dtype: 'float32', epsilonLow: 0.2, epsilonHigh: 0.28, dualClip: 0,
 *   klCoef: 0, klEstimator: 'k3', logRatioClamp: 20 });
 * // a ModelProto, runnable by any ONNX runtime
 * ```
 */
export function buildPolicyLossGraph(spec: PolicyLossGraphSpec, rowSums = false): Uint8Array {
  checkGraphSpec(spec);
  const D = spec.dtype;
  const g = new GraphBuilder('gr2_policy_loss', 'clipped policy-gradient loss + closed-form gradient d loss / d log_probs (gr2)');
  const k = (v: number) => g.initializer(undefined, { dtype: D, data: D === 'float32' ? new Float32Array([v]) : new Float64Array([v]), dims: [] });
  // a hyper-parameter: a scalar input (one graph for all values) or a constant
  const hp = (name: string, v: number) => (spec.hyperParameterInputs ? g.input(name, D, []) : k(v));
  const logp = g.input('log_probs', D, ['b', 't']);
  const old = g.input('old_log_probs', D, ['b', 't']);
  const advIn = g.input('advantages', D, ['b', 'ta']);
  const mask = g.input('mask', D, ['b', 't']);
  const seqw = g.input('seq_weights', D, ['b', 1]);
  const withKl = spec.klCoef !== 0;
  const refIn = withKl ? g.input('ref_log_probs', D, ['b', 't']) : '';
  const zero = k(0);
  const one = k(1);
  const half = k(0.5);
  const C = hp('log_ratio_clamp', spec.logRatioClamp);
  const negC = spec.hyperParameterInputs ? g.node('Neg', [C]) : k(-spec.logRatioClamp);
  const on = g.node('Greater', [mask, zero]);
  const asD = (b: string) => g.node('Cast', [b], { to: D === 'float32' ? 1 : 11 });

  // sanitised inputs: masked-out positions are 0 so padding never produces NaN
  const lr0 = g.node('Where', [on, g.node('Sub', [logp, old]), zero]);
  const A = g.node('Where', [on, advIn, zero]); // broadcast to [b,t]
  const lrc = g.node('Clip', [lr0, negC, C]);
  const dlr = asD(g.node('Equal', [lrc, lr0])); // 1 on the closed interval [−C, C]
  const ratio = g.node('Exp', [lrc]);
  const negA = g.node('Neg', [A]);
  const l1 = g.node('Mul', [negA, ratio]);
  const g1 = g.node('Mul', [l1, dlr]); // −A·ρ·[lr in range]
  const lo = hp('clip_low_bound', 1 - spec.epsilonLow);
  const hi = hp('clip_high_bound', 1 + spec.epsilonHigh);
  const clipped = g.node('Clip', [ratio, lo, hi]);
  const l2 = g.node('Mul', [negA, clipped]);
  const g2 = g.node('Mul', [g1, asD(g.node('Equal', [clipped, ratio]))]);
  const gt = g.node('Greater', [l1, l2]);
  const lt = g.node('Less', [l1, l2]);
  const lc = g.node('Max', [l1, l2]);
  const gc = g.node('Where', [gt, g1, g.node('Where', [lt, g2, g.node('Mul', [half, g.node('Add', [g1, g2])])])]);
  const aPos = g.node('Greater', [A, zero]);
  const aNeg = g.node('Less', [A, zero]);
  const sum = (x: string) => g.node('ReduceSum', [x], { keepdims: 0 });
  const masked = (x: string) => g.node('Mul', [x, mask]);
  const countOf = (b: string) => sum(masked(asD(b)));
  let lpg = lc;
  let gpg = gc;
  let dualCount = ''; // set only with the dual clip (an unused initializer would make ORT warn at load)
  if (spec.dualClip > 0) {
    const l3 = g.node('Mul', [negA, hp('dual_clip_c', spec.dualClip)]);
    const dLt = g.node('And', [aNeg, g.node('Less', [l3, lc])]);
    const dEq = g.node('And', [aNeg, g.node('Equal', [l3, lc])]);
    lpg = g.node('Where', [dLt, l3, lc]);
    gpg = g.node('Where', [dLt, zero, g.node('Where', [dEq, g.node('Mul', [half, gc]), gc])]);
    dualCount = countOf(dLt);
  }
  let ltot = lpg;
  let gtot = gpg;
  let kl = '';
  if (withKl) {
    const x0 = g.node('Where', [on, g.node('Sub', [refIn, logp]), zero]);
    const xc = g.node('Clip', [x0, negC, C]);
    const dx = g.node('Neg', [asD(g.node('Equal', [xc, x0]))]); // dx/dlogp
    let dkl: string;
    if (spec.klEstimator === 'k1') {
      kl = g.node('Neg', [xc]);
      dkl = g.node('Neg', [dx]);
    } else if (spec.klEstimator === 'k2') {
      kl = g.node('Mul', [half, g.node('Mul', [xc, xc])]);
      dkl = g.node('Mul', [xc, dx]);
    } else {
      const e = g.node('Exp', [xc]);
      kl = g.node('Sub', [g.node('Sub', [e, xc]), one]);
      dkl = g.node('Mul', [g.node('Sub', [e, one]), dx]);
    }
    const beta = hp('kl_coef', spec.klCoef);
    ltot = g.node('Add', [lpg, g.node('Mul', [beta, kl])]);
    gtot = g.node('Add', [gpg, g.node('Mul', [beta, dkl])]);
  }
  const w = g.node('Mul', [mask, seqw]);
  // rowSums: per-row sums (one advantage sign per row, so little cancellation) that the kernel adds in float64
  const axis1 = rowSums ? g.constInt64([1]) : '';
  const lossSum = (x: string) => (rowSums ? g.node('ReduceSum', [x, axis1], { keepdims: 0 }) : sum(x));
  const lossDims = rowSums ? ['b'] : [];
  g.output(lossSum(g.node('Mul', [w, ltot])), D, lossDims, 'loss');
  g.output(lossSum(g.node('Mul', [w, lpg])), D, lossDims, 'pg_loss');
  g.output(withKl ? lossSum(g.node('Mul', [w, kl])) : g.node('Identity', [zero]), D, withKl ? lossDims : [], 'kl_loss');
  g.output(g.node('Mul', [w, gtot]), D, ['b', 't'], 'grad');
  const stats: Record<string, string> = {
    tokens: sum(mask),
    clip_low: countOf(g.node('And', [lt, aNeg])),
    clip_high: countOf(g.node('And', [lt, aPos])),
    dual_clip: spec.dualClip > 0 ? dualCount : g.node('Identity', [zero]),
    ratio_sum: sum(masked(ratio)),
    ratio_max: g.node('ReduceMax', [g.node('Where', [on, ratio, k(-Infinity)])], { keepdims: 0 }),
    neg_log_ratio_sum: g.node('Neg', [sum(masked(lrc))]),
    k3_sum: sum(masked(g.node('Sub', [g.node('Sub', [ratio, one]), lrc]))),
    kl_sum: withKl ? sum(masked(kl)) : g.node('Identity', [zero]),
  };
  for (const [, name] of POLICY_LOSS_STAT_OUTPUTS) g.output(stats[name]!, D, [], name);
  return g.toModel();
}

/**
 * Rows per ONNX call: about 2^17 tokens, so each of the graph's elementwise intermediates (512 KiB in float32)
 * stays cache-resident between the nodes that write and read it (measured on 2048 × 4096 float32, dense mask,
 * CPU time: 2^16–2^18 tokens per call 300–440 ms vs 410–500 ms at 2^20).
 */
function chunkRows(seqLen: number): number {
  return Math.max(1, Math.floor(131_072 / Math.max(1, seqLen)));
}

/** Float64 sum of a (row-sum) output. */
function total(t: Ort.Tensor | undefined): number {
  const a = t!.data as Float32Array | Float64Array;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

function scalar(t: Ort.Tensor | undefined): number {
  return Number((t!.data as Float32Array | Float64Array)[0]);
}

/** The `'onnx'` implementation of `policyLoss` (float32 or float64 graph, following the input arrays). */
export const policyLossConfig: KernelConfig<'policyLoss', OnnxBackend> = {
  kernelName: 'policyLoss',
  backendName: 'onnx',
  kernelFunc: async (backend, inputs, attrs) => {
    const { batch: B, seqLen: T, perTokenAdvantages } = attrs;
    const D = inputs.logProbs instanceof Float32Array ? 'float32' : 'float64';
    const withKl = attrs.klCoef !== 0 && inputs.refLogProbs !== undefined;
    const spec: PolicyLossGraphSpec = {
      dtype: D,
      epsilonLow: attrs.epsilonLow,
      epsilonHigh: attrs.epsilonHigh,
      dualClip: attrs.dualClip,
      klCoef: withKl ? attrs.klCoef : 0,
      klEstimator: attrs.klEstimator,
      logRatioClamp: attrs.logRatioClamp,
    };
    // the session key is the graph's structure only; the values are fed as inputs (no session per value)
    const structure = { dtype: D, kl: withKl ? spec.klEstimator : 'none', dualClip: spec.dualClip > 0 };
    const key = `policyLoss:rows:${JSON.stringify(structure)}`;
    const graphSpec: PolicyLossGraphSpec = { ...spec, hyperParameterInputs: true };
    const scalarOf = (v: number) => backend.tensor(D, D === 'float32' ? new Float32Array([v]) : new Float64Array([v]), []);
    const hyper: Record<string, Ort.Tensor> = {
      clip_low_bound: scalarOf(1 - spec.epsilonLow),
      clip_high_bound: scalarOf(1 + spec.epsilonHigh),
      log_ratio_clamp: scalarOf(spec.logRatioClamp),
    };
    if (spec.dualClip > 0) hyper.dual_clip_c = scalarOf(spec.dualClip);
    if (withKl) hyper.kl_coef = scalarOf(spec.klCoef);
    const grad: FloatArray = inputs.gradOut ?? (D === 'float32' ? new Float32Array(B * T) : new Float64Array(B * T));
    const stats: PolicyLossStats = { tokens: 0, clipLow: 0, clipHigh: 0, dualClip: 0, ratioSum: 0, ratioMax: -Infinity, negLogRatioSum: 0, k3Sum: 0, klSum: 0 };
    let loss = 0;
    let pgLoss = 0;
    let klLoss = 0;
    const step = chunkRows(T);
    const view = (a: FloatArray, from: number, to: number) => backend.tensor(D, a.subarray(from, to), [(to - from) / T, T]);
    for (let r0 = 0; r0 < B; r0 += step) {
      const r1 = Math.min(B, r0 + step);
      const rows = r1 - r0;
      const feeds: Record<string, Ort.Tensor> = {
        ...hyper,
        log_probs: view(inputs.logProbs, r0 * T, r1 * T),
        old_log_probs: view(inputs.oldLogProbs, r0 * T, r1 * T),
        advantages: perTokenAdvantages
          ? view(inputs.advantages, r0 * T, r1 * T)
          : backend.tensor(D, inputs.advantages.subarray(r0, r1), [rows, 1]),
        mask: view(inputs.mask, r0 * T, r1 * T),
        seq_weights: backend.tensor(D, inputs.seqWeights.subarray(r0, r1), [rows, 1]),
      };
      if (withKl) feeds.ref_log_probs = view(inputs.refLogProbs!, r0 * T, r1 * T);
      const out = await backend.run(key, () => buildPolicyLossGraph(graphSpec, true), feeds);
      loss += total(out.loss);
      pgLoss += total(out.pg_loss);
      klLoss += total(out.kl_loss);
      grad.set(out.grad!.data as FloatArray, r0 * T);
      for (const [field, name] of POLICY_LOSS_STAT_OUTPUTS) {
        const v = scalar(out[name]);
        if (field === 'ratioMax') stats.ratioMax = Math.max(stats.ratioMax, v);
        else stats[field] += v;
      }
    }
    return { loss, pgLoss, klLoss, grad, stats };
  },
};
