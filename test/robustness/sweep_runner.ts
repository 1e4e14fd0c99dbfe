/**
 * Runs the bad-input sweep (sweep_child.ts) in a child process inside a scratch directory, watching it for hangs:
 * when one call runs longer than `hangMs`, the child is killed, the call is recorded as a hang and a new child
 * resumes at the next call. Also usable from the command line for a readable report:
 *
 *   npx tsx test/robustness/sweep_runner.ts [perTarget] [seed]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface SweepRecord {
  i: number;
  fn: string;
  kind: 'ok' | 'typed' | 'raw' | 'nan' | 'hang' | 'crash';
  message?: string;
  args?: string;
}

export interface SweepSummary {
  calls: number;
  targets: number;
  counts: Record<SweepRecord['kind'], number>;
  failures: SweepRecord[];
  ms: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

export async function runSweep(options: { perTarget?: number; seed?: number; hangMs?: number } = {}): Promise<SweepSummary> {
  const perTarget = options.perTarget ?? 40;
  const seed = options.seed ?? 20261201;
  const hangMs = options.hangMs ?? 3000;
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'gr2-sweep-'));
  const progressFile = join(dir, 'progress');
  const resultsFile = join(dir, 'results.jsonl');
  writeFileSync(progressFile, ' '.repeat(601));
  writeFileSync(resultsFile, '');
  const loader = pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const child = join(here, 'sweep_child.ts');
  const extra: SweepRecord[] = [];
  let start = 0;
  let total = -1;
  try {
    for (;;) {
      const outcome = await new Promise<{ done: boolean; stuckAt: number; code: number | null }>((done) => {
        const p = spawn(
          process.execPath,
          ['--import', loader, child, repoRoot, progressFile, resultsFile, String(start), String(seed), String(perTarget), String(Math.floor(hangMs * 0.7))],
          { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, GR2_LOG_LEVEL: 'silent' } },
        );
        const killChild = (): void => {
          p.kill('SIGKILL');
        };
        process.once('exit', killChild);
        let stderr = '';
        p.stderr.on('data', (d: Buffer) => {
          if (stderr.length < 4000) stderr += d.toString();
        });
        let last = '';
        let since = Date.now();
        let killedAt = -1;
        let killedName = '?';
        let killedArgs = '';
        const timer = setInterval(() => {
          const s = readFileSync(progressFile, 'utf8').trim();
          if (s.startsWith('total ')) total = Number(s.slice(6));
          if (s !== last) {
            last = s;
            since = Date.now();
          } else if (/^\d+\t/.test(s) && Date.now() - since > hangMs) {
            killedAt = Number(s.split('\t')[0]);
            killedName = s.split('\t')[1] ?? '?';
            killedArgs = s.split('\t').slice(2).join('\t');
            p.kill('SIGKILL');
          }
        }, 50);
        p.on('exit', (code) => {
          clearInterval(timer);
          process.removeListener('exit', killChild);
          const s = readFileSync(progressFile, 'utf8').trim();
          if (s === 'done') return done({ done: true, stuckAt: -1, code });
          const at = killedAt >= 0 ? killedAt : /^\d+\t/.test(s) ? Number(s.split('\t')[0]) : start;
          const name = killedAt >= 0 ? killedName : /^\d+\t/.test(s) ? (s.split('\t')[1] ?? '?') : '?';
          const args = killedAt >= 0 ? killedArgs : s.split('\t').slice(2).join('\t');
          extra.push(
            killedAt >= 0
              ? { i: at, fn: name, kind: 'hang', message: `no progress for ${hangMs} ms`, args }
              : { i: at, fn: name, kind: 'crash', message: `exit ${code}: ${stderr.slice(-1500)}`, args },
          );
          done({ done: false, stuckAt: at, code });
        });
      });
      if (outcome.done) break;
      start = outcome.stuckAt + 1;
      if (total >= 0 && start >= total) break;
    }
    const records = readFileSync(resultsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as SweepRecord);
    const counts = { ok: 0, typed: 0, raw: 0, nan: 0, hang: 0, crash: 0 };
    for (const r of [...records, ...extra]) counts[r.kind]++;
    const failures = [...records, ...extra].filter((r) => r.kind !== 'ok' && r.kind !== 'typed');
    const targets = new Set(records.map((r) => r.fn)).size;
    return { calls: records.length + extra.length, targets, counts, failures, ms: Date.now() - t0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const s = await runSweep({ perTarget: Number(process.argv[2] ?? 40), seed: Number(process.argv[3] ?? 20261201) });
  const byFn = new Map<string, SweepRecord[]>();
  for (const f of s.failures) byFn.set(f.fn, [...(byFn.get(f.fn) ?? []), f]);
  for (const [fn, fs] of [...byFn].sort()) {
    console.log(`\n## ${fn} (${fs.length})`);
    const seen = new Set<string>();
    for (const f of fs) {
      const key = `${f.kind} ${f.message?.slice(0, 80)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      console.log(`  [${f.kind}] ${f.message?.split('\n')[0]?.slice(0, 200)}\n      args: ${f.args ?? ''}`);
    }
  }
  console.log(JSON.stringify({ calls: s.calls, targets: s.targets, counts: s.counts, ms: s.ms }));
}
