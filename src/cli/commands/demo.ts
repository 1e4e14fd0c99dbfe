/**
 * `gr2 demo`: the GR2 pipeline end to end on the bundled Amazon Beauty data → `out/report.html` and `out/summary.json`.
 *
 * @packageDocumentation
 * @internal
 */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../../sid/persistence.js';
import { chartLibraryVersions } from '../../demo/charts.js';
import { runDemo } from '../../demo/pipeline.js';
import { buildReport } from '../../demo/report.js';
import { CliError, EXIT } from '../errors.js';
import { intOption } from '../io.js';
import { jsonReplacer, type CliContext } from '../context.js';
import type { Action } from '../context.js';

function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

async function demo(ctx: CliContext, o: { out: string; seed: number; quick?: boolean; steps?: number; maxUsers?: number; samplingExamples?: number; servingSlates?: number }) {
  const started = performance.now();
  const out = resolve(o.out);
  // load the chart libraries first: a missing optional dependency fails before minutes of work
  const chartVersions = await chartLibraryVersions();
  try {
    await mkdir(out, { recursive: true });
  } catch (e) {
    throw new CliError(`cannot create --out directory '${o.out}': ${(e as Error).message}`, EXIT.cantCreate);
  }
  const summary = await runDemo({ seed: o.seed, quick: o.quick === true, steps: o.steps, maxUsers: o.maxUsers, samplingExamples: o.samplingExamples, servingSlates: o.servingSlates, progress: ctx.progress, log: (l) => ctx.info(l) });
  const versions = { gr2: packageVersion(), node: process.version, 'onnxruntime-node': summary.backend.version ?? 'n/a', ...chartVersions };
  const settings = { seed: o.seed, quick: o.quick === true, steps: summary.rl.steps, maxUsers: o.maxUsers ?? null, samplingExamples: summary.sampling?.settings.examples ?? null, servingSlates: summary.serving?.slates ?? null, backend: `${summary.backend.name} (${summary.backend.device})`, versions };
  const html = await buildReport(summary, settings);
  const doc = { settings, ...summary, timings: { ...summary.timings, totalSeconds: Math.round(performance.now() - started) / 1000 } };
  const enc = new TextEncoder();
  await writeFileAtomic(join(out, 'summary.json'), enc.encode(`${JSON.stringify(doc, jsonReplacer, 2)}\n`));
  await writeFileAtomic(join(out, 'report.html'), enc.encode(html));
  ctx.result({ report: join(out, 'report.html'), summary: join(out, 'summary.json'), seconds: doc.timings.totalSeconds }, () =>
    `done in ${doc.timings.totalSeconds.toFixed(1)} s; report ${join(out, 'report.html')}, summary ${join(out, 'summary.json')}`,
  );
}

/** Builds `gr2 demo`. @internal */
export function demoCommand(action: Action): Command {
  return new Command('demo')
    .description('run the GR2 pipeline end to end on the bundled Amazon Beauty data; writes report.html and summary.json')
    .option('-o, --out <dir>', 'output directory', 'out')
    .option('--seed <n>', 'random seed (same seed, same numbers)', intOption('--seed', 0), 1234)
    .option('--quick', 'a smaller run (CI fast mode)')
    .option('--steps <n>', 'RL steps (default 200, 40 with --quick)', intOption('--steps', 1, 100000))
    .option('--sampling-examples <n>', 'teacher examples of the rejection-sampling stage (default 24, 6 with --quick)', intOption('--sampling-examples', 1, 10000))
    .option('--serving-slates <n>', 'slates of the serving re-ranker stage (default 24, 8 with --quick)', intOption('--serving-slates', 1, 10000))
    .option('--max-users <n>', 'use only the first n users of the data (a smoke-test size)', intOption('--max-users', 100))
    .action(action('demo', (ctx, [o]) => demo(ctx, o as never)));
}
