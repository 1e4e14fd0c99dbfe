/**
 * Shared types of the LLM half: chat messages and the items a re-ranking prompt shows.
 *
 * @packageDocumentation
 */
import type { ItemId } from '../metrics/types.js';

/** A chat role, as OpenAI-compatible servers and Hugging Face chat templates spell it. */
export type ChatRole = 'system' | 'user' | 'assistant';

/**
 * One chat message (`{role, content}`), the unit every prompt builder returns and every generator reads.
 *
 * @example
 * ```ts
 * const m: ChatMessage = { role: 'user', content: 'Re-rank these candidates.' };
 * ```
 */
export interface ChatMessage {
  readonly role: ChatRole;
  readonly content: string;
}

/**
 * An item as a GR2 prompt shows it (TR principle 3: history and candidates rendered the same way).
 * `sid` is the item's semantic ID as codes (`[97, 168, 137, 135]`) or as its rendered token string
 * (`'<|sid_begin|><s_a_97>…<|sid_end|>'`). Metadata (`title`, `categories`, `attributes`) is untrusted text.
 *
 * @example
 * ```ts
 * const item: RerankItem = { id: 42, sid: [97, 168, 137, 135], title: 'Rose hand cream', categories: ['Beauty', 'Skin Care'] };
 * ```
 */
export interface RerankItem {
  readonly id: ItemId;
  readonly sid: readonly number[] | string;
  readonly title?: string;
  readonly categories?: readonly string[];
  readonly attributes?: Readonly<Record<string, string | number | boolean>>;
}
