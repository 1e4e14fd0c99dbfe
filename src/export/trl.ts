/**
 * TRL's conversational dataset formats as JSONL (one JSON object per line), the input of `SFTTrainer` and
 * friends (`datasets.load_dataset('json', data_files=...)`).
 *
 * @packageDocumentation
 */
import { checkOptions, assertOneOf } from '../errors.js';
import type { ChatMessage } from '../prompt/types.js';
import { checkPath, indexed, iterableKind, writeAtomically } from './files.js';
import { checkMessages, checkObject, checkString } from './validate.js';

const FN = 'writeTrlJsonl';

/** A prompt and its assistant completion, e.g. an accepted sampler record (`AcceptedRecord` fits as is). */
export interface ConversationRow {
  /** The prompt messages (system, user, …). */
  readonly messages: readonly ChatMessage[];
  /** The assistant's answer. */
  readonly completion: string;
}

/** Options of {@link writeTrlJsonl}. */
export interface TrlJsonlOptions {
  /**
   * `'messages'`: `{"messages": [...prompt, {"role": "assistant", "content": completion}]}` (TRL "conversational
   * language modeling"). `'prompt-completion'`: `{"prompt": [...prompt], "completion": [{"role": "assistant",
   * "content": completion}]}` (TRL "conversational prompt-completion"; the loss is on the completion only).
   * @defaultValue `'messages'`
   */
  readonly format?: 'messages' | 'prompt-completion';
}

/**
 * Writes conversations as JSONL in one of TRL's conversational formats. The file appears atomically (written to a
 * temporary sibling, then renamed) and is streamed, so any number of rows fits in flat memory.
 *
 * @param path - Output file.
 * @param rows - Conversations (sync or async iterable), e.g. `readCheckpoint(path).accepted`.
 * @param options - `format`.
 * @returns Rows and bytes written.
 * @throws TypeError naming `rows[i]…` for a malformed row (nothing is written then).
 * @example
 * ```ts
 * const { accepted } = readCheckpoint('traces.jsonl');
 * await writeTrlJsonl('sft.jsonl', accepted);                                        // {"messages": [...]}
 * await writeTrlJsonl('sft_pc.jsonl', accepted, { format: 'prompt-completion' });    // {"prompt", "completion"}
 * ```
 */
export async function writeTrlJsonl(
  path: string,
  rows: Iterable<ConversationRow> | AsyncIterable<ConversationRow>,
  options?: TrlJsonlOptions,
): Promise<{ rows: number; bytes: number }> {
  checkPath(FN, path);
  iterableKind(FN, rows);
  const o = checkOptions(FN, options, ['format']);
  const format = o.format ?? 'messages';
  assertOneOf(FN, 'options.format', format, ['messages', 'prompt-completion']);
  let count = 0;
  const bytes = await writeAtomically(path, async (append) => {
    for await (const [row, i] of indexed(rows)) {
      checkObject(FN, `rows[${i}]`, row);
      const prompt = checkMessages(FN, `rows[${i}].messages`, row.messages);
      checkString(FN, `rows[${i}].completion`, row.completion);
      const answer: ChatMessage = { role: 'assistant', content: row.completion };
      const obj = format === 'messages' ? { messages: [...prompt, answer] } : { prompt, completion: [answer] };
      append(JSON.stringify(obj) + '\n');
      count++;
    }
  });
  return { rows: count, bytes };
}
