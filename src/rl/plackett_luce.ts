/**
 * A Plackett–Luce listwise policy: a ranking is generated one position at a time, each step a softmax over the
 * candidates not yet placed, so every step's log-probability is one "token" for the policy losses of `gr2/rl`.
 *
 * For scores `s` (logits) at temperature `τ` and an order `o`, step `t` has
 * `log π(o_t | o_<t) = s_{o_t}/τ − log Σ_{j ∈ R_t} exp(s_j/τ)` with `R_t = {o_t, …, o_{K−1}}` the remaining
 * candidates, and `∂ log π_t / ∂ s_j = (1[j = o_t] − p_t(j))/τ` for `j ∈ R_t` (0 otherwise), `p_t = softmax` over
 * `R_t`. The last step is forced (probability 1), so a full ranking has `K − 1` informative steps.
 *
 * @packageDocumentation
 */
import { assertFiniteNumber, assertPositiveInteger, checkOptions, rangeError, raw, typeError } from '../errors.js';
import { checkInt, MAX_ARRAY_ELEMENTS } from '../validate.js';
import { Random, toRandom } from '../sampling/random.js';

/** Options shared by the Plackett–Luce functions. */
export interface PlackettLuceOptions {
  /** Temperature τ > 0 (scores are divided by it). @defaultValue `1` */
  readonly temperature?: number;
  /** Number of steps (ranked positions) that carry a log-prob, `1 ≤ steps ≤ K − 1`. @defaultValue `K − 1` */
  readonly steps?: number;
}

function resolve(fn: string, k: number, options: PlackettLuceOptions): { tau: number; steps: number } {
  const tau = options.temperature ?? 1;
  assertFiniteNumber(fn, 'temperature', tau, { min: 0, minExclusive: true });
  const steps = options.steps ?? Math.max(1, k - 1);
  assertPositiveInteger(fn, 'steps', steps);
  if (k >= 2 && steps > k - 1) throw rangeError(fn, 'steps', `at most K − 1 = ${k - 1}`, steps);
  return { tau, steps };
}

function checkScores(fn: string, scores: unknown): ArrayLike<number> {
  if (!(Array.isArray(scores) || scores instanceof Float64Array || scores instanceof Float32Array)) {
    throw typeError(fn, 'scores', 'a number[] or float typed array', scores);
  }
  const s = scores as ArrayLike<number>;
  if (s.length < 1) throw rangeError(fn, 'scores', 'non-empty', raw('length 0'));
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw rangeError(fn, `scores[${i}]`, 'a finite number', v);
  }
  return s;
}

function checkOrder(fn: string, order: unknown, k: number): ArrayLike<number> {
  if (!(Array.isArray(order) || order instanceof Int32Array || order instanceof Uint32Array || order instanceof Float64Array)) {
    throw typeError(fn, 'order', 'an array of candidate indices', order);
  }
  const o = order as ArrayLike<number>;
  if (o.length !== k) throw rangeError(fn, 'order', `a permutation of 0..${k - 1} (length ${k})`, raw(`length ${o.length}`));
  const seen = new Uint8Array(k);
  for (let i = 0; i < k; i++) {
    const v = o[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= k || seen[v]) {
      throw rangeError(fn, 'order', `a permutation of 0..${k - 1}`, raw(`[${Array.from(o).join(', ')}]`));
    }
    seen[v] = 1;
  }
  return o;
}

/**
 * Per-step log-probabilities of a ranking under Plackett–Luce (see the module formula).
 *
 * @param scores - `[K]` logits of the candidates.
 * @param order - a permutation of `0..K−1`, best first.
 * @param options - temperature, number of steps.
 * @returns `[steps]` log-probs.
 * @throws TypeError / RangeError on bad scores, order or options.
 * @example
 * ```ts
 * plackettLuceLogProbs([0, 0, 0], [2, 0, 1]); // Float64Array [−ln 3, −ln 2]
 * ```
 */
export function plackettLuceLogProbs(scores: ArrayLike<number>, order: ArrayLike<number>, options: PlackettLuceOptions = {}): Float64Array {
  const fn = 'plackettLuceLogProbs';
  const s = checkScores(fn, scores);
  const o = checkOrder(fn, order, s.length);
  const { tau, steps } = resolve(fn, s.length, options);
  return logProbsUnchecked(s, o, tau, steps);
}

function logProbsUnchecked(s: ArrayLike<number>, o: ArrayLike<number>, tau: number, steps: number): Float64Array {
  const K = s.length;
  const out = new Float64Array(steps);
  if (K < 2) return out;
  // suffix log-sum-exp, from the last position backwards (stable: shift by the suffix max)
  const z = new Float64Array(K);
  for (let i = 0; i < K; i++) z[i] = s[o[i]!]! / tau;
  let m = -Infinity;
  let acc = 0; // Σ exp(z − m) over the suffix
  const lse = new Float64Array(K);
  for (let i = K - 1; i >= 0; i--) {
    const v = z[i]!;
    if (v > m) {
      acc = acc * Math.exp(m - v) + 1;
      m = v;
    } else acc += Math.exp(v - m);
    lse[i] = m + Math.log(acc);
  }
  for (let t = 0; t < steps; t++) out[t] = z[t]! - lse[t]!;
  return out;
}

/** Result of {@link samplePlackettLuce}. */
export interface PlackettLuceSample {
  /** A permutation of `0..K−1`, best first. */
  readonly order: Int32Array;
  /** `[steps]` log-probs of the sampled steps. */
  readonly logProbs: Float64Array;
}

/**
 * Samples a ranking from Plackett–Luce with the Gumbel-max trick (`argsort(s/τ + G)`, `G ~ Gumbel(0, 1)`), which has
 * exactly the sequential-softmax distribution, and returns the per-step log-probs.
 *
 * @param scores - `[K]` logits.
 * @param options - temperature, steps, and `random` (a {@link Random} or a seed; @defaultValue seed 1234).
 * @returns the order and its step log-probs.
 * @throws TypeError / RangeError on bad scores or options.
 * @example
 * ```ts
 * const { order, logProbs } = samplePlackettLuce([2, 0, -2], { random: new Random(1) });
 * // order e.g. Int32Array [0, 1, 2]; logProbs.length = 2
 * ```
 */
export function samplePlackettLuce(
  scores: ArrayLike<number>,
  options: PlackettLuceOptions & { readonly random?: Random | number } = {},
): PlackettLuceSample {
  const fn = 'samplePlackettLuce';
  checkOptions(fn, options, ['temperature', 'steps', 'random']);
  const s = checkScores(fn, scores);
  const { tau, steps } = resolve(fn, s.length, options);
  const rng = toRandom(options.random);
  const order = sampleOrder(s, tau, rng);
  return { order, logProbs: logProbsUnchecked(s, order, tau, steps) };
}

function sampleOrder(s: ArrayLike<number>, tau: number, rng: Random): Int32Array {
  const K = s.length;
  const keys = new Float64Array(K);
  for (let i = 0; i < K; i++) {
    let u = rng.random();
    while (u === 0) u = rng.random();
    keys[i] = s[i]! / tau - Math.log(-Math.log(u));
  }
  return orderByDescending(keys);
}

/** Indices of `keys` by descending key, ties by index (stable). */
function orderByDescending(keys: ArrayLike<number>): Int32Array {
  const idx = Array.from({ length: keys.length }, (_, i) => i);
  idx.sort((a, b) => keys[b]! - keys[a]! || a - b);
  return Int32Array.from(idx);
}

/**
 * The mode of Plackett–Luce: candidates by descending score, ties by input index (stable).
 *
 * @param scores - `[K]` logits.
 * @returns a permutation, best first.
 * @example
 * ```ts
 * plackettLuceGreedy([0.1, 0.5, 0.1]); // Int32Array [1, 0, 2]
 * ```
 */
export function plackettLuceGreedy(scores: ArrayLike<number>): Int32Array {
  return orderByDescending(checkScores('plackettLuceGreedy', scores));
}

/**
 * Chain rule through Plackett–Luce: given `g_t = ∂loss/∂logπ_t` for each step, returns
 * `∂loss/∂s_j = Σ_t g_t (1[j = o_t] − p_t(j)) / τ` (summing over the steps where `j` is still remaining).
 *
 * @param scores - `[K]` logits.
 * @param order - the ranking the log-probs were computed for.
 * @param gradLogProbs - `[steps]` upstream gradient (e.g. a row of a policy loss's `grad`).
 * @param options - the temperature used for the log-probs.
 * @returns `[K]` gradient with respect to the scores.
 * @throws TypeError / RangeError on bad inputs or a `gradLogProbs` longer than K − 1.
 * @example
 * ```ts
 * plackettLuceScoreGrad([0, 0], [1, 0], [1]); // Float64Array [-0.5, 0.5]
 * ```
 */
export function plackettLuceScoreGrad(
  scores: ArrayLike<number>,
  order: ArrayLike<number>,
  gradLogProbs: ArrayLike<number>,
  options: Pick<PlackettLuceOptions, 'temperature'> = {},
): Float64Array {
  const fn = 'plackettLuceScoreGrad';
  const s = checkScores(fn, scores);
  const o = checkOrder(fn, order, s.length);
  const tau = options.temperature ?? 1;
  assertFiniteNumber(fn, 'temperature', tau, { min: 0, minExclusive: true });
  if (gradLogProbs == null || typeof gradLogProbs.length !== 'number') throw typeError(fn, 'gradLogProbs', 'an array of numbers', gradLogProbs);
  if (gradLogProbs.length > Math.max(1, s.length - 1)) {
    throw rangeError(fn, 'gradLogProbs', `of length at most K − 1 = ${s.length - 1}`, raw(`length ${gradLogProbs.length}`));
  }
  const out = new Float64Array(s.length);
  scoreGradInto(s, o, gradLogProbs, tau, out);
  return out;
}

/** `out += ∂/∂s Σ_t g_t log π_t` (no validation). @internal */
function scoreGradInto(s: ArrayLike<number>, o: ArrayLike<number>, g: ArrayLike<number>, tau: number, out: Float64Array): void {
  const K = s.length;
  const steps = Math.min(g.length, K - 1);
  const z = new Float64Array(K);
  for (let i = 0; i < K; i++) z[i] = s[o[i]!]! / tau;
  for (let t = 0; t < steps; t++) {
    const gt = g[t]!;
    if (gt === 0) continue;
    let m = -Infinity;
    for (let i = t; i < K; i++) if (z[i]! > m) m = z[i]!;
    let sum = 0;
    for (let i = t; i < K; i++) sum += Math.exp(z[i]! - m);
    const c = gt / tau;
    out[o[t]!]! += c;
    for (let i = t; i < K; i++) out[o[i]!]! -= (c * Math.exp(z[i]! - m)) / sum;
  }
}

/** Options of {@link LinearPlackettLuce}. */
export interface LinearPlackettLuceOptions {
  /** Temperature τ. @defaultValue `1` */
  readonly temperature?: number;
  /** Initial weights (length = number of features). @defaultValue zeros */
  readonly weights?: ArrayLike<number>;
}

/**
 * A linear Plackett–Luce ranking policy: candidate `i` of a slate with features `x_i ∈ ℝ^F` has score
 * `s_i = w·x_i`, and rankings are drawn as in {@link samplePlackettLuce}. The gradient of any loss of the
 * step log-probs chains to the weights as `∂loss/∂w = Σ_i (∂loss/∂s_i) x_i` ({@link LinearPlackettLuce.backward}).
 *
 * @example
 * ```ts
 * const policy = new LinearPlackettLuce(2, { weights: [1, 0] });
 * const x = Float64Array.from([3, 0, 1, 0, 2, 0]);   // K = 3 candidates × F = 2 features
 * policy.greedy(x);                                   // Int32Array [0, 2, 1]
 * const { order, logProbs } = policy.sample(x, new Random(7));
 * const gradW = policy.backward(x, order, [1, 1]);    // ∂(logπ_0 + logπ_1)/∂w
 * ```
 */
export class LinearPlackettLuce {
  /** The weights `w` (mutable: optimisers update them in place). */
  readonly weights: Float64Array;
  /** Temperature τ. */
  readonly temperature: number;

  /**
   * @param numFeatures - F ≥ 1.
   * @param options - temperature and initial weights.
   * @throws RangeError on a bad F, temperature or weights length.
   */
  constructor(
    readonly numFeatures: number,
    options: LinearPlackettLuceOptions = {},
  ) {
    checkInt('LinearPlackettLuce', 'numFeatures', numFeatures, 1, MAX_ARRAY_ELEMENTS);
    checkOptions('LinearPlackettLuce', options, ['temperature', 'weights']);
    this.temperature = options.temperature ?? 1;
    assertFiniteNumber('LinearPlackettLuce', 'temperature', this.temperature, { min: 0, minExclusive: true });
    this.weights = new Float64Array(numFeatures);
    if (options.weights !== undefined) {
      if (options.weights.length !== numFeatures) {
        throw rangeError('LinearPlackettLuce', 'weights', `of length numFeatures = ${numFeatures}`, raw(`length ${options.weights.length}`));
      }
      for (let f = 0; f < numFeatures; f++) {
        const v = options.weights[f]!;
        assertFiniteNumber('LinearPlackettLuce', `weights[${f}]`, v);
        this.weights[f] = v;
      }
    }
  }

  private candidates(fn: string, features: ArrayLike<number>): number {
    if (features == null || typeof features.length !== 'number') throw typeError(fn, 'features', 'a [K·F] float array', features);
    const F = this.numFeatures;
    if (features.length === 0 || features.length % F !== 0) {
      throw rangeError(fn, 'features', `a non-empty [K·F] array with F = ${F}`, raw(`length ${features.length}`));
    }
    return features.length / F;
  }

  /**
   * Scores `s_i = w·x_i` of a slate.
   * @param features - `[K·F]` row-major candidate features.
   * @returns `[K]` scores.
   */
  scores(features: ArrayLike<number>): Float64Array {
    const K = this.candidates('LinearPlackettLuce.scores', features);
    const F = this.numFeatures;
    const w = this.weights;
    const s = new Float64Array(K);
    for (let i = 0; i < K; i++) {
      let v = 0;
      for (let f = 0; f < F; f++) v += w[f]! * features[i * F + f]!;
      s[i] = v;
    }
    return s;
  }

  /** Samples a ranking (Gumbel-max) with its `K − 1` step log-probs (or `steps`). */
  sample(features: ArrayLike<number>, random: Random | number = 1234, steps?: number): PlackettLuceSample {
    const s = this.scores(features);
    return samplePlackettLuce(s, { temperature: this.temperature, random, ...(steps !== undefined ? { steps } : {}) });
  }

  /** The greedy ranking (descending score, ties by index). */
  greedy(features: ArrayLike<number>): Int32Array {
    return plackettLuceGreedy(this.scores(features));
  }

  /** Step log-probs of a given ranking under the current weights. */
  logProbs(features: ArrayLike<number>, order: ArrayLike<number>, steps?: number): Float64Array {
    const s = this.scores(features);
    return plackettLuceLogProbs(s, order, { temperature: this.temperature, ...(steps !== undefined ? { steps } : {}) });
  }

  /**
   * `∂loss/∂w = Σ_i (∂loss/∂s_i)·x_i` where `∂loss/∂s` comes from {@link plackettLuceScoreGrad}.
   *
   * @param features - `[K·F]` candidate features.
   * @param order - the ranking whose step log-probs fed the loss.
   * @param gradLogProbs - `[steps]` ∂loss/∂logπ_t (a row of a policy loss's `grad`).
   * @param out - optional `[F]` accumulator (the gradient is added to it, for batches).
   * @returns the gradient (`out` when given).
   */
  backward(features: ArrayLike<number>, order: ArrayLike<number>, gradLogProbs: ArrayLike<number>, out?: Float64Array): Float64Array {
    const K = this.candidates('LinearPlackettLuce.backward', features);
    const F = this.numFeatures;
    const gs = plackettLuceScoreGrad(this.scores(features), order, gradLogProbs, { temperature: this.temperature });
    const g = out ?? new Float64Array(F);
    if (g.length !== F) throw rangeError('LinearPlackettLuce.backward', 'out', `of length ${F}`, raw(`length ${g.length}`));
    for (let i = 0; i < K; i++) {
      const c = gs[i]!;
      if (c === 0) continue;
      for (let f = 0; f < F; f++) g[f]! += c * features[i * F + f]!;
    }
    return g;
  }
}
