/**
 * `gr2 audit-reward`: the reward-hacking audit of a reward module on slates.
 *
 * @packageDocumentation
 * @internal
 */
import { Command } from 'commander';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { auditReward, formatAuditReport } from '../../rewards/audit.js';
import { createConditionalReward, createNaiveReward } from '../../rewards/factories.js';
import type { RerankSample, Reward } from '../../rewards/types.js';
import { CliError, EXIT } from '../errors.js';
import { assertInputFile, intOption } from '../io.js';
import { readSlates } from '../slate_files.js';
import type { CliContext } from '../context.js';
import type { Action } from '../context.js';

const BUILTIN: Record<string, () => Reward<RerankSample>> = {
  conditional: () => createConditionalReward(),
  naive: () => createNaiveReward(),
};

/** Loads a reward: `builtin:conditional` / `builtin:naive`, or a module's export (default, `reward`, or `--export`). @internal */
export async function loadReward(spec: string, exportName?: string): Promise<Reward<RerankSample>> {
  if (spec.startsWith('builtin:')) {
    const make = BUILTIN[spec.slice(8)];
    if (!make) throw new CliError(`<reward> ${JSON.stringify(spec)} is not a built-in reward; use builtin:conditional or builtin:naive`, EXIT.usage);
    return make();
  }
  const path = resolve(spec);
  assertInputFile(path, 'reward module');
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    throw new CliError(`reward module '${spec}' failed to load: ${(e as Error).message}`, EXIT.dataError, { cause: e });
  }
  const names = exportName ? [exportName] : ['default', 'reward'];
  for (const n of names) if (typeof mod[n] === 'function') return mod[n] as Reward<RerankSample>;
  throw new CliError(
    `reward module '${spec}' exports no reward function as ${names.map((n) => `'${n}'`).join(' or ')} (exports: ${Object.keys(mod).join(', ') || 'none'})`,
    EXIT.dataError,
  );
}

async function audit(ctx: CliContext, rewardSpec: string, o: { slates: string; export?: string; maxSlates: number; seed: number; strict?: boolean }) {
  assertInputFile(o.slates, 'slates file');
  const reward = await loadReward(rewardSpec, o.export);
  const slates = await readSlates(o.slates, o.maxSlates);
  const report = await auditReward(reward, slates, { maxSlates: o.maxSlates, seed: o.seed });
  ctx.result(report, () => formatAuditReport(report));
  if (o.strict && Object.values(report.passed).some((p) => p === false)) {
    throw new CliError(`reward '${report.reward}' was flagged: ${report.findings.map((f) => f.check).join(', ')}`, EXIT.failure);
  }
}

/** Builds `gr2 audit-reward`. @internal */
export function auditRewardCommand(action: Action): Command {
  return new Command('audit-reward')
    .description('audit a reward for reward hacking (order copying, invalid above valid, monotonicity, position dependence)')
    .argument('<reward>', 'a JS module exporting the reward (default export or `reward`), or builtin:conditional / builtin:naive')
    .requiredOption('-s, --slates <file>', 'slates (JSON lines, as written by gr2 slates)')
    .option('--export <name>', 'the export that holds the reward')
    .option('--max-slates <n>', 'slates to audit', intOption('--max-slates', 1), 500)
    .option('--seed <n>', 'seed of the random strategies', intOption('--seed', 0), 1234)
    .option('--strict', 'exit 1 when a check flags the reward')
    .action(action('audit-reward', (ctx, [reward, o]) => audit(ctx, reward as string, o as never)));
}
