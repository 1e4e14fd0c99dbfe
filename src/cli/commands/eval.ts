/**
 * `gr2 eval`: run + qrels files → a metrics table with bootstrap intervals, and a paired comparison with a baseline run.
 *
 * @packageDocumentation
 * @internal
 */
import { Command } from 'commander';
import { compareEvaluations, evaluate, parseMetric, type EvaluationResult } from '../../metrics/evaluate.js';
import { CliError, EXIT } from '../errors.js';
import { intOption } from '../io.js';
import { rankDocs, readQrels, readRun, type DocScores } from '../run_files.js';
import type { CliContext } from '../context.js';
import type { Action } from '../context.js';

const TREC_NAMES: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^ndcg_cut_(\d+)$/i, (m) => `ndcg@${m[1]}`],
  [/^P_(\d+)$/, (m) => `precision@${m[1]}`],
  [/^recall_(\d+)$/i, (m) => `recall@${m[1]}`],
  [/^success_(\d+)$/i, (m) => `hit@${m[1]}`],
  [/^recip_rank$/i, () => 'mrr'],
];

/** Maps a metric name (gr2's `ndcg@5`, or trec_eval's `ndcg_cut_5`, `P_5`, `recall_5`, `success_5`, `recip_rank`) to gr2's. @internal */
export function normalizeMetric(name: string): string {
  for (const [re, f] of TREC_NAMES) {
    const m = re.exec(name.trim());
    if (m) return f(m);
  }
  try {
    return parseMetric(name).key;
  } catch {
    throw new CliError(
      `--metric ${JSON.stringify(name)} is not a known metric; use recall@k, ndcg@k, hit@k, precision@k, mrr[@k], auc (or trec_eval's ndcg_cut_k, P_k, recall_k, success_k, recip_rank)`,
      EXIT.usage,
    );
  }
}

interface EvalOptions {
  run: string;
  qrels: string;
  metric: string[];
  baseline?: string;
  ci: number;
  seed: number;
  complete?: boolean;
}

function rankings(run: DocScores, queries: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const q of queries) out[q] = run.has(q) ? rankDocs(run.get(q)!) : [];
  return out;
}

const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : 'n/a');

async function runEval(ctx: CliContext, o: EvalOptions): Promise<void> {
  const metrics = [...new Set(o.metric.map(normalizeMetric))];
  const run = await readRun(o.run);
  const qrels = await readQrels(o.qrels);
  const baseline = o.baseline ? await readRun(o.baseline) : null;
  // trec_eval's query set: judged queries that the run answers (all judged queries with --complete, as trec_eval -c)
  const queries = [...qrels.keys()].filter((q) => o.complete || run.has(q));
  if (queries.length === 0) throw new CliError(`no query of '${o.run}' is judged in '${o.qrels}'`, EXIT.dataError);
  const qrelObj: Record<string, Record<string, number>> = {};
  for (const q of queries) qrelObj[q] = Object.fromEntries(qrels.get(q)!);
  const ci = o.ci > 0 ? { samples: o.ci, seed: o.seed } : false;
  const options = { ci };
  const a = evaluate(rankings(run, queries), qrelObj, metrics, options);
  let b: EvaluationResult | null = null;
  let comparison = null;
  if (baseline) {
    b = evaluate(rankings(baseline, queries), qrelObj, metrics, options);
    comparison = compareEvaluations(a, b, { method: 'bootstrap', samples: Math.max(o.ci, 1000), seed: o.seed });
  }
  const result = {
    run: o.run,
    qrels: o.qrels,
    baseline: o.baseline ?? null,
    queries: queries.length,
    unjudgedRunQueries: [...run.keys()].filter((q) => !qrels.has(q)).length,
    metrics: Object.fromEntries(
      metrics.map((m) => [
        m,
        {
          mean: a.mean[m],
          ci: a.ci?.[m] ?? null,
          n: a.count[m],
          ...(b ? { baseline: b.mean[m], baselineCi: b.ci?.[m] ?? null, comparison: comparison![m] } : {}),
        },
      ]),
    ),
    perQuery: Object.fromEntries(metrics.map((m) => [m, Object.fromEntries(queries.map((q, i) => [q, a.perQuery[m]![i]]))])),
  };
  ctx.result(result, () => {
    const lines = [`${queries.length} queries (${o.run} vs ${o.qrels})`];
    const ciHead = ci ? ' | 95 % CI' : '';
    if (!b) {
      lines.push(`metric${' '.repeat(8)} | mean${ciHead}`);
      for (const m of metrics) lines.push(`${m.padEnd(14)} | ${f4(a.mean[m]!)}${a.ci ? ` | [${f4(a.ci[m]![0])}, ${f4(a.ci[m]![1])}]` : ''}`);
    } else {
      lines.push(`metric${' '.repeat(8)} | run    | baseline | Δ       | Δ 95 % CI          | p (paired bootstrap)`);
      for (const m of metrics) {
        const c = comparison![m]!;
        lines.push(`${m.padEnd(14)} | ${f4(c.meanA)} | ${f4(c.meanB)}   | ${(c.difference >= 0 ? '+' : '') + f4(c.difference)} | [${f4(c.ci[0])}, ${f4(c.ci[1])}] | ${f4(c.pValue)}`);
      }
    }
    return lines.join('\n');
  });
}

/** Builds `gr2 eval`. @internal */
export function evalCommand(action: Action): Command {
  return new Command('eval')
    .description('evaluate a run against judgments (TREC run/qrels files or ranx / pytrec_eval JSON {query: {doc: score}})')
    .requiredOption('-r, --run <file>', 'the run: TREC (qid Q0 doc rank score tag) or JSON {query: {doc: score}}')
    .requiredOption('-q, --qrels <file>', 'the judgments: TREC (qid iter doc rel) or JSON {query: {doc: grade}}')
    .option('-m, --metric <name...>', 'metrics: recall@k, ndcg@k, hit@k, precision@k, mrr, auc, or trec_eval names (ndcg_cut_5, P_5, …)', ['recall@1', 'recall@5', 'ndcg@5', 'mrr'])
    .option('-b, --baseline <file>', 'a second run to compare with (paired bootstrap test on the same queries)')
    .option('--ci <samples>', 'bootstrap samples for the 95 % intervals (0 = none)', intOption('--ci', 0, 1_000_000), 1000)
    .option('--seed <n>', 'seed of the bootstrap', intOption('--seed', 0), 1)
    .option('-c, --complete', 'also score judged queries the run does not answer, as 0 (trec_eval -c)')
    .action(action('eval', (ctx, [o]) => runEval(ctx, o as EvalOptions)));
}
