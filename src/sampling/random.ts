/**
 * Seeded, reproducible randomness: a Mersenne Twister (MT19937) whose `random()` stream equals Python's
 * `random.random()` after `random.seed(seed)` for integer seeds in `[0, 2^32)`.
 *
 * @packageDocumentation
 */
import { assertNonNegativeInteger, assertPositiveInteger, rangeError, typeError } from '../errors.js';
import { checkFiniteArray, checkInt, MAX_ARRAY_ELEMENTS } from '../validate.js';

const N = 624;
const M = 397;

/**
 * A seeded pseudo-random generator. Nothing in gr2 reads `Math.random`; every stochastic API takes a
 * `seed` (default 1234) or a `Random`.
 *
 * @example
 * ```ts
 * const rng = new Random(42);
 * rng.random();      // 0.6394267984578837  (same as Python: random.seed(42); random.random())
 * rng.int(10);       // an integer in [0, 10)
 * rng.shuffle([1, 2, 3]);
 * ```
 */
export class Random {
  private readonly mt = new Uint32Array(N);
  private mti = N + 1;
  private spareGauss: number | null = null;

  constructor(seed = 1234) {
    this.seed(seed);
  }

  /** Re-seeds the generator (Python `init_by_array([seed])`). */
  seed(seed: number): void {
    assertNonNegativeInteger('Random.seed', 'seed', seed);
    if (seed >= 2 ** 32) throw rangeError('Random.seed', 'seed', 'below 2^32', seed);
    this.initGenrand(19650218);
    const mt = this.mt;
    let i = 1;
    let j = 0;
    const key = [seed >>> 0];
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1664525)) + key[j]! + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
    this.spareGauss = null;
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = (Math.imul(prev, 1812433253) + i) >>> 0;
    }
    this.mti = N;
  }

  /** The next raw 32-bit output. */
  uint32(): number {
    const mt = this.mt;
    if (this.mti >= N) {
      let kk = 0;
      for (; kk < N - M; kk++) {
        const y = (mt[kk]! & 0x80000000) | (mt[kk + 1]! & 0x7fffffff);
        mt[kk] = mt[kk + M]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      for (; kk < N - 1; kk++) {
        const y = (mt[kk]! & 0x80000000) | (mt[kk + 1]! & 0x7fffffff);
        mt[kk] = mt[kk + (M - N)]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      const y = (mt[N - 1]! & 0x80000000) | (mt[0]! & 0x7fffffff);
      mt[N - 1] = mt[M - 1]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      this.mti = 0;
    }
    let y = mt[this.mti++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A uniform double in `[0, 1)` with 53 random bits (Python `random.random()`). */
  random(): number {
    const a = this.uint32() >>> 5;
    const b = this.uint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** A uniform integer in `[0, n)`. @throws RangeError if `n` is not a positive integer. */
  int(n: number): number {
    assertPositiveInteger('Random.int', 'n', n);
    return Math.floor(this.random() * n);
  }

  /** A standard normal draw (Box–Muller, caching the second value). */
  gauss(): number {
    if (this.spareGauss !== null) {
      const v = this.spareGauss;
      this.spareGauss = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareGauss = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles `array` in place (Fisher–Yates) and returns it. */
  shuffle<T>(array: T[]): T[] {
    if (!Array.isArray(array)) throw typeError('Random.shuffle', 'array', 'an array', array);
    for (let i = array.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      const tmp = array[i]!;
      array[i] = array[j]!;
      array[j] = tmp;
    }
    return array;
  }

  /** A random permutation of `0..n-1`. */
  permutation(n: number): number[] {
    checkInt('Random.permutation', 'n', n, 0, MAX_ARRAY_ELEMENTS);
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  /**
   * Draws an index with probability proportional to `weights[i]` (non-negative, not all zero).
   * @throws RangeError when the weights are negative, non-finite or sum to 0.
   */
  weightedIndex(weights: ArrayLike<number>): number {
    checkFiniteArray('Random.weightedIndex', 'weights', weights);
    let total = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) throw rangeError('Random.weightedIndex', 'weights', 'finite and >= 0', w);
      total += w;
    }
    if (!(total > 0)) throw rangeError('Random.weightedIndex', 'weights', 'not all zero', total);
    let u = this.random() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i]!;
      if (u < 0) return i;
    }
    for (let i = weights.length - 1; i >= 0; i--) if (weights[i]! > 0) return i;
    return weights.length - 1;
  }
}

/** Accepts a seed, a {@link Random} or nothing (seed 1234) and returns a `Random`. */
export function toRandom(source: number | Random | undefined, defaultSeed = 1234): Random {
  if (source instanceof Random) return source;
  if (source !== undefined && typeof source !== 'number') throw typeError('toRandom', 'source', 'a seed, a Random or undefined', source);
  return new Random(source ?? defaultSeed);
}
