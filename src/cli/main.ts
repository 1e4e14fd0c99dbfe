#!/usr/bin/env node
/**
 * The `gr2` command line: `gr2 <command> --help` for each command.
 *
 * @packageDocumentation
 * @internal
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createProgram } from './program.js';

/** Runs the CLI on `argv` (as `process.argv`) and returns the exit code. @internal */
export async function main(argv: readonly string[]): Promise<number> {
  const { program, outcome } = createProgram();
  try {
    await program.parseAsync([...argv]);
  } catch (e) {
    // commander's own usage errors (exitOverride) land here, already printed
    const code = (e as { exitCode?: unknown; code?: unknown }).exitCode;
    if (typeof code === 'number') {
      const c = (e as { code?: string }).code;
      // --help / --version: 0; everything else (bad options, unknown command, no command: help on stderr): 2
      return c === 'commander.helpDisplayed' || c === 'commander.version' ? 0 : 2;
    }
    throw e;
  }
  return outcome.exitCode;
}

const self = fileURLToPath(import.meta.url);
const invoked = process.argv[1] ? safeRealpath(process.argv[1]) : '';
if (invoked === self || invoked === self.replace(/\.js$/, '.ts')) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`gr2: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}

function safeRealpath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}
