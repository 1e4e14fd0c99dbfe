/**
 * Every example runs, in a fast mode, so none of them rots: each is started with tsx as a user would start it
 * (smaller sizes through its own flags / environment variables) and must exit 0 and print its key lines.
 * examples/custom_reward.test.ts is itself a test and runs with the suite.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../cli/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'gr2-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runExample(file: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const tsx = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const child = spawn(process.execPath, [tsx, join(ROOT, 'examples', file), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

const FAST: Record<string, { args?: string[]; env?: Record<string, string>; expect: RegExp[] }> = {
  'prerank_baseline.ts': { expect: [/Amazon Beauty \(bundled\): 22363 users/, /filter \(target retrieved\)/] },
  'reward_audit.ts': { env: { GR2_AUDIT_SLATES: '60' }, expect: [/## P1 conditional verifiable reward/, /\| copy_input \| valid \| 60 \|/] },
  'sid_beauty.ts': { env: { GR2_SID_ITERS: '2' }, expect: [/uniqueness/i, /collision-aware/] },
  'prompts.ts': { expect: [/GR2 prompt \(reasoning\): \d+ tokens/, /sftLoss on the sample/] },
  'rejection_sampling.ts': { args: ['--n', '12', '--out', join(dir, 'traces')], expect: [/checkpoint: \d+ accepted/, /wrote \d+ SFT conversations/] },
  'serving_reranker.ts': { expect: [/local model\s+source=(model|fallback)/, /server faults:/] },
  'dapo_listwise.ts': { args: ['--quick', '--steps', '3', '--seeds', '1', '--reward', 'conditional', '--out', join(dir, 'dapo')], expect: [/conditional/, /report:/] },
};

describe('examples (fast mode)', () => {
  it('every runnable example in examples/ has a fast mode here', () => {
    const runnable = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(runnable.sort()).toEqual(Object.keys(FAST).sort());
  });
  for (const [file, spec] of Object.entries(FAST)) {
    it(`${file} runs to the end`, async () => {
      const r = await runExample(file, spec.args ?? [], spec.env);
      expect(r.code, r.out.slice(-2000)).toBe(0);
      for (const re of spec.expect) expect(r.out).toMatch(re);
    }, 300_000);
  }
});
