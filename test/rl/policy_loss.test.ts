import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NumericError, RegistryError } from '../../src/errors.js';
import {
  AGGREGATIONS,
  dapoLoss,
  drGrpoLoss,
  getPolicyLoss,
  grpoLoss,
  listPolicyLosses,
  logProbGradToLogitGrad,
  opdLoss,
  registerPolicyLoss,
  unregisterPolicyLoss,
  type PolicyLossInputs,
  type PolicyLossOptions,
} from '../../src/rl/policy_loss.js';
import { Random } from '../../src/sampling/random.js';

interface Fixture {
  cases: {
    name: string;
    loss: string;
    options: PolicyLossOptions;
    inputs: Record<string, unknown>;
    expected: { loss: number; grad: number[]; metrics: Record<string, number>; gradFullLogProbs?: number[] };
  }[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/rl_policy_loss.json', import.meta.url), 'utf8')) as Fixture;

function toInputs(raw: Record<string, unknown>): PolicyLossInputs {
  const out: Record<string, unknown> = { ...raw };
  for (const k of ['fullLogProbs', 'teacherFullLogProbs']) {
    const v = raw[k] as { data: number[]; dims: number[] } | undefined;
    if (v) out[k] = { data: Float64Array.from(v.data), dims: v.dims };
  }
  return out as unknown as PolicyLossInputs;
}

/** |a − b| ≤ 1e-9·max(1, |b|): float64 on both sides, so agreement is to rounding. */
function expectClose(actual: number, expected: number, what: string): void {
  const tol = 1e-9 * Math.max(1, Math.abs(expected));
  if (!(Math.abs(actual - expected) <= tol)) throw new Error(`${what}: got ${actual}, expected ${expected}`);
}

describe('policy losses vs torch 1.13 autograd (float64 fixtures from scripts/gen_rl_fixtures.py)', () => {
  for (const c of fixture.cases) {
    it(c.name, async () => {
      const fn = getPolicyLoss(c.loss);
      const r = await fn(toInputs(c.inputs), { ...c.options, backend: 'js' });
      expectClose(r.loss, c.expected.loss, 'loss');
      expect(r.grad.length).toBe(c.expected.grad.length);
      c.expected.grad.forEach((g, i) => expectClose(r.grad[i]!, g, `grad[${i}]`));
      for (const [k, v] of Object.entries(c.expected.metrics)) {
        expectClose((r.metrics as unknown as Record<string, number>)[k]!, v, `metrics.${k}`);
      }
      if (c.expected.gradFullLogProbs) {
        expect(r.gradFullLogProbs).toBeDefined();
        c.expected.gradFullLogProbs.forEach((g, i) => expectClose(r.gradFullLogProbs![i]!, g, `gradFullLogProbs[${i}]`));
      }
    });
  }
  it('covers every loss, every aggregation, dual clip and the clamp', () => {
    const losses = new Set(fixture.cases.map((c) => c.loss));
    expect([...losses].sort()).toEqual(['dapo', 'dr-grpo', 'grpo', 'opd']);
    const aggs = new Set(fixture.cases.map((c) => c.options.aggregation).filter(Boolean));
    expect(aggs.size).toBe(4);
    const clamped = fixture.cases.some((c) =>
      (c.inputs.logProbs as number[][]).some((row, b) => row.some((v, t) => Math.abs(v - (c.inputs.oldLogProbs as number[][])[b]![t]!) > 20)),
    );
    expect(clamped).toBe(true);
    expect(fixture.cases.some((c) => c.expected.metrics.dualClipFraction! > 0)).toBe(true);
    expect(fixture.cases.some((c) => c.expected.metrics.clipFractionLow! > 0 && c.expected.metrics.clipFractionHigh! > 0)).toBe(true);
  });
});

function randomInputs(rng: Random, B: number, T: number, spread = 0.4): { logProbs: number[][]; oldLogProbs: number[][]; advantages: number[]; mask: number[][]; ref: number[][] } {
  const logProbs: number[][] = [];
  const oldLogProbs: number[][] = [];
  const mask: number[][] = [];
  const ref: number[][] = [];
  const advantages: number[] = [];
  for (let b = 0; b < B; b++) {
    const L = 1 + rng.int(T);
    const o = Array.from({ length: T }, () => -3 * rng.random() - 0.05);
    oldLogProbs.push(o);
    logProbs.push(o.map((v) => v + spread * rng.gauss()));
    ref.push(o.map((v) => v + 0.5 * rng.gauss()));
    mask.push(Array.from({ length: T }, (_, t) => (t < L ? 1 : 0)));
    advantages.push(rng.gauss());
  }
  return { logProbs, oldLogProbs, advantages, mask, ref };
}

describe('closed-form gradient vs central finite differences', () => {
  const cases: [string, PolicyLossOptions, boolean][] = [
    ['dapo', {}, false],
    ['dapo', { dualClip: 2, aggregation: 'seq-mean-token-mean' }, false],
    ['grpo', { klCoef: 0.1, klEstimator: 'k3' }, true],
    ['grpo', { klCoef: 0.1, klEstimator: 'k2', aggregation: 'seq-mean-token-sum' }, true],
    ['dr-grpo', { normConstant: 16 }, false],
    ['opd', { klEstimator: 'k1', klCoef: 0.3 }, true],
  ];
  for (const [name, opts, withRef] of cases) {
    it(`${name} ${JSON.stringify(opts)}`, async () => {
      const rng = new Random(99);
      const x = randomInputs(rng, 4, 6);
      const fn = getPolicyLoss(name);
      const base: PolicyLossInputs = {
        logProbs: x.logProbs,
        oldLogProbs: x.oldLogProbs,
        advantages: x.advantages,
        mask: x.mask,
        ...(withRef ? (name === 'opd' ? { teacherLogProbs: x.ref } : { refLogProbs: x.ref }) : {}),
      };
      const r = await fn(base, { ...opts, backend: 'js' });
      const h = 1e-6;
      let checked = 0;
      for (let b = 0; b < 4; b++) {
        for (let t = 0; t < 6; t++) {
          const ratio = Math.exp(x.logProbs[b]![t]! - x.oldLogProbs[b]![t]!);
          const nearKink = [0.8, 1.2, 1.28, 2].some((k) => Math.abs(ratio - k) < 1e-4);
          if (nearKink) continue;
          const at = async (d: number) => {
            const lp = x.logProbs.map((row) => [...row]);
            lp[b]![t]! += d;
            return (await fn({ ...base, logProbs: lp }, { ...opts, backend: 'js' })).loss;
          };
          const fd = ((await at(h)) - (await at(-h))) / (2 * h);
          expect(Math.abs(fd - r.grad[b * 6 + t]!)).toBeLessThan(1e-6);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(20);
    });
  }

  it("opd 'full': gradFullLogProbs matches finite differences of the loss in each full-row entry", async () => {
    const rng = new Random(5);
    const B = 2;
    const T = 3;
    const V = 4;
    const x = randomInputs(rng, B, T);
    const rowLogSoftmax = () => {
      const z = Array.from({ length: V }, () => 2 * rng.gauss());
      const m = Math.max(...z);
      const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
      return z.map((v) => v - lse);
    };
    const s = Float64Array.from(Array.from({ length: B * T }, rowLogSoftmax).flat());
    const q = Float64Array.from(Array.from({ length: B * T }, rowLogSoftmax).flat());
    const inputs = (sd: Float64Array): PolicyLossInputs => ({
      logProbs: x.logProbs,
      oldLogProbs: x.oldLogProbs,
      advantages: x.advantages,
      mask: x.mask,
      fullLogProbs: { data: sd, dims: [B, T, V] },
      teacherFullLogProbs: { data: q, dims: [B, T, V] },
    });
    const r = await opdLoss(inputs(s), { klCoef: 0.5, backend: 'js' });
    expect(r.gradFullLogProbs).toBeDefined();
    const h = 1e-6;
    for (let i = 0; i < s.length; i++) {
      const p = Float64Array.from(s);
      const m = Float64Array.from(s);
      p[i] += h;
      m[i] -= h;
      const fd = ((await opdLoss(inputs(p), { klCoef: 0.5, backend: 'js' })).loss - (await opdLoss(inputs(m), { klCoef: 0.5, backend: 'js' })).loss) / (2 * h);
      expect(Math.abs(fd - r.gradFullLogProbs![i]!)).toBeLessThan(1e-7);
    }
    // through log_softmax: the gradient w.r.t. logits sums to 0 per row
    const gz = logProbGradToLogitGrad({ data: s, dims: [B, T, V] }, r.gradFullLogProbs!);
    for (let row = 0; row < B * T; row++) {
      let sum = 0;
      for (let v = 0; v < V; v++) sum += gz[row * V + v]!;
      expect(Math.abs(sum)).toBeLessThan(1e-12);
    }
  });
});

describe('micro-batch invariance (global counts)', () => {
  for (const aggregation of AGGREGATIONS) {
    it(`${aggregation}: Σ micro-batch losses and grads = full batch`, async () => {
      const rng = new Random(3);
      const B = 7;
      const T = 9;
      const x = randomInputs(rng, B, T, 1.5);
      x.mask[3] = Array(T).fill(0); // an empty sequence
      const opts: PolicyLossOptions = { aggregation, dualClip: 3, backend: 'js', normConstant: 7 };
      const full = await dapoLoss({ logProbs: x.logProbs, oldLogProbs: x.oldLogProbs, advantages: x.advantages, mask: x.mask }, opts);
      const tokens = x.mask.flat().reduce((a, b) => a + b, 0);
      const sequences = x.mask.filter((r) => r.some((v) => v > 0)).length;
      let loss = 0;
      const grad: number[] = [];
      for (const [lo, hi] of [[0, 2], [2, 3], [3, 7]] as const) {
        const r = await dapoLoss(
          { logProbs: x.logProbs.slice(lo, hi), oldLogProbs: x.oldLogProbs.slice(lo, hi), advantages: x.advantages.slice(lo, hi), mask: x.mask.slice(lo, hi) },
          { ...opts, globalTokenCount: tokens, globalSequenceCount: sequences },
        );
        loss += r.loss;
        grad.push(...r.grad);
      }
      expectClose(loss, full.loss, 'loss');
      grad.forEach((g, i) => expectClose(g, full.grad[i]!, `grad[${i}]`));
    });
  }
  it("with a KL term too: grpo + k3 and opd 'full' (loss, grad and gradFullLogProbs)", async () => {
    const rng = new Random(11);
    const B = 5;
    const T = 4;
    const V = 3;
    const x = randomInputs(rng, B, T, 0.8);
    x.mask[2] = Array(T).fill(0);
    const rows = (n: number) =>
      Array.from({ length: n }, () => {
        const z = Array.from({ length: V }, () => rng.gauss());
        const lse = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
        return z.map((v) => v - lse);
      }).flat();
    const s = rows(B * T);
    const q = rows(B * T);
    const slice = (lo: number, hi: number) => ({
      logProbs: x.logProbs.slice(lo, hi),
      oldLogProbs: x.oldLogProbs.slice(lo, hi),
      advantages: x.advantages.slice(lo, hi),
      mask: x.mask.slice(lo, hi),
      refLogProbs: x.ref.slice(lo, hi),
      fullLogProbs: { data: Float64Array.from(s.slice(lo * T * V, hi * T * V)), dims: [hi - lo, T, V] },
      teacherFullLogProbs: { data: Float64Array.from(q.slice(lo * T * V, hi * T * V)), dims: [hi - lo, T, V] },
    });
    const tokens = x.mask.flat().reduce((a, b) => a + b, 0);
    const sequences = x.mask.filter((r) => r.some((v) => v > 0)).length;
    for (const [fn, opts] of [
      [grpoLoss, { klCoef: 0.1, klEstimator: 'k3' }],
      [opdLoss, { klCoef: 0.5 }],
    ] as const) {
      const full = await fn(slice(0, B), { ...opts, backend: 'js' });
      let loss = 0;
      const grad: number[] = [];
      const gradFull: number[] = [];
      for (const [lo, hi] of [[0, 2], [2, 4], [4, 5]] as const) {
        const r = await fn(slice(lo, hi), { ...opts, backend: 'js', globalTokenCount: tokens, globalSequenceCount: sequences });
        loss += r.loss;
        grad.push(...r.grad);
        if (r.gradFullLogProbs) gradFull.push(...r.gradFullLogProbs);
      }
      expect(full.metrics.kl).toBeGreaterThan(0);
      expectClose(loss, full.loss, 'loss');
      grad.forEach((g, i) => expectClose(g, full.grad[i]!, `grad[${i}]`));
      if (fn === opdLoss) {
        expect(full.gradFullLogProbs).toBeDefined();
        gradFull.forEach((g, i) => expectClose(g, full.gradFullLogProbs![i]!, `gradFullLogProbs[${i}]`));
      }
    }
  });
  it('without the global count a token-mean over micro-batches differs (the bug this guards against)', async () => {
    const rng = new Random(4);
    const x = randomInputs(rng, 4, 8, 0.2);
    const full = await dapoLoss({ logProbs: x.logProbs, oldLogProbs: x.oldLogProbs, advantages: x.advantages, mask: x.mask }, { backend: 'js' });
    const a = await dapoLoss({ logProbs: x.logProbs.slice(0, 1), oldLogProbs: x.oldLogProbs.slice(0, 1), advantages: x.advantages.slice(0, 1), mask: x.mask.slice(0, 1) }, { backend: 'js' });
    const b = await dapoLoss({ logProbs: x.logProbs.slice(1), oldLogProbs: x.oldLogProbs.slice(1), advantages: x.advantages.slice(1), mask: x.mask.slice(1) }, { backend: 'js' });
    expect(Math.abs(a.loss + b.loss - full.loss)).toBeGreaterThan(1e-6);
  });
});

describe('properties', () => {
  it('masked-out positions get zero gradient; zero advantages give zero loss without KL', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 1e6 }), async (B, T, seed) => {
        const rng = new Random(seed);
        const x = randomInputs(rng, B, T, 3);
        const r = await dapoLoss({ logProbs: x.logProbs, oldLogProbs: x.oldLogProbs, advantages: x.advantages, mask: x.mask }, { backend: 'js', dualClip: 2 });
        x.mask.flat().forEach((m, i) => {
          if (m === 0) expect(r.grad[i]).toBe(0);
        });
        const z = await dapoLoss({ logProbs: x.logProbs, oldLogProbs: x.oldLogProbs, advantages: x.advantages.map(() => 0), mask: x.mask }, { backend: 'js' });
        expect(z.loss).toBe(0);
        expect(r.metrics.clipFraction).toBeGreaterThanOrEqual(0);
        expect(r.metrics.clipFraction).toBeLessThanOrEqual(1);
      }),
      { numRuns: 40 },
    );
  });
  it('on-policy (ρ = 1) token-mean DAPO gradient is −A/N for every token (the REINFORCE gradient)', async () => {
    const r = await dapoLoss({ logProbs: [[-1, -2, -3], [-0.5, -0.1, -9]], oldLogProbs: [[-1, -2, -3], [-0.5, -0.1, -9]], advantages: [2, -1], mask: [[1, 1, 0], [1, 1, 1]] }, { backend: 'js' });
    expect(Array.from(r.grad)).toEqual([-2 / 5, -2 / 5, 0, 1 / 5, 1 / 5, 1 / 5]);
    expect(r.loss).toBeCloseTo((-2 * 2 + 1 * 3) / 5, 15);
  });
  it('float32 dtype gives float32 gradients that agree with float64 to float32 precision', async () => {
    const x = randomInputs(new Random(8), 3, 5);
    const f64 = await dapoLoss({ logProbs: x.logProbs, oldLogProbs: x.oldLogProbs, advantages: x.advantages, mask: x.mask }, { backend: 'js' });
    const f32 = await dapoLoss({ logProbs: x.logProbs, oldLogProbs: x.oldLogProbs, advantages: x.advantages, mask: x.mask }, { backend: 'js', dtype: 'float32' });
    expect(f32.grad).toBeInstanceOf(Float32Array);
    f64.grad.forEach((g, i) => expect(Math.abs(g - f32.grad[i]!)).toBeLessThan(1e-6));
  });
});

describe("opd's default KL estimator", () => {
  it("is 'full' with both full-row inputs, the sampled-token 'sampled' when only the student's rows come with teacherLogProbs", async () => {
    const x = randomInputs(new Random(12), 2, 3);
    const V = 2;
    const half = Float64Array.from({ length: 2 * 3 * V }, () => Math.log(0.5));
    const base = { logProbs: x.logProbs, oldLogProbs: x.oldLogProbs, advantages: x.advantages, mask: x.mask };
    // the student's rows given only for the entropy metric: the sampled-token teacher log-probs are used
    const a = await opdLoss({ ...base, teacherLogProbs: x.ref, fullLogProbs: { data: half, dims: [2, 3, V] } }, { backend: 'js' });
    const sampled = await opdLoss({ ...base, teacherLogProbs: x.ref }, { backend: 'js', klEstimator: 'sampled' });
    expect(a.loss).toBe(sampled.loss);
    expect(Array.from(a.grad)).toEqual(Array.from(sampled.grad));
    expect(a.gradFullLogProbs).toBeUndefined();
    expect(a.metrics.entropy).toBeCloseTo(Math.log(2), 14);
    // both rows: the exact KL (here student = teacher, so KL = 0 and only the PG part remains)
    const b = await opdLoss({ ...base, teacherLogProbs: x.ref, fullLogProbs: { data: half, dims: [2, 3, V] }, teacherFullLogProbs: { data: half, dims: [2, 3, V] } }, { backend: 'js' });
    expect(b.gradFullLogProbs).toBeDefined();
    expect(b.metrics.kl).toBe(0);
    expect(b.loss).toBe(b.metrics.pgLoss);
    // one full-row input alone: 'full' is chosen and the error names the missing one
    await rejects(opdLoss({ ...base, fullLogProbs: { data: half, dims: [2, 3, V] } }), TypeError, /'teacherFullLogProbs'/);
  });
});

describe("OPD's sampled-token estimator (TR Eq. 4, reverse KL) — exact expectation over a small vocabulary", () => {
  // A student and a teacher over V = 5 tokens at one position. For each estimator the loss is computed on the
  // student's own sample (on-policy: oldLogProbs = logProbs, A = 0) for every token y, giving ∂loss/∂log π_θ(y) = g_y;
  // the expected gradient with respect to the logits z is E_{y~p}[g_y·∂log p_y/∂z] = Σ_y p_y·g_y·(e_y − p), exactly.
  const z = [1.3, -0.4, 0.2, 2.1, -1.7];
  const zt = [0.1, 0.9, -1.2, 1.5, 0.4];
  const logSoftmax = (x: number[]): number[] => {
    const m = Math.max(...x);
    const lse = m + Math.log(x.reduce((a, v) => a + Math.exp(v - m), 0));
    return x.map((v) => v - lse);
  };
  const lp = logSoftmax(z);
  const lq = logSoftmax(zt);
  const p = lp.map(Math.exp);
  const q = lq.map(Math.exp);
  const V = z.length;
  const beta = 0.7;
  const reverseKl = (logits: number[]): number => {
    const l = logSoftmax(logits);
    return l.reduce((a, v, i) => a + Math.exp(v) * (v - lq[i]!), 0);
  };
  // the true gradient of β·KL(π_θ ‖ π_T) w.r.t. the logits, by central finite differences (independent of any closed form)
  const trueGrad = z.map((_, k) => {
    const h = 1e-6;
    const up = z.slice();
    const dn = z.slice();
    up[k]! += h;
    dn[k]! -= h;
    return (beta * (reverseKl(up) - reverseKl(dn))) / (2 * h);
  });
  const expectedLogitGrad = async (options: PolicyLossOptions): Promise<number[]> => {
    const out = new Array<number>(V).fill(0);
    for (let y = 0; y < V; y++) {
      const r = await opdLoss({ logProbs: [[lp[y]!]], oldLogProbs: [[lp[y]!]], advantages: [0], teacherLogProbs: [[lq[y]!]] }, { klCoef: beta, backend: 'js', ...options });
      const g = r.grad[0]!;
      for (let k = 0; k < V; k++) out[k]! += p[y]! * g * ((k === y ? 1 : 0) - p[k]!);
    }
    return out;
  };
  it("the default estimator ('sampled') has expected gradient β·∇KL(π_θ ‖ π_T), the gradient of the true reverse KL", async () => {
    const g = await expectedLogitGrad({});
    g.forEach((v, k) => expect(Math.abs(v - trueGrad[k]!)).toBeLessThan(1e-8));
    const explicit = await expectedLogitGrad({ klEstimator: 'sampled' });
    explicit.forEach((v, k) => expect(v).toBe(g[k]));
    // the closed form p_k·(log p_k − log q_k − KL) agrees as well
    const kl = reverseKl(z);
    g.forEach((v, k) => expect(v).toBeCloseTo(beta * p[k]! * (lp[k]! - lq[k]! - kl), 12));
  });
  it("the pathwise k3 penalty has the forward-KL gradient β·(p − q) in expectation and k1 has none (their documented meaning)", async () => {
    const k3 = await expectedLogitGrad({ klEstimator: 'k3' });
    k3.forEach((v, k) => expect(v).toBeCloseTo(beta * (p[k]! - q[k]!), 12));
    expect(k3.some((v, k) => Math.abs(v - trueGrad[k]!) > 1e-3)).toBe(true); // not the reverse KL's gradient
    const k1 = await expectedLogitGrad({ klEstimator: 'k1' });
    k1.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-15));
  });
  it("'sampled' puts −β·(log π_θ − log π_T) into each token's advantage as a constant (hand-worked)", async () => {
    // A = 0.5, β = 1, log π_θ − log π_T = 1 → advantage −0.5; ρ = 1 → loss = 0.5, grad = −w·ρ·A' = 0.5
    const r = await opdLoss({ logProbs: [[-1]], oldLogProbs: [[-1]], advantages: [0.5], teacherLogProbs: [[-2]] }, { backend: 'js' });
    expect(r.loss).toBeCloseTo(0.5, 15);
    expect(r.grad[0]).toBeCloseTo(0.5, 15);
    expect(r.metrics.kl).toBeCloseTo(1, 15); // the k1 estimate of the reverse KL, logged
    expect(r.metrics.klLoss).toBeCloseTo(1, 15);
    // off-policy and through the clip: ρ = e^0.1 ≈ 1.105 within [0.8, 1.28] → grad = −ρ·A'/N per token
    const two = await opdLoss(
      { logProbs: [[-0.9, -3]], oldLogProbs: [[-1, -3]], advantages: [[1, 0]], teacherLogProbs: [[-1.4, -2]] },
      { backend: 'js', klCoef: 0.5 },
    );
    const a0 = 1 - 0.5 * (-0.9 + 1.4);
    const a1 = 0 - 0.5 * (-3 + 2);
    expect(two.grad[0]).toBeCloseTo((-Math.exp(0.1) * a0) / 2, 14);
    expect(two.grad[1]).toBeCloseTo(-a1 / 2, 14);
    expect(two.loss).toBeCloseTo((-Math.exp(0.1) * a0 - a1) / 2, 14);
    await rejects(grpoLoss({ ...two, logProbs: [[-1, -1]], oldLogProbs: [[-1, -1]], advantages: [1] }, { klEstimator: 'sampled', klCoef: 0.1 }), RangeError, /'klEstimator'/);
  });
});

describe("Dr.GRPO's constant C", () => {
  it('is required (the max new tokens): the loss scale must not move with the padded length of the batch', async () => {
    const x = { logProbs: [[-1, -1, 0]], oldLogProbs: [[-1, -1, 0]], advantages: [1], mask: [[1, 1, 0]] };
    await rejects(drGrpoLoss(x), TypeError, /drGrpoLoss: 'normConstant' must be given with aggregation 'seq-mean-token-sum-norm'/);
    await rejects(dapoLoss(x, { aggregation: 'seq-mean-token-sum-norm' }), TypeError, /'normConstant'/);
    // the same sequence padded to 3 or to 6 tokens: the same loss with a fixed C
    const padded = { logProbs: [[-1, -1, 0, 0, 0, 0]], oldLogProbs: [[-1, -1, 0, 0, 0, 0]], advantages: [1], mask: [[1, 1, 0, 0, 0, 0]] };
    const a = await drGrpoLoss(x, { normConstant: 8, backend: 'js' });
    const b = await drGrpoLoss(padded, { normConstant: 8, backend: 'js' });
    expect(a.loss).toBeCloseTo(-2 / 8, 15);
    expect(b.loss).toBe(a.loss);
    await rejects(drGrpoLoss(x, { normConstant: 0 }), RangeError, /'normConstant'/);
    // other aggregations do not need it
    await expect(dapoLoss(x, { backend: 'js' })).resolves.toBeDefined();
  });
});

describe('registry', () => {
  it('lists the built-ins and rejects unknown names with the registered list', () => {
    expect(listPolicyLosses()).toEqual(expect.arrayContaining(['dapo', 'grpo', 'dr-grpo', 'opd']));
    expect(() => getPolicyLoss('ppo2')).toThrow(RegistryError);
    expect(() => getPolicyLoss('ppo2')).toThrow(/Unknown policy loss 'ppo2'\. Registered: .*dapo/);
  });
  it('registers a custom loss, refuses a conflicting one, removes it', async () => {
    const mine = (i: PolicyLossInputs, o?: PolicyLossOptions) => dapoLoss(i, { ...o, dualClip: 3 });
    registerPolicyLoss('test-dual', mine);
    registerPolicyLoss('test-dual', mine); // same function: no-op
    expect(() => registerPolicyLoss('test-dual', (i) => dapoLoss(i))).toThrow(RegistryError);
    expect(() => registerPolicyLoss('x', 3 as unknown as never)).toThrow(TypeError);
    expect((await getPolicyLoss('test-dual')({ logProbs: [[-1]], oldLogProbs: [[-1]], advantages: [1] }, { backend: 'js' })).loss).toBe(-1);
    expect(unregisterPolicyLoss('test-dual')).toBe(true);
  });
});

/** Asserts that `p` rejects with an instance of `cls` whose message matches `re` (class AND argument name). */
async function rejects(p: Promise<unknown>, cls: new (...a: never[]) => Error, re: RegExp): Promise<void> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(cls);
  expect((e as Error).message).toMatch(re);
}

describe('bad input', () => {
  const ok = { logProbs: [[-1, -2]], oldLogProbs: [[-1, -2]], advantages: [1] };
  it('mismatched shapes → RangeError naming the argument', async () => {
    await rejects(dapoLoss({ ...ok, oldLogProbs: [[-1, -2, -3]] }), RangeError, /'oldLogProbs' must be of shape \[1, 2\] \(as logProbs\)/);
    await rejects(dapoLoss({ ...ok, advantages: [1, 2] }), RangeError, /'advantages'/);
    await rejects(dapoLoss({ ...ok, mask: [[1]] }), RangeError, /'mask'/);
    await rejects(dapoLoss({ ...ok, logProbs: [[-1, -2], [-1]] }), RangeError, /'logProbs'/);
    await rejects(dapoLoss({ ...ok, logProbs: { data: [1, 2, 3], shape: [1, 2] } }), RangeError, /'logProbs.data'/);
    await rejects(grpoLoss({ ...ok, refLogProbs: [[-1]] }, { klCoef: 0.1 }), RangeError, /'refLogProbs'/);
  });
  it('masks that are not 0/1 → RangeError with the position', async () => {
    await rejects(dapoLoss({ ...ok, mask: [[1, 0.5]] }), RangeError, /'mask' must be a 0\/1 mask; got 0.5 at \[0, 1\]/);
    await rejects(dapoLoss({ ...ok, mask: [[NaN, 1]] }), RangeError, /'mask' must be a 0\/1 mask; got NaN at \[0, 0\]/);
  });
  it('NaN / Inf log-probs and advantages → NumericError naming the argument', async () => {
    await rejects(dapoLoss({ ...ok, logProbs: [[NaN, -2]] }), NumericError, /'logProbs' must be finite where mask = 1; got NaN at \[0, 0\]/);
    await rejects(dapoLoss({ ...ok, oldLogProbs: [[-1, -Infinity]] }), NumericError, /'oldLogProbs'/);
    await rejects(dapoLoss({ ...ok, advantages: [NaN] }), NumericError, /'advantages'/);
    await rejects(grpoLoss({ ...ok, refLogProbs: [[NaN, -1]] }, { klCoef: 0.1 }), NumericError, /'refLogProbs'/);
    // NaN under mask 0 is padding and is ignored
    const r = await dapoLoss({ ...ok, logProbs: [[-1, NaN]], mask: [[1, 0]] }, { backend: 'js' });
    expect(r.grad[1]).toBe(0);
  });
  it('wrong kinds → TypeError; bad options → RangeError', async () => {
    await rejects(dapoLoss({ ...ok, logProbs: 'x' as unknown as number[][] }), TypeError, /'logProbs'/);
    await rejects(dapoLoss({ ...ok, advantages: 'x' as never }), TypeError, /'advantages'/);
    await rejects(dapoLoss(ok, { dualClip: 0.5 }), RangeError, /'dualClip'/);
    await rejects(dapoLoss(ok, { epsilonLow: 1.5 }), RangeError, /'epsilonLow'/);
    await rejects(dapoLoss(ok, { aggregation: 'mean' as never }), RangeError, /'aggregation' must be one of 'token-mean'/);
    await rejects(dapoLoss(ok, { globalTokenCount: 1 }), RangeError, /'globalTokenCount'/);
    await rejects(dapoLoss(ok, { dtype: 'float16' as never }), RangeError, /'dtype'/);
    await rejects(grpoLoss(ok, { klCoef: 0.1 }), TypeError, /'refLogProbs'/);
    await rejects(opdLoss(ok), TypeError, /'teacherLogProbs'/);
    await rejects(grpoLoss(ok, { klEstimator: 'full', klCoef: 0.1 }), RangeError, /'klEstimator'/);
    await rejects(dapoLoss(ok, 3 as never), TypeError, /'options'/);
  });
});

describe('entropy metric', () => {
  it('mean token entropy from logits over masked-in tokens (hand-worked)', async () => {
    // token 0: logits [0, 0] → H = ln 2; token 1: logits [0, ln 3] → p = [1/4, 3/4]; token 2 masked out
    const logits = { data: Float64Array.from([0, 0, 0, Math.log(3), 5, -5]), dims: [1, 3, 2] };
    const r = await dapoLoss({ logProbs: [[-1, -1, -1]], oldLogProbs: [[-1, -1, -1]], advantages: [1], mask: [[1, 1, 0]], logits }, { backend: 'js' });
    const h1 = -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75));
    expect(r.metrics.entropy).toBeCloseTo((Math.log(2) + h1) / 2, 14);
    await expect(dapoLoss({ logProbs: [[-1]], oldLogProbs: [[-1]], advantages: [1], logits: { data: new Float64Array(4), dims: [1, 2, 2] } }, { backend: 'js' })).rejects.toThrow(/'logits.dims'/);
  });
});
