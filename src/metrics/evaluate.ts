/**
 * Many-query evaluation: metric strings, per-query values, means, bootstrap intervals, comparisons.
 *
 * @packageDocumentation
 */
import { Tensor, toMatrix, type MatrixLike } from '../backend/tensor.js';
import { assertOneOf, assertPositiveInteger, rangeError, raw, typeError, checkOptions } from '../errors.js';
import { bootstrapCi, nanMean, pairedTest, type BootstrapOptions, type PairedTestOptions, type PairedTestResult } from './bootstrap.js';
import { aucKernel, discounts, gainOf, gainShift, hitKernel, hitsKernel, ndcgKernel, rrKernel, type RowView } from './kernels.js';
import { AUC_NEEDS, aucPairs, noRelevantValue, prepare, resolveCommon, resolveK, toRowView } from './prepare.js';
import { slatesWasm } from './slates_wasm.js';
import type { AucOptions, ItemId, NdcgOptions, Ranking, RecallOptions, Relevance } from './types.js';

/** Metric families understood by {@link parseMetric}. */
export type MetricName = 'recall' | 'ndcg' | 'hit' | 'precision' | 'mrr' | 'auc';

/** A parsed metric string. */
export interface MetricSpec {
  /** The string as given (the key of results). */
  readonly key: string;
  readonly name: MetricName;
  /** Cut-off (`null` for `auc`, and for `mrr` without `@k`). */
  readonly k: number | null;
}

const ALIASES: Record<string, MetricName> = {
  recall: 'recall',
  r: 'recall',
  ndcg: 'ndcg',
  n: 'ndcg',
  hit: 'hit',
  hits: 'hit',
  hitrate: 'hit',
  hr: 'hit',
  precision: 'precision',
  p: 'precision',
  mrr: 'mrr',
  rr: 'mrr',
  auc: 'auc',
};

/**
 * Parses a metric string: `recall@k` (alias `r@k`), `ndcg@k` (`n@k`), `hit@k` (`hr@k`, `hitrate@k`),
 * `precision@k` (`p@k`), `mrr` or `mrr@k`, `auc`. Case-insensitive.
 *
 * @param metric - the string.
 * @returns its spec.
 * @throws TypeError for a non-string; RangeError for an unknown metric or a missing / bad `@k`.
 * @example
 * ```ts
 * parseMetric('NDCG@5');   // { key: 'NDCG@5', name: 'ndcg', k: 5 }
 * ```
 */
export function parseMetric(metric: string): MetricSpec {
  const fn = 'parseMetric';
  if (typeof metric !== 'string') throw typeError(fn, 'metric', 'a string such as "ndcg@5"', metric);
  const m = /^([a-z]+)(?:@(\d+))?$/i.exec(metric.trim());
  const name = m ? ALIASES[m[1]!.toLowerCase()] : undefined;
  if (!m || !name) {
    throw rangeError(fn, 'metric', 'one of recall@k, ndcg@k, hit@k, precision@k, mrr[@k], auc', metric);
  }
  const k = m[2] === undefined ? null : Number(m[2]);
  if (k !== null && k < 1) throw rangeError(fn, 'metric', 'a cut-off k >= 1', metric);
  if (name === 'auc' && k !== null) throw rangeError(fn, 'metric', "'auc' without a cut-off", metric);
  if (k === null && name !== 'auc' && name !== 'mrr') throw rangeError(fn, 'metric', `'${m[1]}@k' with a cut-off`, metric);
  return { key: metric, name, k };
}

/** Options of {@link evaluate}, {@link evaluateSlates} and {@link evaluateRanks}. */
export interface EvaluateOptions extends RecallOptions, NdcgOptions, Pick<AucOptions, 'pairs'> {
  /**
   * Add percentile bootstrap intervals of every mean (`true` = default {@link BootstrapOptions}).
   * @defaultValue `false`
   */
  readonly ci?: boolean | BootstrapOptions;
}

/** Result of an evaluation. */
export interface EvaluationResult {
  /** Query ids in evaluation order (`evaluate`); row indices as strings are not materialised for batched forms. */
  readonly queries: readonly string[] | null;
  /** Number of queries. */
  readonly numQueries: number;
  /** Per-query values of each metric key (`NaN` = skipped query). */
  readonly perQuery: Readonly<Record<string, Float64Array>>;
  /** Mean over non-skipped queries. */
  readonly mean: Readonly<Record<string, number>>;
  /** Number of non-skipped queries per metric. */
  readonly count: Readonly<Record<string, number>>;
  /** Bootstrap intervals of the means, when requested. */
  readonly ci?: Readonly<Record<string, readonly [number, number]>>;
}

function parseAll(fn: string, metrics: readonly string[]): MetricSpec[] {
  if (!Array.isArray(metrics) || metrics.length === 0) throw typeError(fn, 'metrics', 'a non-empty array of metric strings', metrics);
  const specs: MetricSpec[] = [];
  for (let i = 0; i < metrics.length; i++) specs.push(parseMetric(metrics[i]!));
  const keys = new Set<string>();
  for (const s of specs) {
    if (keys.has(s.key)) throw rangeError(fn, 'metrics', 'distinct', s.key);
    keys.add(s.key);
  }
  return specs;
}

function finish(specs: MetricSpec[], perQuery: Record<string, Float64Array>, n: number, queries: string[] | null, options: EvaluateOptions): EvaluationResult {
  const mean: Record<string, number> = {};
  const count: Record<string, number> = {};
  let ci: Record<string, readonly [number, number]> | undefined;
  const ciOpts = options.ci ?? false;
  if (ciOpts !== false) ci = {};
  for (const s of specs) {
    const v = perQuery[s.key]!;
    mean[s.key] = nanMean(v);
    let c = 0;
    for (let i = 0; i < v.length; i++) if (v[i] === v[i]) c++;
    count[s.key] = c;
    if (ci) ci[s.key] = bootstrapCi(v, ciOpts === true ? {} : (ciOpts as BootstrapOptions));
  }
  return ci ? { queries, numQueries: n, perQuery, mean, count, ci } : { queries, numQueries: n, perQuery, mean, count };
}

/** The conventions shared by {@link evaluate} and {@link evaluateSlates}, defaulted and checked. */
function resolveEvaluateOptions(fn: string, options: EvaluateOptions) {
  const common = resolveCommon(fn, options);
  const denominator = options.denominator ?? 'relevant';
  const gain = options.gain ?? 'linear';
  const pairs = options.pairs ?? 'binary';
  assertOneOf(fn, 'options.denominator', denominator, ['relevant', 'min-relevant-k'] as const);
  assertOneOf(fn, 'options.gain', gain, ['linear', 'exponential'] as const);
  assertOneOf(fn, 'options.pairs', pairs, ['binary', 'graded'] as const);
  return { common, denominator, gain, pairs };
}

/** Per-query values keyed by query id: a `Map` or a plain object. */
export type Keyed<T> = ReadonlyMap<string | number, T> | Readonly<Record<string, T>>;

function entriesOf<T>(fn: string, arg: string, x: Keyed<T>): Map<string, T> {
  if (x instanceof Map) {
    const m = new Map<string, T>();
    for (const [k, v] of x) m.set(String(k), v);
    return m;
  }
  if (x === null || typeof x !== 'object' || Array.isArray(x)) throw typeError(fn, arg, 'a Map or an object keyed by query id', x);
  return new Map(Object.entries(x as Record<string, T>));
}

/**
 * Evaluates runs against judgments over many queries (ranx / trec_eval style), with per-query values,
 * means (skipped queries excluded) and optional bootstrap intervals.
 *
 * The query set is the judged queries: a judged query without a run scores as an empty ranking (0); a run for
 * an unjudged query throws `RangeError` naming `'runs'`. Every convention option of the per-query
 * functions applies to all metrics.
 *
 * @param runs - per query id: a ranking (ids best-first) or `{ids, scores}`.
 * @param qrels - per query id: judgments (one id, ids, or grades).
 * @param metrics - metric strings, e.g. `['recall@1', 'recall@5', 'ndcg@5', 'mrr', 'auc']`.
 * @param options - see {@link EvaluateOptions}.
 * @returns per-query values, means, counts and (optionally) intervals.
 * @throws TypeError / RangeError for malformed input, unknown metrics or unjudged queries.
 * @example
 * ```ts
 * const r = evaluate({ q1: [3, 1, 2], q2: [2, 1, 3] }, { q1: 1, q2: 2 }, ['recall@1', 'ndcg@3']);
 * // r.mean = { 'recall@1': 0.5, 'ndcg@3': (1/log2(3) + 1) / 2 = 0.8155 }
 * ```
 */
export function evaluate(
  runs: Keyed<Ranking>,
  qrels: Keyed<Relevance>,
  metrics: readonly string[],
  options: EvaluateOptions = {},
): EvaluationResult {
  const fn = 'evaluate';
  const specs = parseAll(fn, metrics);
  const { common, denominator, gain, pairs } = resolveEvaluateOptions(fn, options);
  const idealFrom = options.ideal ?? 'qrels';
  assertOneOf(fn, 'options.ideal', idealFrom, ['qrels', 'ranking'] as const);
  const runMap = entriesOf(fn, 'runs', runs);
  const qrelMap = entriesOf(fn, 'qrels', qrels);
  for (const q of runMap.keys()) {
    if (!qrelMap.has(q)) throw rangeError(fn, 'runs', 'keyed by judged queries only', raw(`query ${JSON.stringify(q)} has no judgments`));
  }
  const queries = [...qrelMap.keys()];
  const n = queries.length;
  const perQuery: Record<string, Float64Array> = {};
  for (const s of specs) perQuery[s.key] = new Float64Array(n);
  const empty: ItemId[] = [];
  for (let qi = 0; qi < n; qi++) {
    const q = queries[qi]!;
    const prep = prepare(`${fn} (query ${q})`, runMap.get(q) ?? empty, qrelMap.get(q)!, options, common);
    const view = toRowView(prep, idealFrom);
    const noRel = prep.idealGrades.length === 0;
    for (const s of specs) {
      let v: number;
      if (s.name === 'auc') {
        const [c, t] = aucPairs(prep, common.ties, pairs === 'binary');
        v = t === 0 ? noRelevantValue(`${fn} (query ${q})`, common.noRelevant, AUC_NEEDS[pairs]) : c / t;
      } else if (noRel) v = noRelevantValue(`${fn} (query ${q})`, common.noRelevant);
      else {
        const kk = s.k === null ? Number.POSITIVE_INFINITY : resolveK(fn, s.k, prep.grades.length, common.kBeyondList);
        v = kernelValue(s.name, view, kk, prep.idealGrades.length, denominator === 'min-relevant-k', gain === 'exponential');
      }
      perQuery[s.key]![qi] = v;
    }
  }
  return finish(specs, perQuery, n, queries, options);
}

function kernelValue(name: MetricName, v: RowView, kk: number, numRel: number, capDenominator: boolean, exponential: boolean): number {
  switch (name) {
    case 'recall':
      return hitsKernel(v, kk) / (capDenominator ? Math.min(numRel, kk) : numRel);
    case 'precision':
      return hitsKernel(v, kk) / kk;
    case 'hit':
      return hitKernel(v, kk);
    case 'ndcg':
      return ndcgKernel(v, kk, exponential);
    case 'mrr':
      return rrKernel(v, kk);
    default:
      return Number.NaN;
  }
}

/**
 * Evaluates fixed-size slates given as dense matrices — `scores [n, K]` (higher = better) and graded
 * `labels [n, K]` — the input form of scikit-learn's `ndcg_score(y_true, y_score)`. A tight typed-array loop,
 * no per-query objects: with `'average'` ties (the default) and no `auc`, each row only locates its relevant
 * items (rank = number of higher scores, by branch-free counting) and sums over the first k positions; otherwise
 * one insertion sort of K per row. With linear gain and K ≤ 64 that relevant-items loop runs in a WebAssembly SIMD
 * kernel, which hands the rows it does not finish (ties at a relevant item, invalid cells, …) back to the
 * JavaScript loop, so nothing but the speed depends on it. Results are bitwise those of the per-query functions
 * with `candidates` = the row and judgments = the row's labels (so `ideal: 'qrels'` and `'ranking'` coincide).
 *
 * @param scores - `[n, K]` scores (any gr2 matrix form; NaN throws). `number[][]` and `{data: Float64Array |
 *   number[], shape}` keep float64 precision (float32 would turn close scores into ties).
 * @param labels - `[n, K]` grades ≥ 0.
 * @param metrics - metric strings.
 * @param options - see {@link EvaluateOptions} (`duplicates`, `candidates` and `ideal` do not apply).
 * @returns per-row values, means, counts, intervals.
 * @throws TypeError / RangeError for mismatched shapes, NaN scores, negative labels, unknown metrics.
 * @example
 * ```ts
 * const r = evaluateSlates({ data: Float32Array.of(3, 2, 1, 1, 2, 3), shape: [2, 3] },
 *                          { data: Float32Array.of(0, 1, 0, 0, 1, 0), shape: [2, 3] }, ['recall@1', 'ndcg@3']);
 * // r.mean['recall@1'] = 0; r.mean['ndcg@3'] = 1/log2(3) = 0.6309
 * ```
 */
export function evaluateSlates(scores: MatrixLike, labels: MatrixLike, metrics: readonly string[], options: EvaluateOptions = {}): EvaluationResult {
  const fn = 'evaluateSlates';
  const specs = parseAll(fn, metrics);
  const { common, denominator, gain, pairs } = resolveEvaluateOptions(fn, options);
  const S = toMatrix64(scores, 'scores', fn);
  const L = toMatrix64(labels, 'labels', fn);
  const [n, K] = S.dims as [number, number];
  if (L.dims[0] !== n || L.dims[1] !== K) {
    throw rangeError(fn, 'labels', `of shape [${n}, ${K}] (as scores)`, raw(`[${L.dims.join(', ')}]`));
  }
  const kks = specs.map((s) => (s.k === null ? Number.POSITIVE_INFINITY : resolveK(fn, s.k, K, common.kBeyondList)));
  const perQuery: Record<string, Float64Array> = {};
  const outs = specs.map((s) => (perQuery[s.key] = new Float64Array(n)));
  const slates: Slates = {
    fn,
    sd: S.data,
    ld: L.data,
    K,
    specs,
    kks,
    outs,
    common,
    exponential: gain === 'exponential',
    capDen: denominator === 'min-relevant-k',
    pairs,
  };
  const scratch = sortScratch(K);
  if (common.ties === 'average' && specs.every((sp) => sp.name !== 'auc')) {
    const plan = positionPlan(slates);
    const job = { sd: S.data, ld: L.data, n, K, codes: plan.codes, tops: plan.tops, cuts: plan.cuts, disc: plan.disc, capDen: slates.capDen, noRelevant: common.noRelevant === 'error' ? null : noRelevantValue(fn, common.noRelevant), outs };
    // the WebAssembly kernel (linear gain) hands back the rows it does not finish, one by one
    if (slates.exponential || !slatesWasm(job, (q) => relevantItemRows(slates, plan, scratch, q, q + 1))) {
      relevantItemRows(slates, plan, scratch, 0, n);
    }
  } else sortedRows(slates, scratch, 0, n);
  return finish(specs, perQuery, n, null, options);
}

/** The validated inputs and resolved conventions of one `evaluateSlates` call, and its output columns. */
interface Slates {
  readonly fn: string;
  /** `[n·K]` scores and labels, row-major. */
  readonly sd: Float32Array | Float64Array;
  readonly ld: Float32Array | Float64Array;
  readonly K: number;
  readonly specs: readonly MetricSpec[];
  /** Resolved cut-off of each spec (`Infinity` for plain `mrr` and `auc`). */
  readonly kks: readonly number[];
  /** Per-query values of each spec, filled row by row. */
  readonly outs: readonly Float64Array[];
  readonly common: ReturnType<typeof resolveCommon>;
  readonly exponential: boolean;
  readonly capDen: boolean;
  readonly pairs: 'binary' | 'graded';
}

/** The error for a NaN score or an invalid grade at row `q`, column `i` (scores are checked first). */
function cellError(fn: string, s: number, g: number, q: number, i: number): RangeError {
  if (s !== s) return rangeError(fn, 'scores', 'free of NaN', raw(`NaN at row ${q}, column ${i}`));
  return rangeError(fn, 'labels', 'finite grades >= 0', raw(`${g} at row ${q}, column ${i}`));
}

/** Scratch arrays of {@link sortedRows}, allocated once per call of `evaluateSlates`. */
interface SortScratch {
  /** The row's scores, sorted (descending). */
  readonly sc: Float64Array;
  /** Grades in sorted order, tie groups, ideal grades. */
  readonly view: RowView;
  /** Tie-group id per position (for `auc`). */
  readonly group: Int32Array;
}

function sortScratch(K: number): SortScratch {
  const view: RowView = { grades: new Float64Array(K), n: K, bounds: new Int32Array(K + 1), groups: 0, ideal: new Float64Array(K), nIdeal: K };
  return { sc: new Float64Array(K), view, group: new Int32Array(K) };
}

/**
 * The general `evaluateSlates` loop over rows `q0..q1`: validate, insertion-sort each row's (score, grade) pairs by
 * score (descending, stable), form the tie groups of `options.ties`, and apply the per-query kernels — every metric
 * and tie policy. Writes the values into `outs`.
 */
function sortedRows(x: Slates, scratch: SortScratch, q0: number, q1: number): void {
  const { fn, sd, ld, K, specs, kks, outs, common, exponential, capDen, pairs } = x;
  const { sc, view, group } = scratch;
  const ties = common.ties;
  const binary = pairs === 'binary';
  const { grades, bounds, ideal } = view;
  for (let q = q0; q < q1; q++) {
    const o = q * K;
    // one pass: validate, insertion-sort (score, grade) pairs by score, collect the ideal grades
    let nIdeal = 0;
    for (let i = 0; i < K; i++) {
      const s = sd[o + i]!;
      const g = ld[o + i]!;
      if (s !== s || !(g >= 0) || g === Number.POSITIVE_INFINITY) throw cellError(fn, s, g, q, i);
      let p = i;
      while (p > 0 && sc[p - 1]! < s) {
        sc[p] = sc[p - 1]!;
        grades[p] = grades[p - 1]!;
        p--;
      }
      sc[p] = s;
      grades[p] = g;
      if (g > 0) {
        let u = nIdeal++;
        while (u > 0 && ideal[u - 1]! < g) {
          ideal[u] = ideal[u - 1]!;
          u--;
        }
        ideal[u] = g;
      }
    }
    // tie groups; resolve them unless 'average'
    let groups = 0;
    for (let p = 0; p < K; ) {
      let e = p + 1;
      const s = sc[p]!;
      while (e < K && sc[e] === s) e++;
      if (ties === 'average' || e - p === 1) {
        bounds[groups++] = p;
      } else {
        if (ties !== 'stable') {
          // insertion sort of the tie run by grade (desc for optimistic, asc for pessimistic)
          for (let t = p + 1; t < e; t++) {
            const g = grades[t]!;
            let u = t;
            while (u > p && (ties === 'optimistic' ? grades[u - 1]! < g : grades[u - 1]! > g)) {
              grades[u] = grades[u - 1]!;
              u--;
            }
            grades[u] = g;
          }
        }
        for (let t = p; t < e; t++) bounds[groups++] = t;
      }
      p = e;
    }
    bounds[groups] = K;
    view.groups = groups;
    view.nIdeal = nIdeal;
    for (let m = 0; m < specs.length; m++) {
      const s = specs[m]!;
      let v: number;
      if (s.name === 'auc') {
        for (let gi = 0; gi < groups; gi++) for (let t = bounds[gi]!; t < bounds[gi + 1]!; t++) group[t] = gi;
        const [c, t] = aucKernel(grades, group, K, binary);
        v = t === 0 ? noRelevantValue(fn, common.noRelevant, AUC_NEEDS[pairs]) : c / t;
      } else if (nIdeal === 0) v = noRelevantValue(fn, common.noRelevant);
      else v = kernelValue(s.name, view, kks[m]!, nIdeal, capDen, exponential);
      outs[m]![q] = v;
    }
  }
}

// metric codes of the relevant-items loop; slates.wat reads the same numbers
const NDCG = 0;
const RECALL = 1;
const PRECISION = 2;
const HIT = 3;
const MRR = 4;

/** The per-spec constants and scratch of {@link relevantItemRows}, built once per `evaluateSlates` call. */
interface PositionPlan {
  /** Per spec: NDCG, RECALL, PRECISION, HIT or MRR. */
  readonly codes: Int32Array;
  /** Per spec: the cut-off k (`Infinity` for plain mrr). */
  readonly cuts: Float64Array;
  /** Per spec: the positions an NDCG sum runs over, `min(k, K)`. */
  readonly tops: Int32Array;
  readonly disc: Float64Array;
  /** A row's relevant columns and their positions (0-based ranks). */
  readonly col: Int32Array;
  readonly pos: Int32Array;
  /** Grades of the relevant items, descending, then zeros. */
  readonly ideal: Float64Array;
  /** Grade at each position of a relevant item, else 0. */
  readonly posGrade: Float64Array;
}

function positionPlan(x: Slates): PositionPlan {
  const { specs, kks, K } = x;
  return {
    codes: Int32Array.from(specs, (sp) => (sp.name === 'ndcg' ? NDCG : sp.name === 'mrr' ? MRR : sp.name === 'hit' ? HIT : sp.name === 'precision' ? PRECISION : RECALL)),
    cuts: Float64Array.from(kks),
    tops: Int32Array.from(kks, (kk) => (kk < K ? kk : K)),
    disc: discounts(K),
    col: new Int32Array(K),
    pos: new Int32Array(K),
    ideal: new Float64Array(K),
    posGrade: new Float64Array(K),
  };
}

/**
 * The `evaluateSlates` loop over rows `q0..q1` for `'average'` ties and position metrics (ndcg, recall, precision,
 * hit, mrr). Each row only locates its relevant items — the rank of relevant column `i` is `#{s > s_i}`, by
 * branch-free counting (most slates hold one or two relevant items) — instead of sorting. When no relevant item is
 * tied with another item (the usual case), every metric follows from those ranks: NDCG is the same fixed-length,
 * position-ordered sum over the first k positions as the per-query kernel (adding the zeros of empty positions
 * changes no sum), so bitwise equal; hit counts, the first rank and the ideal grades are exact. A row with such a
 * tie goes to {@link sortedRows}. Only the scratch cells a row wrote are cleared. `slates.wat` is the same loop in
 * WebAssembly; it hands the rows it does not finish to this function one by one.
 */
function relevantItemRows(x: Slates, plan: PositionPlan, scratch: SortScratch, q0: number, q1: number): void {
  const { fn, sd, ld, K, specs, outs, common, exponential, capDen } = x;
  const nSpecs = specs.length;
  const { codes, cuts, tops, disc, col, pos, ideal, posGrade } = plan;
  for (let q = q0; q < q1; q++) {
    const o = q * K;
    let nRel = 0;
    for (let i = 0; i < K; i++) {
      const s = sd[o + i]!;
      const g = ld[o + i]!;
      if (s !== s || !(g >= 0) || g === Number.POSITIVE_INFINITY) throw cellError(fn, s, g, q, i);
      col[nRel] = i;
      nRel += +(g > 0); // branch-free: relevant columns are sparse and scattered
    }
    if (nRel === 0) {
      for (let m = 0; m < nSpecs; m++) outs[m]![q] = noRelevantValue(fn, common.noRelevant);
      continue;
    }
    // one pass over the relevant items: their positions (ranks), the ideal grades (insertion, descending), and
    // whether any of them is tied with another item
    let tied = 0;
    let first = K;
    for (let r = 0; r < nRel; r++) {
      const c = col[r]!;
      const s = sd[o + c]!;
      const g = ld[o + c]!;
      let above = 0;
      let equal = 0;
      for (let j = 0; j < K; j++) {
        const v = sd[o + j]!;
        above += +(v > s); // unary plus compiles without a branch (a ternary mispredicts on random scores)
        equal += +(v === s);
      }
      tied |= equal - 1;
      first = above < first ? above : first;
      pos[r] = above;
      posGrade[above] = g;
      let u = r;
      while (u > 0 && ideal[u - 1]! < g) {
        ideal[u] = ideal[u - 1]!;
        u--;
      }
      ideal[u] = g;
    }
    if (tied === 0) {
      const shift = gainShift(ideal[0]!, exponential);
      for (let m = 0; m < nSpecs; m++) {
        const kk = cuts[m]!;
        const code = codes[m]!;
        let v: number;
        if (code === NDCG) {
          const top = tops[m]!;
          let dcg = 0;
          let idcg = 0;
          for (let p = 0; p < top; p++) {
            dcg += gainOf(posGrade[p]!, exponential, shift) * disc[p]!;
            idcg += gainOf(ideal[p]!, exponential, shift) * disc[p]!;
          }
          const r = dcg / idcg;
          v = idcg === 0 ? 0 : r > 1 ? 1 : r;
        } else if (code === MRR) {
          v = first + 1 <= kk ? 1 / (first + 1) : 0;
        } else {
          let hits = 0;
          for (let r = 0; r < nRel; r++) hits += +(pos[r]! < kk);
          v = code === HIT ? +(hits > 0) : code === PRECISION ? hits / kk : hits / (capDen ? Math.min(nRel, kk) : nRel);
        }
        outs[m]![q] = v;
      }
    } else {
      sortedRows(x, scratch, q, q + 1); // a relevant item tied with another: tie groups need the sorted row
    }
    for (let r = 0; r < nRel; r++) {
      posGrade[pos[r]!] = 0;
      ideal[r] = 0;
    }
  }
}

/**
 * A validated `[rows, cols]` matrix whose values keep float64 precision when the input has it (`number[][]`,
 * `{data: Float64Array | number[], shape}`): rounding scores to float32 would merge close scores into ties.
 */
function toMatrix64(x: MatrixLike, name: string, fn: string): { data: Float32Array | Float64Array; dims: readonly number[] } {
  // float64 inputs are read in place (no float32 copy); other forms go through toMatrix's checks and conversion
  if (Array.isArray(x)) {
    const rows = x as readonly ArrayLike<number>[];
    const r = rows.length;
    const c = r === 0 ? 0 : (rows[0]?.length ?? -1);
    const data = new Float64Array(r * Math.max(c, 0));
    for (let i = 0; i < r; i++) {
      const row = rows[i];
      if (row == null || typeof row !== 'object' || row.length === undefined) throw typeError(fn, `${name}[${i}]`, 'an array of numbers', row);
      if (row.length !== c) throw rangeError(fn, name, `rows of equal length ${c}`, raw(`row ${i} of length ${row.length}`));
      for (let j = 0; j < c; j++) data[i * c + j] = row[j]!;
    }
    return { data, dims: [r, Math.max(c, 0)] };
  }
  const d = (x as { data?: unknown } | null)?.data;
  if (x !== null && typeof x === 'object' && !(x instanceof Tensor) && 'shape' in x && !('stride' in x) && (d instanceof Float64Array || Array.isArray(d))) {
    const shape = (x as { shape: readonly number[] }).shape;
    if (!Array.isArray(shape) || shape.length !== 2) throw rangeError(fn, `${name}.shape`, '[rows, cols]', raw(`[${String(shape)}]`));
    const [r, c] = shape as [number, number];
    if (!Number.isInteger(r) || !Number.isInteger(c) || r < 0 || c < 0) {
      throw rangeError(fn, `${name}.shape`, 'non-negative integers', raw(`[${shape.join(', ')}]`));
    }
    if (d.length !== r * c) throw rangeError(fn, `${name}.data`, `of length rows*cols = ${r * c}`, raw(`length ${d.length}`));
    return { data: d instanceof Float64Array ? d : Float64Array.from(d as number[]), dims: [r, c] };
  }
  return toMatrix(x, name, fn);
}

/** Options of {@link evaluateRanks}. */
export interface EvaluateRanksOptions {
  /** Slate size K (needed by `auc`: `(K − r)/(K − 1)`). @defaultValue `10` */
  readonly listSize?: number;
  /** Bootstrap intervals, as {@link EvaluateOptions.ci}. @defaultValue `false` */
  readonly ci?: boolean | BootstrapOptions;
}

/**
 * The compact single-target form (GR2 P1): the 1-based rank of the target per query (`0` = not in the list),
 * evaluated in one typed-array pass: `recall@k = hit@k = 1[r ≤ k]`, `ndcg@k = 1[r ≤ k] / log₂(r + 1)`,
 * `precision@k = 1[r ≤ k] / k`, `mrr = 1/r`, `auc = (K − r)/(K − 1)`.
 *
 * @param ranks - `Int32Array` (or numbers) of 1-based target ranks, 0 when absent.
 * @param metrics - metric strings.
 * @param options - see {@link EvaluateRanksOptions}.
 * @returns per-query values and means.
 * @throws TypeError / RangeError for non-integer or negative ranks, ranks above `listSize`, unknown metrics.
 * @example
 * ```ts
 * evaluateRanks(Int32Array.of(1, 3, 0), ['recall@1', 'ndcg@5']).mean;
 * // { 'recall@1': 1/3, 'ndcg@5': (1 + 0.5 + 0) / 3 = 0.5 }
 * ```
 */
export function evaluateRanks(ranks: ArrayLike<number>, metrics: readonly string[], options: EvaluateRanksOptions = {}): EvaluationResult {
  const fn = 'evaluateRanks';
  checkOptions(fn, options, ['listSize', 'ci']);
  const specs = parseAll(fn, metrics);
  if (ranks == null || typeof ranks !== 'object' || typeof ranks.length !== 'number') throw typeError(fn, 'ranks', 'an Int32Array of 1-based ranks', ranks);
  const K = options.listSize ?? 10;
  assertPositiveInteger(fn, 'options.listSize', K);
  const n = ranks.length;
  const R = ranks instanceof Int32Array ? ranks : new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = ranks[i]!;
    if (!Number.isInteger(r) || r < 0 || r > K) throw rangeError(fn, `ranks[${i}]`, `an integer in [0, ${K}]`, r);
    if (R !== ranks) R[i] = r;
  }
  const disc = discounts(K); // disc[r − 1] = 1 / log2(r + 1)
  const perQuery: Record<string, Float64Array> = {};
  for (const s of specs) {
    const out = (perQuery[s.key] = new Float64Array(n));
    const k = s.k ?? K;
    switch (s.name) {
      case 'recall':
      case 'hit':
        for (let i = 0; i < n; i++) out[i] = R[i]! > 0 && R[i]! <= k ? 1 : 0;
        break;
      case 'precision':
        for (let i = 0; i < n; i++) out[i] = R[i]! > 0 && R[i]! <= k ? 1 / k : 0;
        break;
      case 'ndcg':
        for (let i = 0; i < n; i++) out[i] = R[i]! > 0 && R[i]! <= k ? disc[R[i]! - 1]! : 0;
        break;
      case 'mrr':
        for (let i = 0; i < n; i++) out[i] = R[i]! > 0 && R[i]! <= k ? 1 / R[i]! : 0;
        break;
      case 'auc':
        for (let i = 0; i < n; i++) out[i] = K < 2 ? Number.NaN : R[i]! > 0 ? (K - R[i]!) / (K - 1) : 0;
        break;
    }
  }
  return finish(specs, perQuery, n, null, { ci: options.ci ?? false });
}

/** Per-metric comparison of two evaluations (see {@link compareEvaluations}). */
export type Comparison = Readonly<Record<string, PairedTestResult>>;

/**
 * Compares two evaluations of the same queries metric by metric with {@link pairedTest}: means,
 * difference, relative lift `(A − B)/B`, p-value and an interval of the difference.
 *
 * @param a - evaluation of system A (e.g. the re-ranker).
 * @param b - evaluation of system B (e.g. the pre-ranker), same queries in the same order.
 * @param options - see {@link PairedTestOptions}.
 * @returns one {@link PairedTestResult} per metric key present in both.
 * @throws RangeError when the query counts or query ids differ.
 * @example
 * ```ts
 * const cmp = compareEvaluations(evaluateRanks(gr2Ranks, ['ndcg@5']), evaluateRanks(preRanks, ['ndcg@5']));
 * // cmp['ndcg@5'].relativeLift, cmp['ndcg@5'].pValue
 * ```
 */
export function compareEvaluations(a: EvaluationResult, b: EvaluationResult, options: PairedTestOptions = {}): Comparison {
  const fn = 'compareEvaluations';
  if (!a || typeof a !== 'object' || !a.perQuery) throw typeError(fn, 'a', 'an EvaluationResult', a);
  if (!b || typeof b !== 'object' || !b.perQuery) throw typeError(fn, 'b', 'an EvaluationResult', b);
  if (a.numQueries !== b.numQueries) throw rangeError(fn, 'b', `over ${a.numQueries} queries (as a)`, raw(`${b.numQueries}`));
  if (a.queries && b.queries && a.queries.some((q, i) => q !== b.queries![i])) {
    throw rangeError(fn, 'b', 'over the same queries in the same order as a', raw('different query ids'));
  }
  const out: Record<string, PairedTestResult> = {};
  for (const key of Object.keys(a.perQuery)) {
    if (b.perQuery[key]) out[key] = pairedTest(a.perQuery[key]!, b.perQuery[key]!, options);
  }
  return out;
}
