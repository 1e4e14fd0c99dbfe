/**
 * Reference `policyLoss` kernel: one pass over the tokens, float64 arithmetic, closed-form gradient.
 *
 * Per masked-in token, with `lr = clamp(logp − old, −C, C)`, `ρ = exp(lr)`, advantage `A`:
 * - `ℓ₁ = −A·ρ`, `ℓ₂ = −A·clip(ρ, 1−ε_low, 1+ε_high)`, `ℓ_clip = max(ℓ₁, ℓ₂)`;
 * - dual clip (`c > 1`, only when `A < 0`): `ℓ^pg = min(−A·c, ℓ_clip)`, else `ℓ^pg = ℓ_clip`;
 * - KL penalty with `x = clamp(ref − logp, −C, C)`: k1 `= −x`, k2 `= x²/2`, k3 `= eˣ − x − 1`;
 * - `loss = Σ c_b·(ℓ^pg + β·kl)`.
 * The gradient follows the sub-gradient conventions of torch autograd exactly (a clamp passes the gradient on
 * its closed interval; `max`/`min` split it in half on exact ties), so it matches torch to rounding.
 *
 * @packageDocumentation
 */
import type { KernelConfig } from '../../types.js';
import type { FloatArray, PolicyLossStats } from '../../kernel_contracts.js';

/** The `'js'` implementation of `policyLoss`. */
export const policyLossConfig: KernelConfig<'policyLoss'> = {
  kernelName: 'policyLoss',
  backendName: 'js',
  kernelFunc: (_backend, inputs, attrs) => {
    const { logProbs: lp, oldLogProbs: old, advantages: adv, mask, seqWeights, refLogProbs: ref } = inputs;
    const { batch, seqLen, perTokenAdvantages, epsilonLow, epsilonHigh, dualClip, klCoef, klEstimator, logRatioClamp: C } = attrs;
    const n = batch * seqLen;
    const grad: FloatArray = inputs.gradOut ?? (lp instanceof Float32Array ? new Float32Array(n) : new Float64Array(n));
    const zeroMasked = inputs.gradOut !== undefined; // a fresh array is already 0 there
    const lo = 1 - epsilonLow;
    const hi = 1 + epsilonHigh;
    const useDual = dualClip > 0;
    const useKl = klCoef !== 0 && ref !== undefined;
    const est = klEstimator === 'k1' ? 1 : klEstimator === 'k2' ? 2 : 3;
    let loss = 0;
    let pgLoss = 0;
    let klLoss = 0;
    let tokens = 0;
    let clipLow = 0;
    let clipHigh = 0;
    let dualCount = 0;
    let ratioSum = 0;
    let ratioMax = -Infinity;
    let negLogRatioSum = 0;
    let k3Sum = 0;
    let klSum = 0;
    for (let b = 0; b < batch; b++) {
      const cb = seqWeights[b]!;
      const row = b * seqLen;
      const seqAdv = perTokenAdvantages ? 0 : adv[b]!;
      for (let i = row; i < row + seqLen; i++) {
        const m = mask[i]!;
        if (m === 0) {
          if (zeroMasked) grad[i] = 0;
          continue;
        }
        const w = cb * m;
        const A = perTokenAdvantages ? adv[i]! : seqAdv;
        let lr = lp[i]! - old[i]!;
        let dlr = 1;
        if (lr > C) {
          lr = C;
          dlr = 0;
        } else if (lr < -C) {
          lr = -C;
          dlr = 0;
        }
        const ratio = Math.exp(lr);
        const dRatio = ratio * dlr;
        const l1 = -A * ratio;
        const g1 = -A * dRatio;
        let l2: number;
        let g2: number;
        if (ratio < lo) {
          l2 = -A * lo;
          g2 = 0;
        } else if (ratio > hi) {
          l2 = -A * hi;
          g2 = 0;
        } else {
          l2 = l1;
          g2 = g1;
        }
        let lc: number;
        let gc: number;
        if (l1 > l2) {
          lc = l1;
          gc = g1;
        } else if (l1 < l2) {
          lc = l2;
          gc = g2;
          if (A > 0) clipHigh++;
          else clipLow++;
        } else {
          lc = l1;
          gc = 0.5 * (g1 + g2);
        }
        let lpg = lc;
        let gpg = gc;
        if (useDual && A < 0) {
          const l3 = -A * dualClip;
          if (l3 < lc) {
            lpg = l3;
            gpg = 0;
            dualCount++;
          } else if (l3 === lc) {
            gpg = 0.5 * gc;
          }
        }
        let lt = lpg;
        let gt = gpg;
        if (useKl) {
          let x = ref[i]! - lp[i]!;
          let dx = -1; // dx/dlogp
          if (x > C) {
            x = C;
            dx = 0;
          } else if (x < -C) {
            x = -C;
            dx = 0;
          }
          let kl: number;
          let dkl: number;
          if (est === 1) {
            kl = -x;
            dkl = -dx;
          } else if (est === 2) {
            kl = 0.5 * x * x;
            dkl = x * dx;
          } else {
            const ex = Math.exp(x);
            kl = ex - x - 1;
            dkl = (ex - 1) * dx;
          }
          klSum += kl;
          klLoss += w * kl;
          lt += klCoef * kl;
          gt += klCoef * dkl;
        }
        pgLoss += w * lpg;
        loss += w * lt;
        grad[i] = w * gt;
        tokens += m;
        ratioSum += ratio;
        if (ratio > ratioMax) ratioMax = ratio;
        negLogRatioSum -= lr;
        k3Sum += ratio - 1 - lr;
      }
    }
    const stats: PolicyLossStats = { tokens, clipLow, clipHigh, dualClip: dualCount, ratioSum, ratioMax, negLogRatioSum, k3Sum, klSum };
    return { loss, pgLoss, klLoss, grad, stats };
  },
};
