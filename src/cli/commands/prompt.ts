/**
 * `gr2 prompt`: GR2 re-ranking prompts (chat messages) for every slate of a slates file.
 *
 * @packageDocumentation
 * @internal
 */
import { Command } from 'commander';
import { samplesFromSlates } from '../../prompt/samples.js';
import { dataError } from '../errors.js';
import { assertInputFile, intOption, readJsonl, writeAtomically } from '../io.js';
import { readSlates } from '../slate_files.js';
import type { CliContext } from '../context.js';
import type { Action } from '../context.js';

interface PromptOptions {
  output: string;
  sids?: string;
  reasoning: boolean;
  shuffleSeed?: number;
  limit?: number;
}

/** Reads a SIDs file written by `gr2 sid encode`: item id → codes. @internal */
export async function readSidMap(path: string): Promise<Map<number, number[]>> {
  assertInputFile(path, 'SIDs file');
  const map = new Map<number, number[]>();
  for await (const { value, n } of readJsonl(path)) {
    const { id, codes } = (value ?? {}) as { id?: unknown; codes?: unknown };
    if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw dataError(path, n, `"id" must be an integer item id; got ${JSON.stringify(id)}`);
    if (!Array.isArray(codes) || !codes.every((c) => Number.isInteger(c) && c >= 0)) throw dataError(path, n, '"codes" must be an array of non-negative integers');
    map.set(id, codes as number[]);
  }
  return map;
}

async function prompt(ctx: CliContext, slatesPath: string, o: PromptOptions): Promise<void> {
  const slates = await readSlates(slatesPath, o.limit ?? Infinity);
  const sidMap = o.sids ? await readSidMap(o.sids) : null;
  const sidOf = sidMap
    ? (id: number) => {
        const codes = sidMap.get(id);
        if (!codes) throw dataError(o.sids!, null, `item ${id} (of '${slatesPath}') has no SID`);
        return codes;
      }
    : undefined;
  const samples = samplesFromSlates(slates, {
    ...(sidOf ? { sidOf } : {}),
    promptOptions: { reasoning: o.reasoning, ...(o.shuffleSeed !== undefined ? { shuffle: { seed: o.shuffleSeed } } : {}) },
  });
  let chars = 0;
  await writeAtomically(o.output, async (w) => {
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      chars += s.messages.reduce((a, m) => a + m.content.length, 0);
      await w.write(`${JSON.stringify({ user: slates[i]!.user, messages: s.messages, candidates: s.candidates, order: s.order, target: s.target ?? null })}\n`);
    }
  });
  ctx.result({ output: o.output, prompts: samples.length, reasoning: o.reasoning, meanCharacters: chars / samples.length }, () =>
    `wrote ${samples.length} ${o.reasoning ? '' : 'reasoning-free '}prompts to ${o.output} (mean ${Math.round(chars / samples.length)} characters)`,
  );
}

/** Builds `gr2 prompt`. @internal */
export function promptCommand(action: Action): Command {
  return new Command('prompt')
    .description('render the GR2 re-ranking prompt (chat messages) of every slate; writes JSON lines {user, messages, candidates, order, target}')
    .argument('<slates>', 'slates (JSON lines, as written by gr2 slates)')
    .requiredOption('-o, --output <file>', 'where to write the prompts (JSON lines)')
    .option('--sids <file>', 'item SIDs (JSON lines from gr2 sid encode); default: base-256 digits of the item id')
    .option('--no-reasoning', "the reasoning-free variant (ranking only, GR2 TR §9.4)")
    .option('--shuffle-seed <n>', 'shuffle the candidates in the prompt (seeded); "order" maps them back', intOption('--shuffle-seed', 0))
    .option('--limit <n>', 'at most n slates', intOption('--limit', 1))
    .action(action('prompt', (ctx, [slates, o]) => prompt(ctx, slates as string, o as PromptOptions)));
}
