/**
 * Reward-hacking audit: runs a reward over canonical output strategies on real slates and reports what a policy could
 * exploit — paying for copying the input order (P1 §6.3, TR §6.4 path 2), invalid output beating valid output (TR
 * path 1, partial parses), paying an answer that drops its reasoning (P1 §6.2's Ω requires it), non-monotonicity in
 * the target's rank, and dependence on candidate position rather than identity. Plus test helpers that throw an assertion error with the offending strategy and numbers.
 *
 * @packageDocumentation
 */
import type { Slate } from '../data/types.js';
import { Gr2Error, rangeError, typeError } from '../errors.js';
import { Random } from '../sampling/random.js';
import { renderSid, tryParseSid, sidKey } from '../sid/sid_string.js';
import { checkRewardValues } from './combine.js';
import { labelsOf, targetIndexOf } from './factories.js';
import { base256Sid, renderRerankCompletion, samplesFromSlates, type SamplesFromSlatesOptions } from '../prompt/samples.js';
import { rewardName, type RerankSample, type Reward, type RewardValue } from './types.js';

/** The audit's checks. */
export type AuditCheck = 'order_copying' | 'invalid_above_valid' | 'not_monotone' | 'position_dependent' | 'reasoning_dropped';

/** Options of {@link auditReward}. All fields are optional. */
export interface AuditOptions {
  /**
   * At most this many slates are used (a seeded sample when there are more).
   * @defaultValue `500`
   */
  readonly maxSlates?: number;
  /**
   * Random permutations per slate for the `random` strategy.
   * @defaultValue `4`
   */
  readonly randomPermutations?: number;
  /**
   * Shuffled-input probes per slate for the position check.
   * @defaultValue `2`
   */
  readonly positionProbes?: number;
  /**
   * Seed of every random draw.
   * @defaultValue `1234`
   */
  readonly seed?: number;
  /**
   * The reward a valid output should earn when it does no ranking work. Copying the input order must not earn more
   * on slates whose input order is not optimal. `0` for P1-style rewards; set it to α for rewards that pay α·Ω on
   * every valid output (TR's conditional reward).
   * @defaultValue `0`
   */
  readonly neutralReward?: number;
  /**
   * Numerical tolerance of every comparison.
   * @defaultValue `1e-9`
   */
  readonly tolerance?: number;
  /**
   * Which checks to run (strategies not needed by them are skipped). Leave `'reasoning_dropped'` out when auditing
   * a reward for the reasoning-free variant (TR §9.4), which pays a ranking-only answer by design.
   * @defaultValue all five
   */
  readonly checks?: readonly AuditCheck[];
  /**
   * Renders a ranking (candidate ids, best first) as a completion for the reward.
   * @defaultValue `renderRerankCompletion(ranking, {explanation: '…'})`
   */
  readonly render?: (ranking: readonly string[], sample: RerankSample) => string;
  /**
   * Renders a ranking as completions that drop the reasoning, for the `reasoning_dropped` strategy.
   * @defaultValue the JSON answer without its reasoning field, and with an empty one
   *   (`renderRerankCompletion(ranking, {explanation: null})`, `… {explanation: ''}`)
   */
  readonly renderWithoutReasoning?: (ranking: readonly string[], sample: RerankSample) => readonly string[];
  /**
   * Used when `data` holds slates: maps item ids to SIDs (see `samplesFromSlates`).
   * @defaultValue `base256Sid`
   */
  readonly sidOf?: SamplesFromSlatesOptions['sidOf'];
}

/** One row of the audit table. */
export interface AuditRow {
  /** Strategy name, e.g. `'copy_input'`. */
  readonly strategy: string;
  /** Whether the strategy produces valid (permutation) or invalid output. */
  readonly kind: 'valid' | 'invalid';
  /** Number of scored (non-null) outputs. */
  readonly n: number;
  /** Mean reward. */
  readonly mean: number;
  /** Population standard deviation. */
  readonly std: number;
  /** Minimum reward. */
  readonly min: number;
  /** Maximum reward. */
  readonly max: number;
  /** `mean / (mean of the best strategy)` when that best mean is > 0, else `null`. */
  readonly shareOfMax: number | null;
  /** Share of slates on which this strategy attains the per-slate maximum over all table strategies (ties count). */
  readonly bestRate: number;
  /** Outputs the reward scored as `null`. */
  readonly nulls: number;
}

/** One finding of the audit. */
export interface AuditFinding {
  /** Which check fired. */
  readonly check: AuditCheck;
  /** `'error'`: exploitable; `'warning'`: a property to be aware of (e.g. rank promotion is position-relative by design). */
  readonly severity: 'error' | 'warning';
  /** What was found, with numbers. */
  readonly message: string;
  /** The numbers behind the message. */
  readonly details: Readonly<Record<string, number | string>>;
}

/** Result of {@link auditReward}. */
export interface RewardAuditReport {
  /** The reward's name. */
  readonly reward: string;
  /** Slates used. */
  readonly slates: number;
  /** Slates whose input order is not already optimal — some negative precedes a positive (the copy check runs on these). */
  readonly nonOptimalSlates: number;
  /** One row per strategy. */
  readonly table: readonly AuditRow[];
  /** Mean reward with the target moved to rank r (others in input order), r = 1..K. */
  readonly rankCurve: readonly { readonly rank: number; readonly mean: number; readonly n: number }[];
  /** Mean |reward(input) − reward(shuffled input)| for the same item ranking; 0 for identity-based rewards. */
  readonly positionSensitivity: number | null;
  /** Mean reward of `copy_input` on the non-optimal slates. */
  readonly copyMeanOnNonOptimal: number | null;
  /** Findings (empty when nothing was flagged). */
  readonly findings: readonly AuditFinding[];
  /** Per check: true when it ran and found nothing, false when flagged, null when it did not run. */
  readonly passed: Readonly<Record<AuditCheck, boolean | null>>;
}

const ALL_CHECKS: readonly AuditCheck[] = ['order_copying', 'invalid_above_valid', 'not_monotone', 'position_dependent', 'reasoning_dropped'];

interface Base {
  sample: RerankSample;
  target: number;
  labels: number[];
  oracle: number[];
  optimalInput: boolean;
}

function isData(x: unknown): x is RerankSample {
  return x !== null && typeof x === 'object' && typeof (x as RerankSample).completion === 'string' && Array.isArray((x as RerankSample).candidates);
}

function moveTo(k: number, target: number, pos: number): number[] {
  const rest: number[] = [];
  for (let i = 0; i < k; i++) if (i !== target) rest.push(i);
  rest.splice(pos, 0, target);
  return rest;
}

function stats(values: readonly number[]): { mean: number; std: number; min: number; max: number } {
  if (values.length === 0) return { mean: NaN, std: NaN, min: NaN, max: NaN };
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    s += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = s / values.length;
  let q = 0;
  for (const v of values) q += (v - mean) ** 2;
  return { mean, std: Math.sqrt(q / values.length), min, max };
}

const f4 = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : String(x));

/** The resolved options of one audit. */
interface AuditConfig {
  readonly name: string;
  readonly maxSlates: number;
  readonly randomPermutations: number;
  readonly positionProbes: number;
  readonly seed: number;
  readonly neutral: number;
  readonly tol: number;
  readonly checks: ReadonlySet<AuditCheck>;
  readonly render: (ranking: readonly string[], sample: RerankSample) => string;
  readonly renderWithoutReasoning: (ranking: readonly string[], sample: RerankSample) => readonly string[];
  readonly score: (batch: readonly RerankSample[]) => Promise<RewardValue[]>;
}

function resolveAudit(reward: Reward<RerankSample>, data: unknown, options: AuditOptions): AuditConfig {
  const fn = 'auditReward';
  if (typeof reward !== 'function') throw typeError(fn, 'reward', 'a reward function', reward);
  if (!Array.isArray(data)) throw typeError(fn, 'data', 'an array of slates or samples', data);
  const maxSlates = options.maxSlates ?? 500;
  const randomPermutations = options.randomPermutations ?? 4;
  const positionProbes = options.positionProbes ?? 2;
  const neutral = options.neutralReward ?? 0;
  const tol = options.tolerance ?? 1e-9;
  const checks = new Set(options.checks ?? ALL_CHECKS);
  for (const [name, v] of [
    ['options.maxSlates', maxSlates],
    ['options.randomPermutations', randomPermutations],
    ['options.positionProbes', positionProbes],
  ] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw rangeError(fn, name, 'a non-negative integer', v);
  }
  if (maxSlates < 1) throw rangeError(fn, 'options.maxSlates', 'a positive integer', maxSlates);
  if (typeof neutral !== 'number' || !Number.isFinite(neutral)) throw rangeError(fn, 'options.neutralReward', 'a finite number', neutral);
  if (typeof tol !== 'number' || !(tol >= 0)) throw rangeError(fn, 'options.tolerance', 'a non-negative number', tol);
  for (const c of checks) if (!ALL_CHECKS.includes(c)) throw rangeError(fn, 'options.checks', `a list of ${ALL_CHECKS.join(', ')}`, c);
  const name = rewardName(reward);
  return {
    name,
    maxSlates,
    randomPermutations,
    positionProbes,
    seed: options.seed ?? 1234,
    neutral,
    tol,
    checks,
    render: options.render ?? ((ranking) => renderRerankCompletion(ranking, { explanation: '…' })),
    renderWithoutReasoning:
      options.renderWithoutReasoning ??
      ((ranking) => [renderRerankCompletion(ranking, { explanation: null }), renderRerankCompletion(ranking, { explanation: '' })]),
    score: async (batch) => checkRewardValues(name, await reward(batch), batch.length).slice(),
  };
}

/** The audited slates: samples with a target and 2+ candidates (a seeded subsample of at most `maxSlates`). */
function buildBases(data: readonly Slate[] | readonly RerankSample[], options: AuditOptions, cfg: AuditConfig, rng: Random): Base[] {
  let samples: RerankSample[] =
    data.length > 0 && isData(data[0])
      ? (data as readonly RerankSample[]).slice()
      : samplesFromSlates(data as readonly Slate[], options.sidOf ? { sidOf: options.sidOf, prompt: '' } : { prompt: '' });
  if (samples.length > cfg.maxSlates) {
    const idx = rng.permutation(samples.length).slice(0, cfg.maxSlates).sort((a, b) => a - b);
    samples = idx.map((i) => samples[i]!);
  }
  const bases: Base[] = [];
  for (const s of samples) {
    const K = s.candidates.length;
    const target = targetIndexOf(s);
    if (K < 2 || target < 0) continue;
    const labels = labelsOf(s);
    const oracle = Array.from({ length: K }, (_, i) => i).sort((a, b) => labels[b]! - labels[a]! || a - b);
    // Optimal input (binary view): no negative precedes a positive.
    let optimalInput = true;
    let seenNegative = false;
    for (let i = 0; i < K; i++) {
      if (labels[i]! > 0) {
        if (seenNegative) optimalInput = false;
      } else seenNegative = true;
    }
    bases.push({ sample: s, target, labels, oracle, optimalInput });
  }
  if (bases.length === 0) {
    throw rangeError('auditReward', 'data', 'at least one slate with a target (or a positive) and 2+ candidates', data.length);
  }
  return bases;
}

/** An SID that is not a candidate of slate b (for the out-of-set strategy). */
function foreignSid(b: Base): string {
  const keys = new Set(
    b.sample.candidates.map((c) => {
      const codes = tryParseSid(c);
      return codes ? sidKey(codes) : c;
    }),
  );
  for (let v = 0xffffffff; ; v--) {
    const codes = base256Sid(v);
    if (!keys.has(sidKey(codes))) return renderSid(codes);
  }
}

const ids = (b: Base, order: readonly number[]): string[] => order.map((i) => b.sample.candidates[i]!);
const withCompletion = (b: Base, completion: string): RerankSample => ({ ...b.sample, completion });
const idOrder = (b: Base): number[] => b.labels.map((_, i) => i);

/** A canonical output strategy: the completions it writes for one slate. */
interface Strategy {
  readonly name: string;
  readonly kind: 'valid' | 'invalid';
  readonly make: (b: Base) => readonly string[];
}

function validStrategies(cfg: AuditConfig, rng: Random): Strategy[] {
  const r = cfg.render;
  const out: Strategy[] = [{ name: 'copy_input', kind: 'valid', make: (b) => [r(ids(b, idOrder(b)), b.sample)] }];
  if (!cfg.checks.has('order_copying') && !cfg.checks.has('invalid_above_valid')) return out;
  out.push(
    { name: 'reverse', kind: 'valid', make: (b) => [r(ids(b, idOrder(b).reverse()), b.sample)] },
    {
      name: 'random',
      kind: 'valid',
      make: (b) => Array.from({ length: cfg.randomPermutations }, () => r(ids(b, rng.permutation(b.labels.length)), b.sample)),
    },
    { name: 'oracle', kind: 'valid', make: (b) => [r(ids(b, b.oracle), b.sample)] },
    { name: 'target_demoted', kind: 'valid', make: (b) => [r(ids(b, moveTo(b.labels.length, b.target, b.labels.length - 1)), b.sample)] },
  );
  return out;
}

function invalidStrategies(cfg: AuditConfig): Strategy[] {
  const r = cfg.render;
  const replaceLast = (o: number[], i: number): number[] => {
    o[o.length - 1] = o[i]!;
    return o;
  };
  const out: Strategy[] = [];
  if (cfg.checks.has('invalid_above_valid')) {
    out.push(
      { name: 'duplicates', kind: 'invalid', make: (b) => [r(ids(b, replaceLast(idOrder(b), 0)), b.sample)] },
      { name: 'missing_item', kind: 'invalid', make: (b) => [r(ids(b, idOrder(b).slice(0, -1)), b.sample)] },
      {
        name: 'out_of_set_sid',
        kind: 'invalid',
        make: (b) => {
          const ranking = ids(b, idOrder(b));
          ranking[ranking.length - 1] = foreignSid(b);
          return [r(ranking, b.sample)];
        },
      },
      {
        name: 'invalid_target_first',
        kind: 'invalid',
        make: (b) => [r(ids(b, replaceLast(moveTo(b.labels.length, b.target, 0), 1)), b.sample)],
      },
      {
        name: 'truncated_json',
        kind: 'invalid',
        make: (b) => {
          const full = r(ids(b, b.oracle), b.sample);
          return [full.slice(0, Math.floor(full.length / 2))];
        },
      },
    );
  }
  if (cfg.checks.has('invalid_above_valid') || cfg.checks.has('reasoning_dropped')) {
    out.push({ name: 'empty', kind: 'invalid', make: () => [''] });
  }
  if (cfg.checks.has('invalid_above_valid')) {
    out.push({
      name: 'prose_only',
      kind: 'invalid',
      make: () => ['The first candidate matches the purchase history best, so I would recommend it.'],
    });
  }
  if (cfg.checks.has('reasoning_dropped')) {
    // the best ranking with the reasoning left out: invalid under the paper's Ω (P1 §6.2), which requires the trace
    out.push({ name: 'reasoning_dropped', kind: 'invalid', make: (b) => cfg.renderWithoutReasoning(ids(b, b.oracle), b.sample) });
  }
  return out;
}

/** Per strategy: the mean reward on each slate (`null` where every output was scored `null`) and all scored values. */
interface StrategyScores {
  readonly perSlate: Map<string, (number | null)[]>;
  readonly values: Map<string, { vals: number[]; nulls: number }>;
}

async function scoreStrategies(strategies: readonly Strategy[], bases: readonly Base[], cfg: AuditConfig): Promise<StrategyScores> {
  const n = bases.length;
  const perSlate = new Map<string, (number | null)[]>();
  const values = new Map<string, { vals: number[]; nulls: number }>();
  for (const st of strategies) {
    const batch: RerankSample[] = [];
    const owner: number[] = [];
    bases.forEach((b, i) => {
      for (const c of st.make(b)) {
        batch.push(withCompletion(b, c));
        owner.push(i);
      }
    });
    const v = await cfg.score(batch);
    const sums = new Array<number>(n).fill(0);
    const counts = new Array<number>(n).fill(0);
    const vals: number[] = [];
    let nulls = 0;
    v.forEach((x, j) => {
      if (x === null) {
        nulls++;
        return;
      }
      vals.push(x);
      sums[owner[j]!]! += x;
      counts[owner[j]!]!++;
    });
    perSlate.set(st.name, sums.map((s, i) => (counts[i]! > 0 ? s / counts[i]! : null)));
    values.set(st.name, { vals, nulls });
  }
  return { perSlate, values };
}

/** Rank probes: the reward with the target at rank r (others in input order), per slate, and its mean per rank. */
async function probeRanks(
  bases: readonly Base[],
  cfg: AuditConfig,
): Promise<{ rankValues: (number | null)[][]; rankCurve: { rank: number; mean: number; n: number }[] }> {
  const rankValues: (number | null)[][] = bases.map(() => []);
  const rankCurve: { rank: number; mean: number; n: number }[] = [];
  const maxK = Math.max(...bases.map((b) => b.labels.length));
  for (let r = 0; r < maxK; r++) {
    const batch: RerankSample[] = [];
    const owner: number[] = [];
    bases.forEach((b, i) => {
      if (r < b.labels.length) {
        batch.push(withCompletion(b, cfg.render(ids(b, moveTo(b.labels.length, b.target, r)), b.sample)));
        owner.push(i);
      }
    });
    const v = await cfg.score(batch);
    const ok: number[] = [];
    v.forEach((x, j) => {
      rankValues[owner[j]!]![r] = x;
      if (x !== null) ok.push(x);
    });
    rankCurve.push({ rank: r + 1, mean: stats(ok).mean, n: ok.length });
  }
  return { rankValues, rankCurve };
}

/** Position probes: one fixed item ranking scored under the input order and under a shuffled input order. */
async function probePositions(bases: readonly Base[], cfg: AuditConfig, rng: Random): Promise<{ sensitivity: number | null; example: string }> {
  const orig: RerankSample[] = [];
  const shuffled: RerankSample[] = [];
  for (const b of bases) {
    const K = b.labels.length;
    for (let p = 0; p < cfg.positionProbes; p++) {
      const ranking = ids(b, rng.permutation(K));
      const perm = rng.permutation(K);
      const cands = Object.freeze(perm.map((i) => b.sample.candidates[i]!));
      orig.push(withCompletion(b, cfg.render(ranking, b.sample)));
      const s2: RerankSample = { ...b.sample, candidates: cands, completion: '' };
      shuffled.push({ ...s2, completion: cfg.render(ranking, s2) });
    }
  }
  const a = await cfg.score(orig);
  const c = await cfg.score(shuffled);
  let sum = 0;
  let cnt = 0;
  let worst = 0;
  let example = '';
  a.forEach((x, j) => {
    const y = c[j];
    if (x === null || y === null || y === undefined) return;
    const d = Math.abs(x - y);
    sum += d;
    cnt++;
    if (d > worst) {
      worst = d;
      example = `${f4(x)} vs ${f4(y)}`;
    }
  });
  return { sensitivity: cnt > 0 ? sum / cnt : null, example };
}

function buildTable(strategies: readonly Strategy[], bases: readonly Base[], scores: StrategyScores, tol: number): AuditRow[] {
  const n = bases.length;
  const bestPerSlate = bases.map((_, i) => {
    let best = -Infinity;
    for (const st of strategies) {
      const v = scores.perSlate.get(st.name)![i];
      if (v !== null && v !== undefined && v > best) best = v;
    }
    return best;
  });
  const means = strategies.map((st) => stats(scores.values.get(st.name)!.vals).mean);
  const bestMean = Math.max(...means.filter((m) => Number.isFinite(m)));
  return strategies.map((st, k) => {
    const { vals, nulls } = scores.values.get(st.name)!;
    const s = stats(vals);
    let best = 0;
    scores.perSlate.get(st.name)!.forEach((v, i) => {
      if (v !== null && v >= bestPerSlate[i]! - tol) best++;
    });
    return {
      strategy: st.name,
      kind: st.kind,
      n: vals.length,
      mean: s.mean,
      std: s.std,
      min: s.min,
      max: s.max,
      shareOfMax: bestMean > 0 && Number.isFinite(means[k]!) ? means[k]! / bestMean : null,
      bestRate: best / n,
      nulls,
    };
  });
}

/** `order_copying`: copying the input order earns more than `neutralReward` on slates whose input is not optimal. */
function orderCopyingFinding(copyMean: number | null, nonOpt: readonly number[], cfg: AuditConfig): AuditFinding | null {
  if (copyMean === null || !(copyMean > cfg.neutral + cfg.tol)) return null;
  const paid = nonOpt.filter((v) => v > cfg.neutral + cfg.tol).length;
  return {
    check: 'order_copying',
    severity: 'error',
    message:
      `copying the input order earns positive reward: strategy copy_input has mean ${f4(copyMean)} on ` +
      `${nonOpt.length} slates whose input order is not optimal (neutral ${f4(cfg.neutral)}; paid above neutral on ` +
      `${paid}/${nonOpt.length}).`,
    details: { strategy: 'copy_input', copyMean, neutralReward: cfg.neutral, slates: nonOpt.length, paidSlates: paid },
  };
}

/** Extreme (min or max) per-slate value over the named strategies. */
function extremeOf(names: readonly string[], perSlate: StrategyScores['perSlate'], i: number, max: boolean): { v: number; name: string } {
  let best = max ? -Infinity : Infinity;
  let name = '';
  for (const s of names) {
    const v = perSlate.get(s)![i];
    if (v !== null && v !== undefined && (max ? v > best : v < best)) {
      best = v;
      name = s;
    }
  }
  return { v: best, name };
}

/** `invalid_above_valid`: on some slate an invalid strategy earns more than the worst valid one. */
function invalidAboveValidFinding(strategies: readonly Strategy[], n: number, scores: StrategyScores, tol: number): { bad: number; finding: AuditFinding | null } {
  const validNames = strategies.filter((s) => s.kind === 'valid').map((s) => s.name);
  const invalidNames = strategies.filter((s) => s.kind === 'invalid').map((s) => s.name);
  let bad = 0;
  let e: { slate: number; invalid: string; iv: number; valid: string; vv: number } | null = null;
  for (let i = 0; i < n; i++) {
    const lo = extremeOf(validNames, scores.perSlate, i, false);
    const hi = extremeOf(invalidNames, scores.perSlate, i, true);
    if (Number.isFinite(lo.v) && Number.isFinite(hi.v) && hi.v > lo.v + tol) {
      bad++;
      if (!e || hi.v - lo.v > e.iv - e.vv) e = { slate: i, invalid: hi.name, iv: hi.v, valid: lo.name, vv: lo.v };
    }
  }
  if (!e) return { bad, finding: null };
  return {
    bad,
    finding: {
      check: 'invalid_above_valid',
      severity: 'error',
      message:
        `an invalid output earns more than the worst valid one on ${bad}/${n} slates: e.g. slate ${e.slate}, ` +
        `${e.invalid} = ${f4(e.iv)} > ${e.valid} = ${f4(e.vv)}.`,
      details: { slates: bad, invalidStrategy: e.invalid, invalidReward: e.iv, validStrategy: e.valid, validReward: e.vv },
    },
  };
}

/** `not_monotone`: moving the target down by one rank raises the reward on some slate. */
function notMonotoneFinding(rankValues: readonly (number | null)[][], bases: readonly Base[], tol: number): { bad: number; finding: AuditFinding | null } {
  let bad = 0;
  let example = '';
  const ex: Record<string, number | string> = {};
  rankValues.forEach((vals, i) => {
    let hit = false;
    for (let r = 0; r + 1 < vals.length; r++) {
      const a = vals[r];
      const b = vals[r + 1];
      if (a === null || b === null || a === undefined || b === undefined || !(b > a + tol)) continue;
      if (!hit && example === '') {
        example = `slate ${i} (target pre-rank ${bases[i]!.target + 1}): rank ${r + 1} → ${f4(a)}, rank ${r + 2} → ${f4(b)}`;
        Object.assign(ex, { slate: i, rank: r + 1, rewardAtRank: a, rewardAtNextRank: b });
      }
      hit = true;
    }
    if (hit) bad++;
  });
  if (bad === 0) return { bad, finding: null };
  return {
    bad,
    finding: {
      check: 'not_monotone',
      severity: 'error',
      message: `the reward is not monotone in the target's rank on ${bad}/${bases.length} slates (moving the target down raises it): e.g. ${example}.`,
      details: { slates: bad, ...ex },
    },
  };
}

/** `position_dependent` (a warning): the same item ranking earns a different reward under a shuffled input order. */
function positionFinding(sensitivity: number, example: string, tol: number): AuditFinding | null {
  if (!(sensitivity > tol)) return null;
  return {
    check: 'position_dependent',
    severity: 'warning',
    message:
      `the reward depends on candidate position rather than identity: the same item ranking scored under a shuffled ` +
      `input order changes by ${f4(sensitivity)} on average (largest: ${example}). Expected for ` +
      `rank-promotion rewards, which are relative to the pre-rank by design.`,
    details: { meanAbsChange: sensitivity },
  };
}

/**
 * `reasoning_dropped`: the best ranking without its reasoning earns more than an empty (unparsable) answer on some
 * slate, i.e. the reward pays an answer that the paper's Ω rejects, and a policy can drop its reasoning at no cost.
 */
function reasoningDroppedFinding(scores: StrategyScores, n: number, tol: number): { bad: number; finding: AuditFinding | null } {
  const dropped = scores.perSlate.get('reasoning_dropped')!;
  const empty = scores.perSlate.get('empty')!;
  let bad = 0;
  let sum = 0;
  let emptySum = 0;
  for (let i = 0; i < n; i++) {
    const d = dropped[i];
    const e = empty[i];
    if (d === null || d === undefined || e === null || e === undefined) continue;
    if (d > e + tol) {
      bad++;
      sum += d;
      emptySum += e;
    }
  }
  if (bad === 0) return { bad, finding: null };
  return {
    bad,
    finding: {
      check: 'reasoning_dropped',
      severity: 'error',
      message:
        `an answer without reasoning is paid: strategy reasoning_dropped (the best ranking, reasoning left out) earns ` +
        `mean ${f4(sum / bad)} > empty output ${f4(emptySum / bad)} on ${bad}/${n} slates; the paper's Ω requires a ` +
        `non-empty reasoning trace (use the reasoning-free variant only on purpose).`,
      details: { strategy: 'reasoning_dropped', slates: bad, droppedMean: sum / bad, emptyMean: emptySum / bad },
    },
  };
}

/**
 * Audits a reward for the known GR2 reward hacks by scoring canonical strategies on real slates.
 *
 * Valid strategies: `copy_input` (identity), `reverse`, `random` (seeded permutations), `oracle` (positives first by
 * grade), `target_demoted` (target last), and rank probes (target at rank r, others in input order). Invalid ones:
 * `duplicates`, `missing_item`, `out_of_set_sid`, `invalid_target_first` (target first but a duplicate: the partial
 * parse hack), `truncated_json`, `empty`, `prose_only`, `reasoning_dropped` (the oracle ranking as JSON without its
 * reasoning field, and with an empty one). Position probes re-score one fixed item ranking under a shuffled input
 * order.
 *
 * Checks: `order_copying` — on slates whose input order is not optimal, copying earns more than `neutralReward`;
 * `invalid_above_valid` — on some slate an invalid strategy earns more than the worst valid one; `not_monotone` —
 * moving the target down by one rank increases the reward; `position_dependent` — the same item ranking earns a
 * different reward when the input order is shuffled (a warning: rank promotion is relative to the pre-rank by design);
 * `reasoning_dropped` — the best ranking without reasoning earns more than an empty answer (the paper's Ω pays
 * nothing for it; a reward that does lets the policy drop its reasoning at no cost).
 *
 * @param reward - The reward under audit (sync or async).
 * @param data - Slates from `gr2/data` or ready {@link RerankSample}s (their completions are ignored). Samples without a
 *   target/positive or with fewer than 2 candidates are skipped.
 * @param options - See {@link AuditOptions}.
 * @returns The report: table, rank curve, position sensitivity, findings, pass/fail per check.
 * @throws TypeError if `reward` is not a function or `data` not an array; RangeError if no usable slate remains or an
 *   option is invalid; RewardContractError if the reward breaks the contract.
 * @example
 * ```ts
 * const report = await auditReward(createNaiveReward(), slates);
 * report.passed.order_copying; // false — copying the input earns +0.2
 * ```
 */
export async function auditReward(
  reward: Reward<RerankSample>,
  data: readonly Slate[] | readonly RerankSample[],
  options: AuditOptions = {},
): Promise<RewardAuditReport> {
  const cfg = resolveAudit(reward, data, options);
  const rng = new Random(cfg.seed);
  const bases = buildBases(data, options, cfg, rng);
  const n = bases.length;
  const checks = cfg.checks;
  const strategies = [...validStrategies(cfg, rng), ...invalidStrategies(cfg)];
  const scores = await scoreStrategies(strategies, bases, cfg);
  const ranks = checks.has('not_monotone') ? await probeRanks(bases, cfg) : { rankValues: [], rankCurve: [] };
  const positions =
    checks.has('position_dependent') && cfg.positionProbes > 0 ? await probePositions(bases, cfg, rng) : { sensitivity: null, example: '' };

  const findings: AuditFinding[] = [];
  const passed: Record<AuditCheck, boolean | null> = {
    order_copying: null,
    invalid_above_valid: null,
    not_monotone: null,
    position_dependent: null,
    reasoning_dropped: null,
  };
  const copy = scores.perSlate.get('copy_input')!;
  const nonOpt = bases.map((b, i) => (b.optimalInput ? null : copy[i])).filter((v): v is number => v !== null && v !== undefined);
  const copyMeanOnNonOptimal = nonOpt.length > 0 ? stats(nonOpt).mean : null;
  const note = (check: AuditCheck, f: AuditFinding | null, ok = f === null): void => {
    passed[check] = ok;
    if (f) findings.push(f);
  };
  if (checks.has('order_copying')) note('order_copying', orderCopyingFinding(copyMeanOnNonOptimal, nonOpt, cfg));
  if (checks.has('invalid_above_valid')) {
    const r = invalidAboveValidFinding(strategies, n, scores, cfg.tol);
    note('invalid_above_valid', r.finding, r.bad === 0);
  }
  if (checks.has('not_monotone')) {
    const r = notMonotoneFinding(ranks.rankValues, bases, cfg.tol);
    note('not_monotone', r.finding, r.bad === 0);
  }
  if (checks.has('position_dependent') && positions.sensitivity !== null) {
    note('position_dependent', positionFinding(positions.sensitivity, positions.example, cfg.tol));
  }
  if (checks.has('reasoning_dropped')) {
    const r = reasoningDroppedFinding(scores, n, cfg.tol);
    note('reasoning_dropped', r.finding, r.bad === 0);
  }
  return {
    reward: cfg.name,
    slates: n,
    nonOptimalSlates: bases.filter((b) => !b.optimalInput).length,
    table: buildTable(strategies, bases, scores, cfg.tol),
    rankCurve: ranks.rankCurve,
    positionSensitivity: positions.sensitivity,
    copyMeanOnNonOptimal,
    findings,
    passed,
  };
}

/**
 * Formats an audit report as a Markdown table plus its findings.
 *
 * @param report - A report from {@link auditReward}.
 * @returns Markdown text.
 * @example
 * ```ts
 * console.log(formatAuditReport(await auditReward(createConditionalReward(), slates)));
 * ```
 */
export function formatAuditReport(report: RewardAuditReport): string {
  const fn = 'formatAuditReport';
  if (report === null || typeof report !== 'object') throw typeError(fn, 'report', 'a RewardAuditReport (from auditReward)', report);
  for (const key of ['table', 'rankCurve', 'findings'] as const) {
    if (!Array.isArray(report[key])) throw typeError(fn, `report.${key}`, 'an array', report[key]);
  }
  for (let i = 0; i < report.table.length; i++) {
    const r = report.table[i];
    if (r === null || typeof r !== 'object') throw typeError(fn, `report.table[${i}]`, 'an audit row', r);
  }
  for (let i = 0; i < report.findings.length; i++) {
    const f = report.findings[i];
    if (f === null || typeof f !== 'object') throw typeError(fn, `report.findings[${i}]`, 'an audit finding', f);
  }
  if (report.passed === null || typeof report.passed !== 'object') throw typeError(fn, 'report.passed', 'an object', report.passed);
  const lines: string[] = [];
  lines.push(`Reward '${report.reward}' on ${report.slates} slates (${report.nonOptimalSlates} with a non-optimal input order)`);
  lines.push('');
  lines.push('| strategy | kind | n | mean | std | min | max | share of max | best rate |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of report.table) {
    lines.push(
      `| ${r.strategy} | ${r.kind} | ${r.n} | ${f4(r.mean)} | ${f4(r.std)} | ${f4(r.min)} | ${f4(r.max)} | ` +
        `${r.shareOfMax === null ? '-' : f4(r.shareOfMax)} | ${f4(r.bestRate)} |`,
    );
  }
  if (report.rankCurve.length > 0) {
    lines.push('');
    lines.push(`Target at rank r: ${report.rankCurve.map((p) => `${p.rank}: ${f4(p.mean)}`).join(', ')}`);
  }
  if (report.copyMeanOnNonOptimal !== null) lines.push(`copy_input mean on non-optimal slates: ${f4(report.copyMeanOnNonOptimal)}`);
  if (report.positionSensitivity !== null) lines.push(`position sensitivity (mean |Δ|): ${f4(report.positionSensitivity)}`);
  lines.push('');
  if (report.findings.length === 0) lines.push('Findings: none.');
  else for (const f of report.findings) lines.push(`- [${f.severity}] ${f.check}: ${f.message}`);
  return lines.join('\n');
}

/**
 * Thrown by the `expect…` reward test helpers. Its `name` is `'AssertionError'`, as test runners expect; `report`
 * holds the full audit.
 *
 * @example
 * ```ts
 * try {
 *   await expectNoOrderCopyingHack(createNaiveReward(), slates);
 * } catch (e) {
 *   if (e instanceof RewardAssertionError) console.log(e.report.copyMeanOnNonOptimal); // 0.2
 * }
 * ```
 */
export class RewardAssertionError extends Gr2Error {
  override readonly name = 'AssertionError';
  constructor(
    message: string,
    /** The audit report behind the failure. */
    readonly report: RewardAuditReport,
  ) {
    super(message);
  }
}

function fail(helper: string, report: RewardAuditReport, check: AuditCheck): never {
  const f = report.findings.find((x) => x.check === check)!;
  const row = (s: string) => report.table.find((r) => r.strategy === s);
  const ctx = ['copy_input', 'random', 'oracle', 'target_demoted']
    .map((s) => row(s))
    .filter((r): r is AuditRow => r !== undefined)
    .map((r) => `${r.strategy} ${f4(r.mean)}`)
    .join(', ');
  throw new RewardAssertionError(`${helper}: reward '${report.reward}': ${f.message}${ctx ? ` (means: ${ctx})` : ''}`, report);
}

/**
 * Test helper: fails when copying the input order earns more than `neutralReward` on slates whose input order is not
 * optimal (the hack of GR2's naive reward, P1 §6.3). Works in any test runner (no vitest import).
 *
 * @param reward - The reward under test.
 * @param data - Slates or samples.
 * @param options - {@link AuditOptions} (set `neutralReward` to α for rewards that pay α on every valid output).
 * @returns The audit report when the check passes.
 * @throws RewardAssertionError with the strategy and numbers when it fails.
 * @example
 * ```ts
 * await expectNoOrderCopyingHack(createConditionalReward(), slates); // passes
 * await expectNoOrderCopyingHack(createNaiveReward(), slates);
 * // AssertionError: expectNoOrderCopyingHack: reward 'naive_rank_format' copying the input order earns positive reward: …
 * ```
 */
export async function expectNoOrderCopyingHack(
  reward: Reward<RerankSample>,
  data: readonly Slate[] | readonly RerankSample[],
  options: AuditOptions = {},
): Promise<RewardAuditReport> {
  const report = await auditReward(reward, data, { ...options, checks: ['order_copying'] });
  if (report.passed.order_copying === false) fail('expectNoOrderCopyingHack', report, 'order_copying');
  return report;
}

/**
 * Test helper: fails when moving the target one rank down raises the reward on some slate.
 *
 * @param reward - The reward under test.
 * @param data - Slates or samples.
 * @param options - {@link AuditOptions}.
 * @returns The audit report when the check passes.
 * @throws RewardAssertionError with the slate, ranks and values when it fails.
 * @example
 * ```ts
 * await expectMonotoneInTargetRank(createConditionalReward(), slates); // passes
 * ```
 */
export async function expectMonotoneInTargetRank(
  reward: Reward<RerankSample>,
  data: readonly Slate[] | readonly RerankSample[],
  options: AuditOptions = {},
): Promise<RewardAuditReport> {
  const report = await auditReward(reward, data, { ...options, checks: ['not_monotone'] });
  if (report.passed.not_monotone === false) fail('expectMonotoneInTargetRank', report, 'not_monotone');
  return report;
}

/**
 * Test helper: fails when, on some slate, an invalid output (duplicates, missing or out-of-set items, truncated JSON,
 * empty, prose) earns more than the worst valid permutation.
 *
 * @param reward - The reward under test.
 * @param data - Slates or samples.
 * @param options - {@link AuditOptions}.
 * @returns The audit report when the check passes.
 * @throws RewardAssertionError naming the invalid and the valid strategy with their rewards when it fails.
 * @example
 * ```ts
 * await expectInvalidBelowValid(createConditionalReward(), slates); // passes (invalid −1 < worst valid −0.9)
 * ```
 */
export async function expectInvalidBelowValid(
  reward: Reward<RerankSample>,
  data: readonly Slate[] | readonly RerankSample[],
  options: AuditOptions = {},
): Promise<RewardAuditReport> {
  const report = await auditReward(reward, data, { ...options, checks: ['invalid_above_valid'] });
  if (report.passed.invalid_above_valid === false) fail('expectInvalidBelowValid', report, 'invalid_above_valid');
  return report;
}
