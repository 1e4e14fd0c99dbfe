/**
 * `gr2 sid train|encode|stats|export-onnx`.
 *
 * @packageDocumentation
 * @internal
 */
import { Command, Option } from 'commander';
import { ResidualQuantizer, type LastLevelMethod } from '../../sid/residual_quantizer.js';
import { sidStatistics, type SidStatistics } from '../../sid/sid_stats.js';
import { createSidSpec, renderSid } from '../../sid/sid_string.js';
import { writeFileAtomic } from '../../sid/persistence.js';
import { Tensor } from '../../backend/tensor.js';
import { CliError, EXIT, dataError } from '../errors.js';
import { assertInputFile, intOption, readJsonl, writeAtomically } from '../io.js';
import { readVectors } from '../vectors.js';
import type { CliContext } from '../context.js';
import type { Action } from '../context.js';

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

async function loadModel(path: string): Promise<ResidualQuantizer> {
  assertInputFile(path, 'model file');
  try {
    return await ResidualQuantizer.load(path);
  } catch (e) {
    throw dataError(path, null, `not a gr2 quantizer file (${(e as Error).message})`);
  }
}

/** Human-readable SID statistics. @internal */
export function formatSidStats(s: SidStatistics): string {
  const lines = [
    `items ${s.items}, distinct SIDs ${s.distinct}, uniqueness ${pct(s.uniqueness)}, collision groups ${s.collisionGroups} (largest ${s.largestGroup}, ${s.collidedItems} items)`,
    'level | codebook | used | dead | entropy (bits) | perplexity',
  ];
  s.levels.forEach((l, i) =>
    lines.push(`${String(i + 1).padStart(5)} | ${String(l.codebookSize).padStart(8)} | ${String(l.used).padStart(4)} | ${String(l.dead).padStart(4)} | ${l.entropy.toFixed(3).padStart(14)} | ${l.perplexity.toFixed(1).padStart(10)}`),
  );
  return lines.join('\n');
}

function statsJson(s: SidStatistics) {
  return { ...s, levels: s.levels.map((l) => ({ ...l, counts: Array.from(l.counts) })) };
}

async function train(ctx: CliContext, vectorsPath: string, o: { output: string; levels: number; codebookSize: number; seed: number; iterations: number }) {
  const v = await readVectors(vectorsPath);
  if (o.codebookSize > v.rows) throw new CliError(`--codebook-size ${o.codebookSize} exceeds the ${v.rows} vectors in '${vectorsPath}'`, EXIT.usage);
  const matrix = new Tensor('float32', v.data, [v.rows, v.dim]);
  ctx.progress.start(o.levels * o.iterations, `training ${o.levels} levels`);
  const rq = await ResidualQuantizer.train(matrix, {
    levels: o.levels,
    codebookSize: o.codebookSize,
    seed: o.seed,
    kmeans: { maxIterations: o.iterations },
    onIteration: (info) => ctx.progress.update(info.level * o.iterations + info.iteration),
  });
  ctx.progress.stop();
  const codes = await rq.encode(matrix);
  const stats = rq.statistics(codes);
  const mse = (await rq.reconstructionError(matrix, { codes })).meanSquaredError;
  await rq.save(o.output);
  const result = { model: o.output, vectors: v.rows, dim: v.dim, levels: o.levels, codebookSize: o.codebookSize, seed: o.seed, reconstructionMse: mse, statistics: statsJson(stats) };
  ctx.result(result, () => `trained ${o.levels} × ${o.codebookSize} RQ-KMeans on ${v.rows} vectors of dimension ${v.dim}; reconstruction MSE ${mse.toFixed(6)}; wrote ${o.output}\n${formatSidStats(stats)}`);
}

async function encode(ctx: CliContext, vectorsPath: string, o: { model: string; output: string; lastLevel: LastLevelMethod; seed: number }) {
  const rq = await loadModel(o.model);
  const v = await readVectors(vectorsPath, rq.dim);
  const matrix = new Tensor('float32', v.data, [v.rows, v.dim]);
  const { codes, statistics } = await rq.assignSids(matrix, { lastLevel: o.lastLevel, seed: o.seed });
  const L = rq.levels;
  const spec = createSidSpec({ levels: L, codebookSizes: rq.codebookSizes });
  await writeAtomically(o.output, async (w) => {
    for (let i = 0; i < v.rows; i++) {
      const row = Array.from(codes.data.subarray(i * L, (i + 1) * L));
      await w.write(`${JSON.stringify({ id: v.ids[i], codes: row, sid: renderSid(row, spec) })}\n`);
    }
  });
  ctx.result({ output: o.output, items: v.rows, lastLevel: o.lastLevel, statistics: statsJson(statistics) }, () => `encoded ${v.rows} items (last level '${o.lastLevel}'); wrote ${o.output}\n${formatSidStats(statistics)}`);
}

async function stats(ctx: CliContext, sidsPath: string, o: { codebookSize?: number }) {
  assertInputFile(sidsPath, 'SIDs file');
  const rows: number[][] = [];
  let L = -1;
  for await (const { value, n } of readJsonl(sidsPath)) {
    const codes = (value as { codes?: unknown } | null)?.codes;
    if (!Array.isArray(codes) || codes.length === 0 || !codes.every((c) => Number.isInteger(c) && c >= 0)) {
      throw dataError(sidsPath, n, '"codes" must be a non-empty array of non-negative integers (as written by gr2 sid encode)');
    }
    if (L < 0) L = codes.length;
    else if (codes.length !== L) throw dataError(sidsPath, n, `wrong dimensions: ${codes.length} codes; expected ${L}`);
    rows.push(codes as number[]);
  }
  if (rows.length === 0) throw dataError(sidsPath, null, 'no SIDs (the file is empty)');
  const maxCode = Math.max(...rows.flat());
  const C = o.codebookSize ?? maxCode + 1;
  if (maxCode >= C) throw new CliError(`--codebook-size ${C} is smaller than the largest code ${maxCode} in '${sidsPath}'`, EXIT.usage);
  const s = sidStatistics(rows, C);
  ctx.result(statsJson(s), () => formatSidStats(s));
}

async function exportOnnx(ctx: CliContext, o: { model: string; output: string }) {
  const rq = await loadModel(o.model);
  const bytes = rq.exportOnnx();
  await writeFileAtomic(o.output, bytes);
  ctx.result({ output: o.output, bytes: bytes.length, levels: rq.levels, dim: rq.dim }, () => `wrote ${o.output} (${bytes.length} bytes; input 'vectors' [n, ${rq.dim}] → codes [n, ${rq.levels}])`);
}

/** Builds `gr2 sid`. @internal */
export function sidCommand(action: Action): Command {
  const sid = new Command('sid').description('semantic IDs: train an RQ-KMeans tokenizer, encode items, inspect SIDs, export to ONNX');
  sid
    .command('train')
    .description('train an RQ-KMeans semantic-ID tokenizer on item vectors (JSON lines {"id", "vector"})')
    .argument('<vectors>', 'item vectors, JSON lines {"id": 1, "vector": [...]}')
    .requiredOption('-o, --output <file>', 'where to write the trained quantizer')
    .option('--levels <n>', 'number of levels L', intOption('--levels', 1, 16), 4)
    .option('--codebook-size <n>', 'codes per level C', intOption('--codebook-size', 2, 65536), 256)
    .option('--iterations <n>', 'k-means iterations per level', intOption('--iterations', 1, 10000), 20)
    .option('--seed <n>', 'random seed', intOption('--seed', 0), 1234)
    .action(action('sid train', (ctx, [vectors, o]) => train(ctx, vectors as string, o as never)));
  sid
    .command('encode')
    .description('assign a semantic ID to every item vector; writes JSON lines {"id", "codes", "sid"}')
    .argument('<vectors>', 'item vectors, JSON lines {"id": 1, "vector": [...]}')
    .requiredOption('-m, --model <file>', 'a quantizer written by gr2 sid train')
    .requiredOption('-o, --output <file>', 'where to write the SIDs (JSON lines)')
    .addOption(
      new Option('--last-level <method>', 'last-level assignment (collision-aware / random: unique SIDs, GR2 §3.1)')
        .choices(['greedy', 'random', 'random-free', 'collision-aware'])
        .default('collision-aware'),
    )
    .option('--seed <n>', 'seed of the random variants', intOption('--seed', 0), 1234)
    .action(action('sid encode', (ctx, [vectors, o]) => encode(ctx, vectors as string, o as never)));
  sid
    .command('stats')
    .description('uniqueness, collisions and codebook usage per level of a SIDs file')
    .argument('<sids>', 'SIDs, JSON lines with "codes" (as written by gr2 sid encode)')
    .option('--codebook-size <n>', 'codes per level (default: largest code + 1)', intOption('--codebook-size', 2, 65536))
    .action(action('sid stats', (ctx, [sids, o]) => stats(ctx, sids as string, o as never)));
  sid
    .command('export-onnx')
    .description('export a trained quantizer as an ONNX graph (vectors → codes)')
    .requiredOption('-m, --model <file>', 'a quantizer written by gr2 sid train')
    .requiredOption('-o, --output <file>', 'where to write the .onnx file')
    .action(action('sid export-onnx', (ctx, [o]) => exportOnnx(ctx, o as never)));
  return sid;
}
