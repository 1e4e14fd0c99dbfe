import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Random, toRandom } from '../../src/sampling/random.js';

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'random_python.json'), 'utf8')) as {
  python_random: Record<string, number[]>;
};

describe('Random', () => {
  it("reproduces Python's random.random() stream bit for bit (fixture from CPython)", () => {
    for (const [seed, expected] of Object.entries(fixture.python_random)) {
      const rng = new Random(Number(seed));
      const got = expected.map(() => rng.random());
      expect(got).toEqual(expected);
    }
  });

  it('re-seeding restarts the stream; different seeds differ', () => {
    const a = new Random(7);
    const first = [a.random(), a.random()];
    a.seed(7);
    expect([a.random(), a.random()]).toEqual(first);
    expect(new Random(8).random()).not.toBe(first[0]);
  });

  it('int, permutation and shuffle stay in range and are permutations', () => {
    const rng = new Random(3);
    for (let i = 0; i < 1000; i++) {
      const v = rng.int(7);
      expect(Number.isInteger(v) && v >= 0 && v < 7).toBe(true);
    }
    const p = rng.permutation(50);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('weightedIndex follows the weights (chi-square style bound) and never picks a zero weight', () => {
    const rng = new Random(11);
    const counts = [0, 0, 0];
    const n = 30_000;
    for (let i = 0; i < n; i++) counts[rng.weightedIndex([1, 0, 3])]!++;
    expect(counts[1]).toBe(0);
    expect(Math.abs(counts[0]! / n - 0.25)).toBeLessThan(0.015);
    expect(Math.abs(counts[2]! / n - 0.75)).toBeLessThan(0.015);
  });

  it('gauss has mean ≈ 0 and variance ≈ 1', () => {
    const rng = new Random(5);
    let s = 0;
    let s2 = 0;
    const n = 40_000;
    for (let i = 0; i < n; i++) {
      const g = rng.gauss();
      s += g;
      s2 += g * g;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.02);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.03);
  });

  it('bad input: typed errors naming the argument', () => {
    expect(() => new Random(-1)).toThrow(RangeError);
    expect(() => new Random(1.5)).toThrow(/'seed'/);
    expect(() => new Random(2 ** 32)).toThrow(/'seed' must be below 2\^32/);
    expect(() => new Random(1).int(0)).toThrow(/'n' must be a positive integer; got 0/);
    expect(() => new Random(1).weightedIndex([0, 0])).toThrow(/'weights' must be not all zero/);
    expect(() => new Random(1).weightedIndex([1, -1])).toThrow(RangeError);
  });

  it('toRandom accepts a seed, a Random or nothing', () => {
    const r = new Random(9);
    expect(toRandom(r)).toBe(r);
    expect(toRandom(42).random()).toBe(fixture.python_random['42']![0]);
    expect(toRandom(undefined).random()).toBe(fixture.python_random['1234']![0]);
  });
});
