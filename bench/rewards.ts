/**
 * Parse + conditional reward for 100k realistic GR2 completions vs `JSON.parse` of the same strings alone.
 *
 * Completions are built from real Amazon Beauty slates: `{"explanation": "<~600 chars citing 3 candidate SIDs>",
 * "recommendations": [10 SIDs]}`; 10% are wrapped in a ```json fence, 10% follow a <think> block, 5% have a duplicate,
 * 2% are truncated. Rows (median of 5 runs, same process):
 * - `JSON.parse` — native parse of each string, nothing else (the baseline);
 * - `parseRerankOutput (strict)` — locate the answer, parse, match SIDs to candidates, diagnostics;
 * - `parse + conditionalScore` — the trainer's per-completion path;
 * - `createConditionalReward() batch` — the batch Reward over fresh sample objects (parse cache cold), in one call of
 *   100k (its 100k results and their parse cache alive together) and in calls of 1,024 with one batch alive at a
 *   time, as a trainer calls it step by step (summed time of the calls);
 * - Python `json.loads` + permutation check (opt-in reference; skipped with a reason when unavailable).
 *
 * `GR2_BENCH_QUICK=1` uses 5k completions.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSlates, loadBeauty } from '../src/data/index.js';
import { indexCandidates, parseRerankOutput } from '../src/prompt/index.js';
import {
  conditionalScore,
  createConditionalReward,
  outputRank,
  renderRerankCompletion,
  samplesFromSlates,
  targetIndexOf,
  type RerankSample,
} from '../src/rewards/index.js';
import { Random } from '../src/sampling/random.js';
import { QUICK, medianMs, printTable, pythonAvailable, type BenchRow } from './_harness.js';

const N = QUICK ? 5_000 : 100_000;
const rng = new Random(1234);
const { sequences } = await loadBeauty();
const slates = buildSlates(sequences.slice(0, Math.min(sequences.length, N))).slates;
const base = samplesFromSlates(slates);
const words = 'the user bought a moisturizer and a cleanser so a toner or serum is the natural next step in the routine'.split(' ');

const samples: RerankSample[] = [];
for (let i = 0; i < N; i++) {
  const b = base[i % base.length]!;
  const order = rng.permutation(b.candidates.length);
  let ranking = order.map((j) => b.candidates[j]!);
  const u = rng.random();
  if (u < 0.05) ranking = [...ranking.slice(0, -1), ranking[0]!];
  let explanation = '';
  while (explanation.length < 600) {
    explanation += words[rng.int(words.length)]! + ' ';
    if (rng.random() < 0.03) explanation += b.candidates[rng.int(b.candidates.length)]! + ' ';
  }
  let text = renderRerankCompletion(ranking, { explanation });
  if (u >= 0.05 && u < 0.07) text = text.slice(0, Math.floor(text.length * 0.8));
  else if (u >= 0.07 && u < 0.17) text = '```json\n' + text + '\n```';
  else if (u >= 0.17 && u < 0.27) text = '<think>Step 1: product types. Step 2: complements.</think>\n' + text;
  samples.push({ ...b, completion: text });
}
const texts = samples.map((s) => s.completion);
const targets = samples.map((s) => targetIndexOf(s));
const indexes = samples.map((s) => indexCandidates(s.candidates));
const avgLen = texts.reduce((a, t) => a + t.length, 0) / N;
console.log(`${N} completions from ${slates.length} Amazon Beauty slates, mean length ${avgLen.toFixed(0)} chars`);

let sink = 0;
const rows: BenchRow[] = [];
rows.push({
  name: 'JSON.parse',
  ms: await medianMs(() => {
    for (const t of texts) {
      try {
        sink += (JSON.parse(t) as { recommendations?: unknown[] }).recommendations?.length ?? 0;
      } catch {
        sink--;
      }
    }
  }),
  note: 'baseline (throws on fenced / think / truncated text)',
});
rows.push({
  name: 'parseRerankOutput (strict)',
  ms: await medianMs(() => {
    for (let i = 0; i < N; i++) sink += parseRerankOutput(texts[i]!, indexes[i]!).valid ? 1 : 0;
  }),
});
rows.push({
  name: 'parse + conditionalScore',
  ms: await medianMs(() => {
    for (let i = 0; i < N; i++) {
      const r = parseRerankOutput(texts[i]!, indexes[i]!);
      const k = indexes[i]!.size;
      sink += conditionalScore(targets[i]! + 1, outputRank(r.order, targets[i]!, k), k);
    }
  }),
  note: 'trainer path',
});
const reward = createConditionalReward();
// Fresh sample objects for each run (warm-up + 5), built outside the timed region so that the parse cache cannot
// serve a later run, and one batch alive at a time, as in a trainer (six batches of 100k objects alive at once made
// every collection in the timed region slower).
rows.push({
  name: 'createConditionalReward() batch',
  ms: await medianMs(
    (fresh: RerankSample[]) => {
      for (const v of reward(fresh)) sink += v ?? 0;
    },
    5,
    1,
    () => samples.map((s) => ({ ...s })),
  ),
  note: 'the batch Reward, one call of 100k (parse cache cold)',
});
// As a trainer calls it: one step's batch at a time, each built (untimed) just before its call and dropped after,
// so that only one batch and its parse cache are alive; the time is the sum of the calls.
const STEP = 1024;
const stepped = (): number => {
  let total = 0;
  for (let j = 0; j < N; j += STEP) {
    const batch = samples.slice(j, j + STEP).map((s) => ({ ...s }));
    const t0 = performance.now();
    for (const v of reward(batch)) sink += v ?? 0;
    total += performance.now() - t0;
  }
  return total;
};
stepped(); // warm-up
const steppedTimes = Array.from({ length: 5 }, stepped).sort((a, b) => a - b);
rows.push({
  name: `createConditionalReward() batches of ${STEP}`,
  ms: steppedTimes[2]!,
  note: `the same ${N / 1000}k samples, ${STEP} per call, one batch alive at a time (as a trainer's steps)`,
});

const py = pythonAvailable(['json']);
if (!py.ok) rows.push({ name: 'python json.loads + perm check', ms: null, note: `skipped: ${py.reason}` });
else {
  const dir = mkdtempSync(join(tmpdir(), 'gr2-bench-rewards-'));
  try {
    writeFileSync(join(dir, 'c.jsonl'), samples.map((s) => JSON.stringify([s.completion, s.candidates])).join('\n'));
    const script = `
import json, time, statistics
rows = [json.loads(l) for l in open(${JSON.stringify(join(dir, 'c.jsonl'))})]
def run():
    ok = 0
    for text, cands in rows:
        try:
            rec = json.loads(text)["recommendations"]
        except Exception:
            continue
        ok += len(rec) == len(cands) and set(rec) == set(cands)
    return ok
run()
ts = []
for _ in range(5):
    t0 = time.perf_counter(); run(); ts.append((time.perf_counter() - t0) * 1000)
print(statistics.median(ts))
`;
    const r = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
    if (r.status === 0) rows.push({ name: 'python json.loads + perm check', ms: Number(r.stdout.trim()), note: 'reference (plain JSON only)' });
    else rows.push({ name: 'python json.loads + perm check', ms: null, note: `skipped: ${r.stderr.trim().split('\n').pop()}` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
printTable(`Parse + conditional reward, ${N} completions (median of 5)`, rows, 'JSON.parse');
const us = (name: string): string => {
  const ms = rows.find((r) => r.name === name)?.ms;
  return ms == null ? '-' : ((1000 * ms) / N).toFixed(2);
};
console.log(`\nper completion: JSON.parse ${us('JSON.parse')} µs, parse + reward ${us('parse + conditionalScore')} µs (sink ${sink > 0 ? '+' : '-'})`);
