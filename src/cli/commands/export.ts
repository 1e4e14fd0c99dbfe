/**
 * `gr2 export`: accepted teacher traces (sampler checkpoints) → TRL conversational JSONL or verl RL Parquet.
 *
 * @packageDocumentation
 * @internal
 */
import { Command, Option } from 'commander';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { writeTrlJsonl } from '../../export/trl.js';
import { toVerlRow, writeVerlParquet } from '../../export/verl.js';
import { readCheckpoint } from '../../sampling/checkpoint.js';
import { DataFormatError } from '../../errors.js';
import { CliError, EXIT } from '../errors.js';
import { assertInputFile } from '../io.js';
import type { CliContext } from '../context.js';
import type { Action } from '../context.js';

type Format = 'messages' | 'prompt-completion' | 'verl';

interface ExportOptions {
  output: string;
  format: Format;
  dataSource: string;
  ability: string;
  split: string;
}

/** `checkpoint <path>: line N …` (the library's message) → `<path>:N: …`, exit 65. */
function checkpointError(e: DataFormatError): CliError {
  const m = /^checkpoint (.*): line (\d+) (.*)$/s.exec(e.message);
  return new CliError(m ? `${m[1]}:${m[2]}: ${m[3]}` : e.message, EXIT.dataError, { cause: e });
}

async function exportTraces(ctx: CliContext, checkpoints: string[], o: ExportOptions): Promise<void> {
  for (const c of checkpoints) assertInputFile(c, 'checkpoint');
  let contents;
  try {
    contents = readCheckpoint(checkpoints.length === 1 ? checkpoints[0]! : checkpoints);
  } catch (e) {
    if (e instanceof DataFormatError) throw checkpointError(e);
    throw e;
  }
  const { accepted, dropped, tornBytes } = contents;
  if (accepted.length === 0) throw new CliError(`${checkpoints.join(', ')}: no accepted traces to export`, EXIT.dataError);
  try {
    await mkdir(dirname(resolve(o.output)), { recursive: true });
  } catch (e) {
    throw new CliError(`cannot create the directory of '${o.output}': ${(e as Error).message}`, EXIT.cantCreate);
  }
  let written: { rows: number; bytes: number };
  try {
    written =
      o.format === 'verl'
        ? await writeVerlParquet(
            o.output,
            accepted.map((r, i) => toVerlRow(r, { index: i, dataSource: o.dataSource, ability: o.ability, split: o.split })),
          )
        : await writeTrlJsonl(o.output, accepted, { format: o.format });
  } catch (e) {
    // a record of the right status but the wrong shape (the writers name it as rows[i]…)
    if (e instanceof TypeError || e instanceof RangeError) throw new CliError(`${checkpoints.join(', ')}: ${e.message}`, EXIT.dataError, { cause: e });
    const code = (e as { code?: string }).code;
    if (typeof code === 'string' && /^E/.test(code)) throw new CliError(`cannot write '${o.output}': ${(e as Error).message}`, EXIT.cantCreate, { cause: e });
    throw e;
  }
  const result = { output: o.output, format: o.format, rows: written.rows, bytes: written.bytes, dropped: dropped.length, tornBytes };
  ctx.result(result, () =>
    `wrote ${written.rows} accepted traces (${o.format === 'verl' ? 'verl RL Parquet' : `TRL ${o.format} JSONL`}, ${written.bytes} bytes) to ${o.output}; ${dropped.length} dropped examples left out${tornBytes ? `; ${tornBytes} bytes of a torn last line ignored` : ''}`,
  );
}

/** Builds `gr2 export`. @internal */
export function exportCommand(action: Action): Command {
  return new Command('export')
    .description('export the accepted traces of sampler checkpoints (gr2 sample) as TRL conversational JSONL (SFT) or verl RL Parquet')
    .argument('<checkpoints...>', 'checkpoint JSONL files written by gr2 sample (e.g. one per shard); the last record of an id wins')
    .requiredOption('-o, --output <file>', 'where to write the dataset (.jsonl, or .parquet for verl)')
    .addOption(
      new Option('--format <format>', "TRL 'messages' ({messages}), TRL 'prompt-completion' ({prompt, completion}), or 'verl' (RL Parquet)")
        .choices(['messages', 'prompt-completion', 'verl'])
        .default('messages'),
    )
    .option('--data-source <name>', 'verl: data_source of every row', 'gr2/rerank')
    .option('--ability <name>', 'verl: ability of every row', 'rerank')
    .option('--split <name>', 'verl: extra_info.split of every row', 'train')
    .action(action('export', (ctx, [checkpoints, o]) => exportTraces(ctx, checkpoints as string[], o as ExportOptions)));
}
