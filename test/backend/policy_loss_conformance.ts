/**
 * The `policyLoss` and `fullKl` part of the backend conformance suite: every registered policy loss (DAPO, dual
 * clip, per-token advantages, GRPO with KL, Dr.GRPO, OPD with sampled-token and full-vocabulary KL) on a backend
 * against the `'js'` reference, in float64 and float32, over several shapes (padding masks, log-ratios beyond the
 * ±20 clamp, zero advantages, vocabulary 1 and 32k, zero-probability entries, NaN padding rows) and batches that
 * cross the ONNX row-chunk boundary. Called by `describeConformance` for every backend.
 */
import { describe, expect, it } from 'vitest';
import type { TensorBackend } from '../../src/backend/index.js';
import { runKernel } from '../../src/backend/ops.js';
import { getPolicyLoss, opdLoss, type FullLogProbs, type PolicyLossOptions } from '../../src/rl/policy_loss.js';
import { Random } from '../../src/sampling/random.js';

/** Random policy-loss inputs `[B, T]`: ragged masks, 5 % extreme log-ratios (±25), 20 % zero advantages. */
export function policyLossData(seed: number, B: number, T: number, spread: number) {
  const rng = new Random(seed);
  const logProbs = new Float64Array(B * T);
  const oldLogProbs = new Float64Array(B * T);
  const ref = new Float64Array(B * T);
  const mask = new Float64Array(B * T);
  const advTok = new Float64Array(B * T);
  const adv = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    const L = rng.int(T + 1);
    adv[b] = rng.random() < 0.2 ? 0 : rng.gauss();
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      oldLogProbs[i] = -4 * rng.random() - 0.01;
      logProbs[i] = oldLogProbs[i]! + spread * rng.gauss() + (rng.random() < 0.05 ? 25 * Math.sign(rng.gauss()) : 0);
      ref[i] = oldLogProbs[i]! + 0.5 * rng.gauss();
      mask[i] = t < L ? 1 : 0;
      advTok[i] = rng.gauss();
    }
  }
  return { logProbs, oldLogProbs, ref, mask, adv, advTok };
}

/**
 * Random full log-prob rows `[rows, V]` of a student and a teacher (log_softmax of uniform logits in [−4, 4], the
 * teacher's shifted by up to ±1.5; float64). About
 * 10 % of the student's entries are −∞ (probability 0), and half of those are −∞ for the teacher too (the term is
 * skipped, never `−∞ − (−∞)`); rows with `mask = 0` are filled with NaN (padding may hold anything). With `V = 1`
 * the teacher's entry is `log u`, `u ∈ [0.2, 0.9)`, so that the KL is not 0.
 */
export function fullRowsData(seed: number, rows: number, V: number, mask: ArrayLike<number>) {
  const rng = new Random(seed);
  const student = new Float64Array(rows * V);
  const teacher = new Float64Array(rows * V);
  const logSoftmaxInto = (out: Float64Array, o: number, z: Float64Array) => {
    let max = -Infinity;
    for (const x of z) if (x > max) max = x;
    let sum = 0;
    for (const x of z) sum += Math.exp(x - max);
    const lse = max + Math.log(sum);
    for (let v = 0; v < V; v++) out[o + v] = z[v]! - lse;
  };
  const zs = new Float64Array(V);
  const zt = new Float64Array(V);
  for (let r = 0; r < rows; r++) {
    const o = r * V;
    if (mask[r] === 0) {
      student.fill(NaN, o, o + V);
      teacher.fill(NaN, o, o + V);
      continue;
    }
    for (let v = 0; v < V; v++) {
      zs[v] = 8 * rng.random() - 4;
      zt[v] = zs[v]! + 3 * rng.random() - 1.5;
      if (V > 1 && v > 0 && rng.random() < 0.1) {
        zs[v] = -Infinity;
        if (rng.random() < 0.5) zt[v] = -Infinity;
      }
    }
    logSoftmaxInto(student, o, zs);
    logSoftmaxInto(teacher, o, zt);
    // vocabulary 1: a normalised row is [0] on both sides (KL 0), so the teacher's row gets mass < 1 (the kernel
    // does not require normalised rows) and the KL is −log q > 0
    if (V === 1) teacher[o] = Math.log(0.2 + 0.7 * rng.random());
  }
  return { student, teacher };
}

/**
 * Defines the policyLoss conformance cases for `backend()` against `reference()` (the js backend).
 * Both are read lazily, inside the tests, because they are initialised in a `beforeAll`.
 */
export function describePolicyLossConformance(
  backend: () => TensorBackend,
  reference: () => TensorBackend,
  rtol: number,
  atol: number,
): void {
  const close = (a: number, b: number, what: string, rt = rtol, at = atol): void => {
    if (a === b) return; // also ±Infinity (ratioMax of an empty mask)
    if (!(Math.abs(a - b) <= at + rt * Math.abs(b))) throw new Error(`${what}: backend ${a} vs js ${b}`);
  };
  describe(`policyLoss (vs the js reference, rtol ${rtol}, atol ${atol})`, () => {
    const variants: [string, PolicyLossOptions, { perToken?: boolean; ref?: 'refLogProbs' | 'teacherLogProbs' }][] = [
      ['dapo', {}, {}],
      ['dapo', { dualClip: 3 }, {}],
      ['dapo', { aggregation: 'seq-mean-token-mean', epsilonHigh: 0.5 }, { perToken: true }],
      ['grpo', { klCoef: 0.04, klEstimator: 'k3' }, { ref: 'refLogProbs' }],
      ['grpo', { klCoef: 0.1, klEstimator: 'k2', aggregation: 'seq-mean-token-sum' }, { ref: 'refLogProbs' }],
      ['dr-grpo', { normConstant: 64 }, {}],
      ['opd', { klEstimator: 'k1', klCoef: 0.5 }, { ref: 'teacherLogProbs' }],
    ];
    for (const dtype of ['float64', 'float32'] as const) {
      for (const [name, opts, how] of variants) {
        it(`${dtype} ${name} ${JSON.stringify(opts)}${how.perToken ? ' per-token advantages' : ''} on [5,7], [33,17], [1,1]`, async () => {
          for (const [seed, B, T] of [[1, 5, 7], [2, 33, 17], [3, 1, 1]] as const) {
            const d = policyLossData(seed, B, T, 0.5);
            const conv = (a: Float64Array) => (dtype === 'float32' ? Float32Array.from(a) : a);
            const inputs = {
              logProbs: { data: conv(d.logProbs), shape: [B, T] },
              oldLogProbs: { data: conv(d.oldLogProbs), shape: [B, T] },
              advantages: how.perToken ? { data: conv(d.advTok), shape: [B, T] } : conv(d.adv),
              mask: { data: conv(d.mask), shape: [B, T] },
              ...(how.ref ? { [how.ref]: { data: conv(d.ref), shape: [B, T] } } : {}),
            };
            const fn = getPolicyLoss(name);
            const a = await fn(inputs, { ...opts, dtype, backend: backend() });
            const b = await fn(inputs, { ...opts, dtype, backend: reference() });
            const where = `seed ${seed} [${B}, ${T}]`;
            close(a.loss, b.loss, `${where} loss`);
            expect(a.grad.constructor).toBe(b.grad.constructor);
            for (let i = 0; i < b.grad.length; i++) close(a.grad[i]!, b.grad[i]!, `${where} grad[${i}]`);
            for (const [k, v] of Object.entries(b.stats)) close((a.stats as unknown as Record<string, number>)[k]!, v, `${where} stats.${k}`);
          }
        });
      }
    }

    it('a large batch crosses the row-chunk boundary (1.2M tokens)', async () => {
      const B = 300;
      const T = 4000;
      const d = policyLossData(9, B, T, 0.3);
      const inputs = {
        logProbs: { data: Float32Array.from(d.logProbs), shape: [B, T] },
        oldLogProbs: { data: Float32Array.from(d.oldLogProbs), shape: [B, T] },
        advantages: Float32Array.from(d.adv),
        mask: { data: Float32Array.from(d.mask), shape: [B, T] },
      };
      const a = await getPolicyLoss('dapo')(inputs, { dtype: 'float32', backend: backend() });
      const b = await getPolicyLoss('dapo')(inputs, { dtype: 'float32', backend: reference() });
      // a float32 sum over 1.2M tokens: the loss is compared at 1e-4 relative, every gradient entry at rtol
      close(a.loss, b.loss, 'loss', Math.max(rtol, 1e-4));
      close(a.stats.tokens, b.stats.tokens, 'tokens');
      let worst = 0;
      for (let i = 0; i < b.grad.length; i++) worst = Math.max(worst, Math.abs(a.grad[i]! - b.grad[i]!) / (1e-6 + Math.abs(b.grad[i]!)));
      expect(worst).toBeLessThan(Math.max(rtol, 1e-5));
    });
  });

  // Float32 error bounds: a term p·(ℓs − ℓt) is rounded relative to its own size, and a row sum over V terms of
  // mixed sign relative to Σ|terms|, so the float32 comparisons are scaled by those absolute sums.
  describe(`fullKl: opd 'full' KL (vs the js reference, rtol ${rtol}, atol ${atol})`, () => {
    /** Reference magnitudes per row: Σ p|ℓs − ℓt| (KL), Σ p|ℓs| (entropy), and per entry p·(|ℓs − ℓt| + 1). */
    const magnitudes = (s: ArrayLike<number>, q: ArrayLike<number>, mask: ArrayLike<number>, rows: number, V: number) => {
      const kl = new Float64Array(rows);
      const ent = new Float64Array(rows);
      const entry = new Float64Array(rows * V);
      for (let r = 0; r < rows; r++) {
        if (mask[r] === 0) continue;
        for (let i = r * V; i < (r + 1) * V; i++) {
          const p = Math.exp(s[i]!);
          if (!(p > 0)) continue;
          kl[r] += p * Math.abs(s[i]! - q[i]!);
          ent[r] += p * Math.abs(s[i]!);
          entry[i] = p * (Math.abs(s[i]! - q[i]!) + 1);
        }
      }
      return { kl, ent, entry };
    };
    const within = (a: number, b: number, scale: number, what: string, rt: number): void => {
      if (a === b) return;
      if (!(Math.abs(a - b) <= atol * Math.min(1, scale) + rt * scale)) throw new Error(`${what}: backend ${a} vs js ${b} (scale ${scale})`);
    };

    const shapes: [number, number, number, number][] = [
      // [seed, B, T, V]: ragged masks (whole sequences masked out), vocabulary 1, a 32k vocabulary for a few rows
      [11, 5, 7, 11],
      [12, 4, 3, 1],
      [13, 1, 3, 32_768],
    ];
    for (const dtype of ['float64', 'float32'] as const) {
      // float64 rounding: ORT's reduction order differs from js; float32: the graph computes in float
      const rt = dtype === 'float64' ? rtol : Math.max(rtol, 1e-5);
      for (const aggregation of ['token-mean', 'seq-mean-token-mean'] as const) {
        it(`${dtype} opd {klEstimator: 'full', klCoef: 0.5, aggregation: '${aggregation}'} on [5,7,11], [4,3,1], [1,3,32768]`, async () => {
          for (const [seed, B, T, V] of shapes) {
            const d = policyLossData(seed, B, T, 0.5);
            if (seed === 13) d.mask.fill(1); // the 32k rows all count
            const f = fullRowsData(seed, B * T, V, d.mask);
            const conv = (a: Float64Array) => (dtype === 'float32' ? Float32Array.from(a) : a);
            const full = (a: Float64Array): FullLogProbs => ({ data: conv(a), dims: [B, T, V] });
            const inputs = {
              logProbs: { data: conv(d.logProbs), shape: [B, T] },
              oldLogProbs: { data: conv(d.oldLogProbs), shape: [B, T] },
              advantages: conv(d.adv),
              mask: { data: conv(d.mask), shape: [B, T] },
              fullLogProbs: full(f.student),
              teacherFullLogProbs: full(f.teacher),
            };
            const opts: PolicyLossOptions = { klEstimator: 'full', klCoef: 0.5, aggregation, dtype };
            const a = await opdLoss(inputs, { ...opts, backend: backend() });
            const b = await opdLoss(inputs, { ...opts, backend: reference() });
            const where = `seed ${seed} [${B}, ${T}, ${V}]`;
            const m = magnitudes(inputs.fullLogProbs.data, inputs.teacherFullLogProbs.data, d.mask, B * T, V);
            let klScale = 0;
            let entScale = 0;
            for (let r = 0; r < B * T; r++) {
              klScale += m.kl[r]!;
              entScale += m.ent[r]!;
            }
            const n = b.metrics.tokens;
            expect(n).toBeGreaterThan(0);
            expect(b.metrics.kl).toBeGreaterThan(0);
            within(a.stats.klSum, b.stats.klSum, klScale, `${where} stats.klSum`, rt);
            within(a.metrics.kl, b.metrics.kl, klScale / n, `${where} metrics.kl`, rt);
            within(a.metrics.klLoss, b.metrics.klLoss, klScale, `${where} metrics.klLoss`, rt);
            within(a.loss, b.loss, Math.abs(b.loss) + klScale, `${where} loss`, rt);
            within(a.metrics.entropy!, b.metrics.entropy!, entScale / n, `${where} metrics.entropy`, rt);
            close(a.metrics.pgLoss, b.metrics.pgLoss, `${where} pgLoss`);
            for (let i = 0; i < b.grad.length; i++) close(a.grad[i]!, b.grad[i]!, `${where} grad[${i}]`);
            const ga = a.gradFullLogProbs!;
            const gb = b.gradFullLogProbs!;
            expect(ga.constructor).toBe(dtype === 'float32' ? Float32Array : Float64Array);
            expect(gb.constructor).toBe(ga.constructor);
            expect(ga.length).toBe(B * T * V);
            // the gradient scale of a row is β·c_b (token-mean: 0.5/n)
            const gScale = aggregation === 'token-mean' ? 0.5 / n : 0.5;
            for (let i = 0; i < gb.length; i++) {
              if (d.mask[Math.floor(i / V)] === 0) {
                if (ga[i] !== 0 || gb[i] !== 0) throw new Error(`${where} gradFullLogProbs[${i}] of a masked-out row: ${ga[i]}, ${gb[i]}`);
                continue;
              }
              within(ga[i]!, gb[i]!, gScale * m.entry[i]!, `${where} gradFullLogProbs[${i}]`, rt);
            }
          }
        });
      }
    }

    let big: { d: ReturnType<typeof policyLossData>; f: ReturnType<typeof fullRowsData> } | undefined;
    /** The [3, 11, 32768] data, generated once for both dtypes. */
    const bigRows = () => {
      if (big === undefined) {
        const d = policyLossData(14, 3, 11, 0.3);
        d.mask.fill(1);
        d.mask[10] = 0; // one padded row at the end of the first sequence
        big = { d, f: fullRowsData(14, 33, 32_768, d.mask) };
      }
      return big;
    };
    for (const dtype of ['float64', 'float32'] as const) {
      it(`${dtype} [3, 11, 32768]: 33 rows cross the default chunk of ⌊2^20 / 32768⌋ = 32 rows`, async () => {
        const B = 3;
        const T = 11;
        const V = 32_768;
        const { d, f } = bigRows();
        const conv = (a: Float64Array) => (dtype === 'float32' ? Float32Array.from(a) : a);
        const inputs = {
          logProbs: { data: conv(d.logProbs), shape: [B, T] },
          oldLogProbs: { data: conv(d.oldLogProbs), shape: [B, T] },
          advantages: conv(d.adv),
          mask: { data: conv(d.mask), shape: [B, T] },
          fullLogProbs: { data: conv(f.student), dims: [B, T, V] },
          teacherFullLogProbs: { data: conv(f.teacher), dims: [B, T, V] },
        };
        const opts: PolicyLossOptions = { klEstimator: 'full', klCoef: 1, dtype };
        const a = await opdLoss(inputs, { ...opts, backend: backend() });
        const b = await opdLoss(inputs, { ...opts, backend: reference() });
        const m = magnitudes(inputs.fullLogProbs.data, inputs.teacherFullLogProbs.data, d.mask, B * T, V);
        const rt = dtype === 'float64' ? rtol : Math.max(rtol, 1e-5);
        const n = b.metrics.tokens;
        expect(n).toBe(B * T - 1);
        let klScale = 0;
        for (const x of m.kl) klScale += x;
        within(a.stats.klSum, b.stats.klSum, klScale, 'stats.klSum', rt);
        within(a.loss, b.loss, Math.abs(b.loss) + klScale / n, 'loss', rt);
        const ga = a.gradFullLogProbs!;
        const gb = b.gradFullLogProbs!;
        let worst = 0;
        let nonZero = 0; // gradient entries that must be 0 (p = 0 or a masked-out row) but are not
        for (let i = 0; i < gb.length; i++) {
          const s = m.entry[i]! / n;
          if (s === 0) nonZero += ga[i] === 0 ? 0 : 1;
          else worst = Math.max(worst, Math.abs(ga[i]! - gb[i]!) / s);
        }
        expect(nonZero).toBe(0);
        expect(worst).toBeLessThan(rt);
        // the row after the chunk boundary is computed too
        let lastRow = 0;
        for (let i = (B * T - 1) * V; i < B * T * V; i++) lastRow += Math.abs(ga[i]!);
        expect(lastRow).toBeGreaterThan(0);
      });
    }

    for (const dtype of ['float64', 'float32'] as const) {
      it(`${dtype} kernel called directly: chunkRows 3 over 10 rows (a last partial chunk, an all-masked chunk, NaN padding)`, async () => {
        const rows = 10;
        const V = 7;
        const mask = Float64Array.from([1, 0, 1, 0, 0, 0, 1, 1, 0, 1]); // rows 3-5: a chunk with no masked-in row
        const f = fullRowsData(15, rows, V, mask);
        const rng = new Random(16);
        const weights = Float64Array.from({ length: rows }, (_, r) => (mask[r] ? 0.1 + rng.random() : NaN));
        const conv = (a: Float64Array) => (dtype === 'float32' ? Float32Array.from(a) : a);
        const inputs = { studentLogProbs: conv(f.student), teacherLogProbs: conv(f.teacher), mask: conv(mask), rowWeights: conv(weights) };
        const a = await runKernel(backend(), 'fullKl', inputs, { rows, vocab: V, chunkRows: 3 });
        const b = await runKernel(reference(), 'fullKl', inputs, { rows, vocab: V });
        expect(a.kl.constructor).toBe(inputs.studentLogProbs.constructor);
        expect(a.grad.constructor).toBe(inputs.studentLogProbs.constructor);
        const m = magnitudes(inputs.studentLogProbs, inputs.teacherLogProbs, mask, rows, V);
        const rt = dtype === 'float64' ? rtol : Math.max(rtol, 1e-5);
        for (let r = 0; r < rows; r++) {
          if (!mask[r]) {
            // 0 (the sign of a zero is not part of the contract)
            expect([a.kl[r], a.entropy[r], b.kl[r], b.entropy[r]].every((x) => x === 0)).toBe(true);
            continue;
          }
          within(a.kl[r]!, b.kl[r]!, m.kl[r]!, `kl[${r}]`, rt);
          within(a.entropy[r]!, b.entropy[r]!, m.ent[r]!, `entropy[${r}]`, rt);
        }
        for (let i = 0; i < rows * V; i++) {
          const r = Math.floor(i / V);
          if (!mask[r]) expect(a.grad[i] === 0).toBe(true);
          else within(a.grad[i]!, b.grad[i]!, weights[r]! * m.entry[i]!, `grad[${i}]`, rt);
        }
      });
    }
  });
}
