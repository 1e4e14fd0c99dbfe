/**
 * Shared benchmark helpers: median timing and a ratio table. Files starting with `_` are not run by
 * `npm run bench`.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { loadavg } from 'node:os';

/** True when `GR2_BENCH_QUICK=1`: benchmarks use small sizes. */
export const QUICK = process.env.GR2_BENCH_QUICK === '1';

/**
 * Median wall time in ms of `repeats` runs of `fn` after `warmup` runs. With `setup`, each run (warm-up included) is
 * given a fresh `setup()` result, made outside the timed region; the previous one is dropped first, so only one is
 * alive at a time.
 */
export async function medianMs<T = undefined>(
  fn: (input: T) => unknown | Promise<unknown>,
  repeats = 5,
  warmup = 1,
  setup?: () => T,
): Promise<number> {
  let input: T | undefined;
  const next = (): T => {
    input = undefined;
    return setup ? setup() : (undefined as T);
  };
  for (let i = 0; i < warmup; i++) await fn(next());
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    input = next();
    const t0 = performance.now();
    await fn(input);
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

/** Rounds of {@link interleaved} measurements: `GR2_BENCH_ROUNDS`, default 5 (3 in quick mode). */
export const ROUNDS = Math.max(1, Number(process.env.GR2_BENCH_ROUNDS ?? (QUICK ? 3 : 5)));

/** One contender of an {@link interleaved} comparison: a name and one timed run (returns its ms). */
export interface Contender {
  readonly name: string;
  /** Runs once and returns its own wall time in ms (so a Python peer can time itself inside Python). */
  readonly run: () => Promise<number>;
  readonly note?: string;
}

/** Times `fn` once (ms). */
export async function timeOnce(fn: () => unknown | Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Median, min and max of a sample. */
export function spread(xs: readonly number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length;
  const median = m % 2 ? s[(m - 1) / 2]! : (s[m / 2 - 1]! + s[m / 2]!) / 2;
  return { median, min: s[0]!, max: s[m - 1]! };
}

/**
 * Runs every contender once per round, `rounds` rounds (after one untimed warm-up round), rotating which one
 * goes first, and prints each one's median time with its min–max and each one's ratio to `baseline` as the
 * median (min–max) of the per-round ratios — so a load spike hits both sides of a ratio in the same round.
 */
export async function interleaved(title: string, contenders: readonly Contender[], baseline: string, rounds = ROUNDS): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (const c of contenders) await c.run(); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < contenders.length; i++) {
      const c = contenders[(i + r) % contenders.length]!;
      times.get(c.name)!.push(await c.run());
    }
  }
  const base = times.get(baseline)!;
  console.log(`\n${title}`);
  console.log(`  ${rounds} interleaved rounds after a warm-up; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`  ${'implementation'.padEnd(40)} ${'median ms (min–max)'.padStart(24)} ${`× ${baseline} median (min–max)`.padStart(34)}  note`);
  for (const c of contenders) {
    const t = times.get(c.name)!;
    const s = spread(t);
    const ratio = spread(t.map((v, r) => v / base[r]!));
    const ms = `${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)})`;
    const rs = `${ratio.median.toFixed(2)} (${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)})`;
    console.log(`  ${c.name.padEnd(40)} ${ms.padStart(24)} ${rs.padStart(34)}  ${c.note ?? ''}`);
  }
  return times;
}

/**
 * A persistent /usr/bin/python3 process that runs named tasks on request, so Python peers can be interleaved
 * with gr2 round by round. `setup` defines a dict `TASKS` of name → zero-argument function; each request runs
 * one task and answers its wall time in ms (measured inside Python with `time.perf_counter`) and an optional
 * JSON payload (`TASKS[name]()` may return a JSON-serialisable value).
 */
export class PythonPeer {
  private readonly proc: ChildProcessWithoutNullStreams;
  private buffer = '';
  private waiting: ((line: string) => void)[] = [];
  private stderr = '';

  constructor(setup: string, args: readonly string[] = [], env: Readonly<Record<string, string>> = {}) {
    const driver = `${setup}
import sys as _s, json as _j, time as _t
for _line in _s.stdin:
    _name = _line.strip()
    if not _name: break
    _t0 = _t.perf_counter(); _v = TASKS[_name](); _ms = (_t.perf_counter() - _t0) * 1000
    print(_j.dumps({'ms': _ms, 'value': _v}), flush=True)
`;
    this.proc = spawn('/usr/bin/python3', ['-c', driver, ...args], { env: { ...process.env, ...env } });
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        this.waiting.shift()?.(line);
      }
    });
    this.proc.stderr.on('data', (c: Buffer) => {
      this.stderr = (this.stderr + c.toString()).slice(-2000);
    });
    this.proc.on('exit', () => {
      for (const w of this.waiting.splice(0)) w('');
    });
  }

  /** Runs task `name` once; resolves with its ms and returned value. */
  run(name: string): Promise<{ ms: number; value: unknown }> {
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => {
        if (!line) reject(new Error(`python peer failed: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`));
        else resolve(JSON.parse(line) as { ms: number; value: unknown });
      });
      this.proc.stdin.write(`${name}\n`);
    });
  }

  /** Ends the process. */
  close(): void {
    this.proc.stdin.end();
  }
}
