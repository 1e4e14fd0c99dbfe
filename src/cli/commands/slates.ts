/**
 * `gr2 slates`: pre-ranked re-ranking slates from a sequence file, and the pre-rank baseline.
 *
 * @packageDocumentation
 * @internal
 */
import { Command, Option } from 'commander';
import { loadSequences } from '../../data/load.js';
import { buildSlates } from '../../data/slates.js';
import { evaluateRanks } from '../../metrics/evaluate.js';
import { assertInputFile, intOption, writeAtomically } from '../io.js';
import { dataError } from '../errors.js';
import { DataFormatError } from '../../errors.js';
import type { CliContext } from '../context.js';
import type { Action } from '../context.js';

interface SlatesOptions {
  output: string;
  k: number;
  split: 'test' | 'validation';
  policy: 'inject' | 'filter';
  seed: number;
  limit?: number;
}

const METRICS = ['recall@1', 'recall@5', 'ndcg@5'];

async function slates(ctx: CliContext, sequencesPath: string, o: SlatesOptions): Promise<void> {
  assertInputFile(sequencesPath, 'sequences file');
  let dataset;
  try {
    dataset = await loadSequences(sequencesPath);
  } catch (e) {
    if (e instanceof DataFormatError) throw dataError(sequencesPath, null, e.message.replace(/^loadSequences: /, ''));
    throw e;
  }
  const { slates: all, stats } = buildSlates(dataset, { k: o.k, split: o.split, policy: o.policy, seed: o.seed });
  const out = o.limit === undefined ? all : all.slice(0, o.limit);
  ctx.progress.start(out.length, 'writing slates');
  await writeAtomically(o.output, async (w) => {
    for (let i = 0; i < out.length; i++) {
      await w.write(`${JSON.stringify(out[i])}\n`);
      if (i % 1000 === 999) ctx.progress.update(i + 1);
    }
  });
  ctx.progress.stop();
  const ranked = out.filter((s) => s.targetRank !== null);
  const baseline = ranked.length
    ? evaluateRanks(Int32Array.from(ranked, (s) => s.targetRank!), METRICS, { listSize: o.k, ci: { samples: 1000, seed: 1 } })
    : null;
  const result = {
    output: o.output,
    users: dataset.numUsers,
    items: dataset.numItems,
    slates: out.length,
    stats,
    prerank: baseline ? { mean: baseline.mean, ci: baseline.ci } : null,
  };
  ctx.result(result, () =>
    [
      `${dataset.numUsers} users, ${dataset.numItems} items → ${out.length} '${o.policy}' slates of K = ${o.k} (${o.split} split; target retrieved for ${(100 * stats.retrievalRate).toFixed(1)} %); wrote ${o.output}`,
      baseline ? `pre-rank baseline: ${METRICS.map((m) => `${m} ${baseline.mean[m]!.toFixed(4)} [${baseline.ci![m]![0].toFixed(4)}, ${baseline.ci![m]![1].toFixed(4)}]`).join(', ')}` : 'no slate holds its target',
    ].join('\n'),
  );
}

/** Builds `gr2 slates`. @internal */
export function slatesCommand(action: Action): Command {
  return new Command('slates')
    .description('build pre-ranked re-ranking slates (JSON lines) from a sequence file "user item item …", with the pre-rank baseline')
    .argument('<sequences>', 'one user per line: user_id item_id item_id … (chronological, ids 1-based)')
    .requiredOption('-o, --output <file>', 'where to write the slates (JSON lines)')
    .option('-k, --k <n>', 'candidates per slate', intOption('--k', 2, 1000), 10)
    .addOption(new Option('--split <split>', 'held-out item: last (test) or second to last (validation)').choices(['test', 'validation']).default('test'))
    .addOption(new Option('--policy <policy>', "a target the pre-ranker missed: 'inject' it, or 'filter' the slate").choices(['inject', 'filter']).default('inject'))
    .option('--seed <n>', 'random seed', intOption('--seed', 0), 1234)
    .option('--limit <n>', 'write at most n slates', intOption('--limit', 1))
    .action(action('slates', (ctx, [sequences, o]) => slates(ctx, sequences as string, o as SlatesOptions)));
}
