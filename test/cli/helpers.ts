/**
 * Test helpers for the built `gr2` binary: builds dist/ once when it is missing or older than src/, and runs
 * `node dist/cli/main.js …` as a child process.
 */
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'dist', 'cli', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const fresh = () => existsSync(BIN) && statSync(BIN).mtimeMs >= newestMtime(join(ROOT, 'src'));

/** Builds dist/ (tsc -p tsconfig.build.json) unless it is up to date; one build at a time across test files. */
export async function ensureBuilt(): Promise<void> {
  const lock = join(ROOT, 'dist.build-lock');
  for (;;) {
    if (fresh()) return;
    try {
      mkdirSync(lock);
    } catch {
      // another test file is building; a lock left by a killed run (older than 5 minutes) is removed
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!?.mtimeMs > 300_000) rmdirSync(lock);
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    try {
      if (!fresh()) {
        const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
      }
    } finally {
      rmdirSync(lock);
    }
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built binary with `args` in `cwd` (stdin closed, not a TTY). */
export function gr2(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Asserts the CLI's error contract: exactly one non-empty stderr line starting `gr2 <command>: error:`. */
export function errorLines(run: CliRun): string[] {
  return run.stderr.split('\n').filter((l) => l.trim() !== '');
}
