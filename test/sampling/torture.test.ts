/**
 * SIGKILL torture test of the sampler's checkpoint: a sampling process is killed with SIGKILL at 20 random
 * moments and resumed each time; the final checkpoint must hold every example exactly once and equal an
 * uninterrupted run with the same seed.
 *
 * The child is bundled once with esbuild so that each of the ~22 process starts costs ~0.1 s instead of a tsx
 * start. A SIGKILL rarely lands inside the write(2) of a ~1 KB record, so every fifth kill is followed by a
 * simulated torn write: the file is cut at a random byte of its last record, which is exactly what a write
 * interrupted mid-way (or a machine crash) leaves on disk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Random } from '../../src/sampling/random.js';

const here = dirname(fileURLToPath(import.meta.url));
let dir: string;
let child: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gr2-torture-'));
  child = join(dir, 'child.mjs');
  await build({
    entryPoints: [join(here, 'fixtures', 'torture_child.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: child,
    logLevel: 'error',
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N = 3000;
const SEED = 77;

/** Starts the child; resolves `started` when it reports sampling under way, `exit` with its exit code/signal. */
function start(path: string): { proc: ChildProcess; started: Promise<boolean>; exit: Promise<{ code: number | null; signal: string | null }> } {
  const proc = spawn(process.execPath, [child, path, String(N), String(SEED), '8'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const started = new Promise<boolean>((resolve) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('started') || out.includes('done')) resolve(true);
    });
    proc.on('exit', () => resolve(false));
  });
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    proc.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) console.error(err);
      resolve({ code, signal });
    }),
  );
  return { proc, started, exit };
}

const lines = (path: string): string[] => readFileSync(path, 'utf8').split('\n').filter(Boolean);

describe('rejectionSample checkpoint under SIGKILL', () => {
  it('20 random SIGKILLs (some tearing the last record), resumed each time: the file equals an uninterrupted run', async () => {
    const rng = new Random(2024);
    const reference = join(dir, 'reference.jsonl');
    const ref = start(reference);
    await ref.started;
    const t0 = performance.now();
    expect((await ref.exit).code).toBe(0);
    // kill delays scale with this machine's speed: on average 1/40 of an uninterrupted run, so the 20 kills
    // fall inside the job (about half of it) however loaded the machine is
    const meanDelay = (performance.now() - t0) / 40;

    const path = join(dir, 'killed.jsonl');
    let kills = 0;
    let torn = 0;
    const sizes: number[] = [];
    while (kills < 20) {
      const run = start(path);
      if (rng.random() < 0.25) {
        // anywhere from process start on: during start-up, the resume scan or sampling
        await new Promise((r) => setTimeout(r, rng.random() * 150));
      } else {
        await run.started;
        await new Promise((r) => setTimeout(r, rng.random() * 2 * meanDelay));
      }
      run.proc.kill('SIGKILL');
      const { code, signal } = await run.exit;
      if (signal !== 'SIGKILL') {
        // it finished before the kill: the job must not be complete yet for the test to mean anything
        expect(code).toBe(0);
        throw new Error(`the child finished after ${kills} kills; make the job larger`);
      }
      kills++;
      let size = 0;
      try {
        size = statSync(path).size;
      } catch {
        /* killed before the checkpoint was created */
      }
      if (kills % 5 === 0 && size > 0) {
        const content = readFileSync(path);
        const lastStart = content.lastIndexOf(10, content.length - 2) + 1;
        const lastLen = content.length - lastStart;
        if (lastLen > 1) {
          truncateSync(path, lastStart + 1 + Math.floor(rng.random() * (lastLen - 1)));
          torn++;
        }
      }
      sizes.push(size);
    }
    const last = start(path);
    expect((await last.exit).code).toBe(0);

    console.log(`torture: ${kills} kills, ${torn} torn tails, checkpoint bytes at each kill: ${sizes.join(" ")}`);
    expect(kills).toBe(20);
    expect(torn).toBeGreaterThanOrEqual(3);
    // the kills landed while the file was growing, not all before or after the work
    expect(new Set(sizes).size).toBeGreaterThanOrEqual(8);
    expect(sizes.at(-1)!).toBeLessThan(statSync(reference).size);

    const got = lines(path);
    const want = lines(reference);
    expect(want.length).toBe(N);
    const ids = got.map((l) => (JSON.parse(l) as { id: string }).id);
    expect(new Set(ids).size).toBe(ids.length); // no example written twice
    expect(got.length).toBe(N); // none lost
    expect([...got].sort()).toEqual([...want].sort()); // byte-equal records
    expect(readFileSync(path, 'utf8').endsWith('\n')).toBe(true);
  });
});
