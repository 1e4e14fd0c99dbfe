/**
 * The `gr2` command tree (commander).
 *
 * @packageDocumentation
 * @internal
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { contextOf, type CliContext } from './context.js';
import { errorLine, exitCodeOf } from './errors.js';
import { sidCommand } from './commands/sid.js';
import { slatesCommand } from './commands/slates.js';
import { evalCommand } from './commands/eval.js';
import { auditRewardCommand } from './commands/audit_reward.js';
import { demoCommand } from './commands/demo.js';
import { promptCommand } from './commands/prompt.js';
import { sampleCommand } from './commands/sample.js';
import { exportCommand } from './commands/export.js';

export type { Action } from './context.js';
import type { Action } from './context.js';

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Builds the program; `outcome.exitCode` holds the exit code after `parseAsync`. @internal */
export function createProgram(): { program: Command; outcome: { exitCode: number } } {
  const outcome = { exitCode: 0 };
  const action: Action = (name, body) =>
    async function (this: Command, ...args: unknown[]) {
      const cmd = args[args.length - 1] as Command;
      const ctx = contextOf(cmd);
      try {
        await body(ctx, args.slice(0, -1));
      } catch (e) {
        ctx.progress.stop();
        process.stderr.write(`${errorLine(name, e)}\n`);
        if (ctx.verbose && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
        outcome.exitCode = exitCodeOf(e);
      }
    };
  const program = new Command('gr2')
    .description('GR2 building blocks on the command line: semantic IDs, slates, prompts, teacher sampling, training-data export, evaluation, reward audits and the end-to-end demo')
    .version(version(), '-V, --version')
    .option('--json', 'machine-readable output: one JSON document on stdout')
    .option('--verbose', 'print the stack of an error')
    .option('--no-progress', 'no progress bars (they are off anyway when stderr is not a terminal)')
    .exitOverride()
    .enablePositionalOptions(false);
  const commands = [sidCommand(action), slatesCommand(action), promptCommand(action), sampleCommand(action), exportCommand(action), evalCommand(action), auditRewardCommand(action), demoCommand(action)];
  for (const c of commands) program.addCommand(c);
  // usage errors: one line `gr2 <command>: error: …` (commander's text), exit code 2 (see main.ts)
  const override = (c: Command) => {
    const path: string[] = [];
    for (let x: Command | null = c; x; x = x.parent) path.unshift(x.name());
    c.exitOverride();
    c.configureOutput({ outputError: (text, write) => write(`${path.join(' ')}: ${text.replace(/^error: option '([^']+)' argument '[^']*' is invalid\. (?=--)/, 'error: ')}`) });
    c.commands.forEach(override);
  };
  override(program);
  return { program, outcome };
}
