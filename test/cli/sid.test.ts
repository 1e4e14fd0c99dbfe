/**
 * `gr2 sid train|encode|stats|export-onnx`, run as the built binary on small real files: outputs checked against
 * hand-computed references (greedy residual nearest-centroid codes, a fresh onnxruntime-node session, SIDs counted
 * in the test), and bad input → one error line, a non-zero exit code, nothing written.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResidualQuantizer } from '../../src/sid/residual_quantizer.js';
import { Random } from '../../src/sampling/random.js';
import { ensureBuilt, errorLines, gr2 } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'gr2-cli-sid-'));
const N = 240;
const D = 6;
const vectors: number[][] = [];
const p = (f: string) => join(dir, f);

beforeAll(async () => {
  const rng = new Random(7);
  // anisotropic Gaussian item vectors (4 levels × 8 codes: 512 prefixes, so a collision-aware last level exists)
  for (let i = 0; i < N; i++) vectors.push(Array.from({ length: D }, (_, j) => (3 - j / 3) * rng.gauss()));
  writeFileSync(p('vectors.jsonl'), vectors.map((v, i) => JSON.stringify({ id: 1000 + i, vector: v })).join('\n') + '\n');
  await ensureBuilt();
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const readJsonl = (f: string) => readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: number; codes: number[]; sid: string });

/** Greedy residual quantization by hand: nearest centroid per level, subtract, repeat. */
function greedyCodes(rq: ResidualQuantizer, x: readonly number[]): number[] {
  const r = [...x];
  return rq.codebooks.map((book) => {
    const [C, d] = book.dims as [number, number];
    let best = -1;
    let bestDist = Infinity;
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (r[j]! - book.data[c * d + j]!) ** 2;
      if (s < bestDist) [best, bestDist] = [c, s];
    }
    for (let j = 0; j < d; j++) r[j]! -= book.data[best * d + j]!;
    return best;
  });
}

describe('gr2 sid', () => {
  it('train → encode --last-level greedy gives the hand-computed residual codes; --json reports the MSE of those codes', async () => {
    const t = await gr2(['--json', 'sid', 'train', p('vectors.jsonl'), '-o', p('rq.bin'), '--levels', '4', '--codebook-size', '8', '--iterations', '10', '--seed', '3']);
    expect(t.stderr).not.toMatch(/error/);
    expect(t.code, t.stderr).toBe(0);
    expect(t.code).toBe(0);
    const report = JSON.parse(t.stdout);
    expect(report).toMatchObject({ vectors: N, dim: D, levels: 4, codebookSize: 8 });
    const rq = await ResidualQuantizer.load(p('rq.bin'));
    const expected = vectors.map((v) => greedyCodes(rq, v));
    // MSE of the greedy reconstruction, by hand
    let se = 0;
    vectors.forEach((v, i) => {
      const rec = new Array(D).fill(0);
      expected[i]!.forEach((c, l) => rq.codebooks[l]!.data.subarray(c * D, (c + 1) * D).forEach((x, j) => (rec[j] += x)));
      se += v.reduce((s, x, j) => s + (x - rec[j]) ** 2, 0);
    });
    expect(report.reconstructionMse).toBeCloseTo(se / N, 4);

    const e = await gr2(['sid', 'encode', p('vectors.jsonl'), '-m', p('rq.bin'), '-o', p('greedy.jsonl'), '--last-level', 'greedy']);
    expect(e.code).toBe(0);
    const rows = readJsonl(p('greedy.jsonl'));
    expect(rows.map((r) => r.id)).toEqual(vectors.map((_, i) => 1000 + i));
    expect(rows.map((r) => r.codes)).toEqual(expected);
    expect(rows[0]!.sid).toBe(`<|sid_begin|><s_a_${expected[0]![0]}><s_b_${expected[0]![1]}><s_c_${expected[0]![2]}><s_d_${expected[0]![3]}><|sid_end|>`);
  });

  it('encode (collision-aware) → unique SIDs; stats agrees with SIDs counted here', async () => {
    const e = await gr2(['sid', 'encode', p('vectors.jsonl'), '-m', p('rq.bin'), '-o', p('sids.jsonl')]);
    expect(e.code).toBe(0);
    expect(e.stdout).toMatch(/uniqueness 100\.00 %/);
    const rows = readJsonl(p('sids.jsonl'));
    expect(new Set(rows.map((r) => r.sid)).size).toBe(N);
    const greedy = readJsonl(p('greedy.jsonl'));
    const s = await gr2(['sid', 'stats', p('greedy.jsonl'), '--codebook-size', '8', '--json']);
    expect(s.code).toBe(0);
    const stats = JSON.parse(s.stdout);
    const distinct = new Set(greedy.map((r) => r.codes.join(','))).size;
    expect(stats.items).toBe(N);
    expect(stats.distinct).toBe(distinct);
    expect(stats.uniqueness).toBeCloseTo(distinct / N, 12);
    for (let l = 0; l < 4; l++) {
      const counts = new Array(8).fill(0);
      for (const r of greedy) counts[r.codes[l]!]++;
      expect(stats.levels[l].counts).toEqual(counts);
      expect(stats.levels[l].used).toBe(counts.filter((c) => c > 0).length);
    }
    const human = await gr2(['sid', 'stats', p('greedy.jsonl')]);
    expect(human.stdout).toMatch(/^items 240, distinct SIDs \d+, uniqueness/);
  });

  it('export-onnx → a model that a fresh onnxruntime-node session runs to the greedy codes', async () => {
    const x = await gr2(['sid', 'export-onnx', '-m', p('rq.bin'), '-o', p('rq.onnx')]);
    expect(x.code).toBe(0);
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(p('rq.onnx'));
    const out = await session.run({ vectors: new ort.Tensor('float32', Float32Array.from(vectors.flat()), [N, D]) });
    const greedy = readJsonl(p('greedy.jsonl'));
    expect(Array.from(out.codes!.data as Int32Array)).toEqual(greedy.flatMap((r) => r.codes));
    await session.release();
  });

  it('--help works for every sid subcommand', async () => {
    for (const sub of [[], ['train'], ['encode'], ['stats'], ['export-onnx']]) {
      const h = await gr2(['sid', ...sub, '--help']);
      expect(h.code).toBe(0);
      expect(h.stdout).toMatch(/^Usage: gr2 sid/);
    }
  });

  describe('bad input → one error line naming the file or option, non-zero exit, nothing written', () => {
    const before = () => new Set(readdirSync(dir));
    const expectNothingNew = (was: Set<string>) => expect(readdirSync(dir).filter((f) => !was.has(f))).toEqual([]);

    it('a missing vectors file → exit 66', async () => {
      const was = before();
      const r = await gr2(['sid', 'train', p('nope.jsonl'), '-o', p('out.bin')]);
      expect(r.code).toBe(66);
      expect(errorLines(r)).toEqual([`gr2 sid train: error: vectors file '${p('nope.jsonl')}': no such file`]);
      expectNothingNew(was);
    });

    it('wrong dimensions on line 3 → exit 65 naming file:line', async () => {
      writeFileSync(p('ragged.jsonl'), '{"id":1,"vector":[1,2,3]}\n{"id":2,"vector":[1,2,4]}\n{"id":3,"vector":[1,2,3,4,5]}\n');
      const was = before();
      const r = await gr2(['sid', 'train', p('ragged.jsonl'), '-o', p('out.bin'), '--codebook-size', '2']);
      expect(r.code).toBe(65);
      expect(errorLines(r)).toEqual([`gr2 sid train: error: ${p('ragged.jsonl')}:3: wrong dimensions: the vector has 5 values; expected 3 (as on line 1)`]);
      expectNothingNew(was);
    });

    it('vectors of another dimension than the model → exit 65; the output is not created', async () => {
      writeFileSync(p('dim4.jsonl'), '{"id":1,"vector":[1,2,3,4]}\n');
      const r = await gr2(['sid', 'encode', p('dim4.jsonl'), '-m', p('rq.bin'), '-o', p('enc.jsonl')]);
      expect(r.code).toBe(65);
      expect(errorLines(r)).toHaveLength(1);
      expect(r.stderr).toMatch(/dim4\.jsonl:1: wrong dimensions: the vector has 4 values; expected 6 \(the dimension of the model\)/);
      expect(existsSync(p('enc.jsonl'))).toBe(false);
    });

    it('malformed JSON, a non-finite value, a garbage model file → exit 65 with one line each', async () => {
      writeFileSync(p('bad.jsonl'), '{"id":1,"vector":[1,2]}\n{"id":2,"vector":[1,\n');
      writeFileSync(p('nan.jsonl'), '{"id":1,"vector":[1,"x"]}\n');
      writeFileSync(p('garbage.bin'), 'not a model');
      const cases = [
        [['sid', 'train', p('bad.jsonl'), '-o', p('o.bin')], /bad\.jsonl:2: not valid JSON/],
        [['sid', 'train', p('nan.jsonl'), '-o', p('o.bin')], /nan\.jsonl:1: vector\[1\] must be a finite number; got "x"/],
        [['sid', 'export-onnx', '-m', p('garbage.bin'), '-o', p('o.onnx')], /garbage\.bin: not a gr2 quantizer file/],
      ] as const;
      for (const [args, re] of cases) {
        const r = await gr2(args);
        expect(r.code).toBe(65);
        expect(errorLines(r)).toHaveLength(1);
        expect(r.stderr).toMatch(re);
      }
      expect(existsSync(p('o.bin')) || existsSync(p('o.onnx'))).toBe(false);
    });

    it('usage errors → exit 2: a bad option value, a missing required option, an unknown option', async () => {
      const bad = await gr2(['sid', 'train', p('vectors.jsonl'), '-o', p('o.bin'), '--levels', 'three']);
      expect(bad.code).toBe(2);
      expect(errorLines(bad)).toEqual(['gr2 sid train: error: --levels must be an integer in [1, 16]; got "three".']);
      const missing = await gr2(['sid', 'train', p('vectors.jsonl')]);
      expect(missing.code).toBe(2);
      expect(errorLines(missing)).toEqual(["gr2 sid train: error: required option '-o, --output <file>' not specified"]);
      const unknown = await gr2(['sid', 'stats', p('sids.jsonl'), '--bogus']);
      expect(unknown.code).toBe(2);
      expect(errorLines(unknown)).toEqual(["gr2 sid stats: error: unknown option '--bogus'"]);
      expect(existsSync(p('o.bin'))).toBe(false);
    });

    it('--verbose adds the stack', async () => {
      const r = await gr2(['--verbose', 'sid', 'stats', p('nan.jsonl')]);
      expect(r.code).toBe(65);
      expect(errorLines(r).length).toBeGreaterThan(1);
      expect(r.stderr).toMatch(/\n\s+at /);
    });
  });
});
