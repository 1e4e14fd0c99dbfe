/**
 * Shared benchmark helpers: median timing and a ratio table. Files starting with `_` are not run by
 * `npm run bench`.
 */
import { spawnSync } from 'node:child_process';

/** True when `GR2_BENCH_QUICK=1`: benchmarks use small sizes. */
export const QUICK = process.env.GR2_BENCH_QUICK === '1';

/** Median wall time in ms of `repeats` runs of `fn` after `warmup` runs. */
export async function medianMs(fn: () => unknown | Promise<unknown>, repeats = 5, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** A row of a benchmark table. */
export interface BenchRow {
  readonly name: string;
  /** Median milliseconds, or null when skipped. */
  readonly ms: number | null;
  readonly note?: string;
}

/** Prints a table with each row's time and its ratio to the `baseline` row (ratio = row time / baseline time). */
export function printTable(title: string, rows: readonly BenchRow[], baseline: string): void {
  const base = rows.find((r) => r.name === baseline)?.ms ?? null;
  console.log(`\n${title}`);
  console.log(`${'implementation'.padEnd(34)} ${'median ms'.padStart(12)} ${`× ${baseline}`.padStart(16)}  note`);
  for (const r of rows) {
    const ms = r.ms === null ? 'skipped' : r.ms.toFixed(2);
    const ratio = r.ms === null || base === null ? '-' : (r.ms / base).toFixed(2);
    console.log(`${r.name.padEnd(34)} ${ms.padStart(12)} ${ratio.padStart(16)}  ${r.note ?? ''}`);
  }
}

/**
 * Whether the Python reference at /usr/bin/python3 can import `modules` (and `GR2_BENCH_PYTHON` is not `0`).
 * Returns the reason when not.
 */
export function pythonAvailable(modules: readonly string[]): { ok: true } | { ok: false; reason: string } {
  if (process.env.GR2_BENCH_PYTHON === '0') return { ok: false, reason: 'GR2_BENCH_PYTHON=0' };
  const r = spawnSync('/usr/bin/python3', ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  if (r.error) return { ok: false, reason: `/usr/bin/python3 not runnable (${r.error.message})` };
  if (r.status !== 0) {
    return {
      ok: false,
      reason: `/usr/bin/python3 cannot import ${modules.join(', ')} (apt-get install python3-numpy python3-sklearn python3-torch python3-faiss)`,
    };
  }
  return { ok: true };
}
