import { describe, expect, it } from 'vitest';
import { runSweep } from './sweep_runner.js';

// Property-based bad-input sweep over EVERY runtime export of every entry point in package.json "exports"
// (functions, constructors, static methods, and the public methods of instances the constructors build), so new
// exports are covered as soon as they are exported. Arguments come from fast-check: hostile constants (null,
// undefined, NaN, ±Infinity, Symbol, BigInt, ragged and nested arrays, {data, shape} of the wrong size, sizes of
// 2^31 and more, objects with wrong fields, unknown option keys), plausible values (so calls get past the first
// check) and fc.anything(). Each call runs in a child process under a time limit. A call passes when it returns
// (no NaN out of finite input) or throws a typed error: a Gr2Error subclass, or a TypeError/RangeError in the
// format "<fn>: '<arg>' must be <rule>; got <actual>.". Exports marked @internal in the sources are skipped.
//
// Reproduce or widen locally: `npx tsx test/robustness/sweep_runner.ts [perTarget] [seed]` prints every failure
// with its arguments. GR2_SWEEP_SEED varies the seed here.

describe('bad-input sweep over all exports', () => {
  it('only typed errors: 0 raw internal errors, 0 hangs, 0 NaN from finite input', async () => {
    const seed = Number(process.env.GR2_SWEEP_SEED ?? 20261201);
    const s = await runSweep({ perTarget: 100, seed, hangMs: 3000 });
    console.log(
      `bad-input sweep (seed ${seed}): ${s.calls} calls over ${s.targets} targets in ${(s.ms / 1000).toFixed(1)} s — ` +
        `${s.counts.typed} typed errors, ${s.counts.ok} returned, ${s.counts.raw} raw errors, ${s.counts.hang} hangs, ` +
        `${s.counts.nan} NaN from finite input, ${s.counts.crash} crashes`,
    );
    const report = s.failures
      .slice(0, 30)
      .map((f) => `[${f.kind}] ${f.fn}(${f.args ?? ''}) → ${f.message?.split('\n')[0] ?? ''}`)
      .join('\n');
    expect(s.targets).toBeGreaterThan(150);
    expect(s.counts.typed).toBeGreaterThan(s.calls / 3);
    expect(report).toBe('');
    expect(s.counts.raw + s.counts.hang + s.counts.nan + s.counts.crash).toBe(0);
  }, 120_000);
});
