/**
 * Reference `fullKl` kernel: the full-vocabulary reverse KL of on-policy distillation, one pass per row in float64
 * arithmetic (whatever the array type), closed-form gradient.
 *
 * Per masked-in row `r` with `p_v = exp(ℓ_s(v))`, summing over the entries with `p_v > 0` only:
 * - `KL_r = Σ_v p_v (ℓ_s(v) − ℓ_t(v))`, `H_r = −Σ_v p_v ℓ_s(v)`;
 * - `grad[r, v] = g_r·p_v·(ℓ_s(v) − ℓ_t(v) + 1)` (0 where `p_v = 0`), with `g_r` = `rowWeights[r]`.
 * Masked-out rows are skipped (never read) and get 0 everywhere.
 *
 * @packageDocumentation
 */
import type { KernelConfig } from '../../types.js';
import type { FloatArray } from '../../kernel_contracts.js';

/** The `'js'` implementation of `fullKl`. */
export const fullKlConfig: KernelConfig<'fullKl'> = {
  kernelName: 'fullKl',
  backendName: 'js',
  kernelFunc: (_backend, inputs, attrs) => {
    const { studentLogProbs: s, teacherLogProbs: q, mask, rowWeights } = inputs;
    const { rows, vocab: V } = attrs;
    const f32 = s instanceof Float32Array;
    const alloc = (n: number): FloatArray => (f32 ? new Float32Array(n) : new Float64Array(n));
    const kl = alloc(rows);
    const entropy = alloc(rows);
    const grad = alloc(rows * V);
    for (let r = 0; r < rows; r++) {
      if (mask[r] === 0) continue;
      const o = r * V;
      const g = rowWeights[r]!;
      let k = 0;
      let h = 0;
      for (let v = o; v < o + V; v++) {
        const l = s[v]!;
        const p = Math.exp(l);
        if (p > 0) {
          const d = l - q[v]!;
          k += p * d;
          h -= p * l;
          grad[v] = g * p * (d + 1);
        }
      }
      kl[r] = k;
      entropy[r] = h;
    }
    return { kl, entropy, grad };
  },
};
