/** examples/rejection_sampling.ts runs end to end against the local faulty server, and resumes. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('examples/rejection_sampling.ts', () => {
  it('samples 40 users through the faulty local server, exports, and resumes without redoing work', () => {
    const out = mkdtempSync(join(tmpdir(), 'gr2-example-rs-'));
    try {
      const run = () =>
        spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'examples', 'rejection_sampling.ts'), '--n', '40', '--out', out], {
          encoding: 'utf8',
          cwd: root,
        });
      const first = run();
      expect(first.status, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/40 examples \(0 already in/);
      const m = /checkpoint: (\d+) accepted, (\d+) dropped/.exec(first.stdout)!;
      expect(Number(m[1]) + Number(m[2])).toBe(40);
      const sft = readFileSync(join(out, 'sft.jsonl'), 'utf8').trim().split('\n');
      expect(sft).toHaveLength(Number(m[1]));
      expect((JSON.parse(sft[0]!) as { messages: { role: string }[] }).messages.map((x) => x.role)).toEqual(['system', 'user', 'assistant']);
      const second = run();
      expect(second.status, second.stderr).toBe(0);
      expect(second.stdout).toMatch(/40 examples \(40 already in/);
      expect(second.stdout).toMatch(/requests 0,/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
