/**
 * SFT samples (P1 §4.4, TR Eq. 3): a conversation rendered with the model's own chat template, tokenized, with
 * labels and per-token weights λ_r (reasoning) / λ_o (ranking and answer scaffolding) found from the text.
 *
 * @packageDocumentation
 */
import { DataFormatError, OutputParseError, checkOptions, rangeError, typeError } from '../errors.js';
import { RERANK_ANSWER_KEYS } from './parse_output.js';
import type { ChatMessage } from './types.js';

/**
 * The part of a Hugging Face tokenizer that {@link buildSftSample} uses — a transformers.js `PreTrainedTokenizer`
 * (`AutoTokenizer.from_pretrained(dir)`) fits.
 */
export interface ChatTokenizerLike {
  apply_chat_template(messages: ChatMessage[], options: Record<string, unknown>): unknown;
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  decode?(ids: number[], options?: { skip_special_tokens?: boolean }): string;
}

/** A conversation to learn: the prompt messages and the assistant's completion (a teacher trace). */
export interface SftConversation {
  readonly messages: readonly ChatMessage[];
  readonly completion: string;
}

/** Options of {@link buildSftSample}. */
export interface SftSampleOptions {
  /** λ_r, weight of the reasoning tokens. @defaultValue `0.5` (as `sftLoss`; the papers do not give it) */
  readonly reasoningWeight?: number;
  /** λ_o, weight of the ranking tokens and of the rest of the answer (JSON scaffolding, end of turn). @defaultValue `1` */
  readonly rankingWeight?: number;
  /** Require λ_r < λ_o, as the papers state. @defaultValue `true` */
  readonly requireRankingHeavier?: boolean;
  /** JSON key of the reasoning field. @defaultValue `RERANK_ANSWER_KEYS.reasoning` */
  readonly reasoningKey?: string;
  /** JSON key of the ranking field. @defaultValue `RERANK_ANSWER_KEYS.ranking` */
  readonly rankingKey?: string;
  /**
   * End-of-turn marker of the chat template; it is supervised (weight λ_o) and text after it is not.
   * @defaultValue `'<|im_end|>'` (Qwen / ChatML)
   */
  readonly endOfTurn?: string;
  /** Extra variables for the chat template (e.g. `{enable_thinking: false}`). @defaultValue `{}` */
  readonly chatTemplateOptions?: Readonly<Record<string, unknown>>;
}

/** A tokenized SFT sample. All per-token arrays have the length of `inputIds`. */
export interface SftSample {
  /** Token ids of `text`. */
  inputIds: number[];
  /** `inputIds[t]` on the supervised assistant tokens, `-100` elsewhere (prompt, text after the end of turn). */
  labels: number[];
  /** λ_r on reasoning tokens, λ_o on the other supervised tokens, 0 elsewhere. */
  weights: number[];
  /**
   * The conversation rendered by the chat template (prompt + assistant turn), as the tokenizer normalises it
   * (an encode/decode round trip: Qwen3 applies NFC).
   */
  text: string;
  /**
   * Character ranges `[start, end)` in `text`: `reasoning` is the `explanation` value (inside its quotes, as
   * written) or else the `<think>` content, `null` when there is none; `ranking` is the content of the
   * `recommendations` array from the first entry to the last (without the brackets and the outer quotes:
   * `<|sid_begin|>…<|sid_end|>","<|sid_begin|>…<|sid_end|>`); `think` is the non-empty `<think>` content or
   * `null` (ours, extra).
   */
  spans: { reasoning: [number, number] | null; ranking: [number, number]; think: [number, number] | null };
  /** Token ranges `[start, end)` of the same spans: `decode(inputIds.slice(a, b)) === text.slice(span)`. */
  tokenSpans: { reasoning: [number, number] | null; ranking: [number, number]; think: [number, number] | null };
  /** 0/1 mask of the reasoning tokens (the explanation and the `<think>` content) — `sftLoss`'s `reasoningMask` row. */
  reasoningMask: number[];
  /** 0/1 mask of the λ_o tokens — `sftLoss`'s `rankingMask` row. */
  rankingMask: number[];
  /** Number of prompt tokens (labels `-100`). */
  promptTokens: number;
  /**
   * Whether `inputIds` equal the tokenizer's own encoding of `text`. The assistant turn is tokenized piecewise at
   * span boundaries so that no token straddles two spans; this reports when that differs from whole-text BPE.
   */
  canonical: boolean;
}

const SFT_KEYS = [
  'reasoningWeight',
  'rankingWeight',
  'requireRankingHeavier',
  'reasoningKey',
  'rankingKey',
  'endOfTurn',
  'chatTemplateOptions',
] as const;
const ROLES = new Set(['system', 'user', 'assistant']);
const MAX_OBJECT_STARTS = 256;

function isWs(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** End (exclusive) of the JSON string opening at `s` (`text[s] === '"'`), or -1. */
function stringEnd(text: string, s: number, end: number): number {
  let i = s + 1;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 92) i += 2;
    else if (c === 34) return i + 1;
    else i++;
  }
  return -1;
}

/** End (exclusive) of the JSON value starting at `s`, or -1 (strings skipped, brackets matched). */
function valueEnd(text: string, s: number, end: number): number {
  const c0 = text.charCodeAt(s);
  if (c0 === 34) return stringEnd(text, s, end);
  if (c0 !== 123 && c0 !== 91) {
    let i = s;
    while (i < end && !',}] \n\r\t'.includes(text[i]!)) i++;
    return i > s ? i : -1;
  }
  const stack: number[] = [];
  let i = s;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const e = stringEnd(text, i, end);
      if (e < 0) return -1;
      i = e;
      continue;
    }
    if (c === 123) stack.push(125);
    else if (c === 91) stack.push(93);
    else if (c === 125 || c === 93) {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i + 1;
    }
    i++;
  }
  return -1;
}

/** Top-level `key → [valueStart, valueEnd)` of the JSON object `text[s, e)` (last duplicate wins, as JSON.parse). */
function objectMembers(text: string, s: number, e: number): Map<string, [number, number]> | null {
  const out = new Map<string, [number, number]>();
  let i = s + 1;
  const ws = () => {
    while (i < e && isWs(text.charCodeAt(i))) i++;
  };
  ws();
  if (text.charCodeAt(i) === 125) return out;
  for (;;) {
    ws();
    if (text.charCodeAt(i) !== 34) return null;
    const ke = stringEnd(text, i, e);
    if (ke < 0) return null;
    const key = JSON.parse(text.slice(i, ke)) as string;
    i = ke;
    ws();
    if (text.charCodeAt(i) !== 58) return null;
    i++;
    ws();
    const ve = valueEnd(text, i, e);
    if (ve < 0) return null;
    out.set(key, [i, ve]);
    i = ve;
    ws();
    const c = text.charCodeAt(i);
    if (c === 44) {
      i++;
      continue;
    }
    if (c === 125) return out;
    return null;
  }
}

/**
 * The content of a JSON array `text[a, b)` (`[` … `]`) without its brackets, and without the opening quote of the
 * first entry and the closing quote of the last one when they are strings: the ranking span starts and ends on
 * the SIDs themselves, which are single added tokens, so cutting there never changes the tokenization.
 */
function arrayContent(text: string, [a, b]: [number, number]): [number, number] {
  let s = a + 1;
  let e = b - 1;
  while (s < e && isWs(text.charCodeAt(s))) s++;
  while (e > s && isWs(text.charCodeAt(e - 1))) e--;
  if (e - s >= 2 && text.charCodeAt(s) === 34 && text.charCodeAt(e - 1) === 34) return [s + 1, e - 1];
  return [s, e];
}

interface Found {
  think: [number, number] | null;
  reasoning: [number, number] | null;
  ranking: [number, number];
}

/** Finds the think block and the answer's value ranges inside `text[a, b)`. */
function findSpans(text: string, a: number, b: number, reasoningKey: string, rankingKey: string): Found | null {
  let from = a;
  let think: [number, number] | null = null;
  let p = a;
  while (p < b && isWs(text.charCodeAt(p))) p++;
  if (text.startsWith('<think>', p)) {
    const close = text.indexOf('</think>', p + 7);
    if (close >= 0 && close < b) {
      let s = p + 7;
      let e = close;
      while (s < e && isWs(text.charCodeAt(s))) s++;
      while (e > s && isWs(text.charCodeAt(e - 1))) e--;
      if (e > s) think = [s, e];
      from = close + 8;
    }
  }
  let tries = 0;
  for (let s = text.indexOf('{', from); s >= 0 && s < b && tries < MAX_OBJECT_STARTS; s = text.indexOf('{', s + 1), tries++) {
    const e = valueEnd(text, s, b);
    if (e < 0) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.slice(s, e));
    } catch {
      continue;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) continue;
    if (!Array.isArray((parsed as Record<string, unknown>)[rankingKey])) continue;
    const members = objectMembers(text, s, e);
    if (members === null) continue;
    const rk = arrayContent(text, members.get(rankingKey)!);
    const rv = members.get(reasoningKey);
    let reasoning: [number, number] | null = null;
    if (rv !== undefined && text.charCodeAt(rv[0]) === 34 && rv[1] - rv[0] > 2) reasoning = [rv[0] + 1, rv[1] - 1];
    return { think, reasoning: reasoning ?? think, ranking: rk };
  }
  return null;
}

function weight(fn: string, name: string, v: unknown, d: number): number {
  const x = v ?? d;
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw rangeError(fn, `options.${name}`, 'a finite number ≥ 0', x);
  return x;
}

/**
 * Builds one SFT sample (P1 §4.4, TR Eq. 3) from a conversation and a completion, with the model's own chat
 * template (`tokenizer.apply_chat_template`):
 *
 * - `text` = template(messages + assistant completion), normalised as the tokenizer normalises text (an
 *   encode/decode round trip); the prompt part is template(messages, generation prompt) and must be a prefix of it.
 * - Spans are found in the rendered assistant turn: the `<think>` content, the JSON answer holding `rankingKey`,
 *   its `reasoningKey` string value and its `rankingKey` array.
 * - The assistant turn is tokenized piecewise at the span boundaries, so each token lies in one span and
 *   `decode(inputIds.slice(tokenSpans.x)) === text.slice(spans.x)`; `decode(inputIds) === text` is checked.
 * - `labels` = ids on the supervised part (the assistant turn up to and including `endOfTurn`), −100 elsewhere;
 *   `weights` = λ_r on the reasoning (explanation value and `<think>` content), λ_o on the rest of the supervised
 *   part (ranking, JSON scaffolding, think tags, end of turn: the digest's default for the scaffolding), 0 on the
 *   prompt.
 *
 * For `sftLoss` use `reasoningMask: [s.reasoningMask]`, `rankingMask: [s.rankingMask]` and `logProbs[0][t]` =
 * log p(inputIds[t] | inputIds[<t]) (the position-t target convention; position 0 is never supervised).
 *
 * @param conv - `{messages, completion}`: the student prompt (e.g. `buildRerankPrompt(...).messages`, not the
 *   teacher's prompt) and the trace to learn.
 * @param tokenizer - A transformers.js `PreTrainedTokenizer` (or anything with `apply_chat_template`, `encode`,
 *   `decode`).
 * @param options - See {@link SftSampleOptions}.
 * @returns The {@link SftSample}.
 * @throws TypeError / RangeError on malformed input or options; {@link OutputParseError} when the completion holds
 *   no JSON answer with `rankingKey`; {@link DataFormatError} when the template output is not prompt + turn or the
 *   tokenizer does not decode its ids back to the text.
 * @example
 * ```ts
 * const tok = await AutoTokenizer.from_pretrained('qwen3-sid'); // writeExtendedTokenizer(...) output
 * const p = buildRerankPrompt({ history, candidates });
 * const s = buildSftSample({ messages: p.messages, completion: renderRerankCompletion(p.sids, { explanation: 'Shampoo → conditioner.' }) }, tok);
 * tok.decode(s.inputIds.slice(...s.tokenSpans.reasoning!)); // 'Shampoo → conditioner.'
 * sftLoss({ logProbs: [logp], reasoningMask: [s.reasoningMask], rankingMask: [s.rankingMask] });
 * ```
 */
export function buildSftSample(conv: SftConversation, tokenizer: ChatTokenizerLike, options?: SftSampleOptions): SftSample {
  const fn = 'buildSftSample';
  if (conv === null || typeof conv !== 'object' || Array.isArray(conv)) throw typeError(fn, 'conv', 'an object {messages, completion}', conv);
  const { messages, completion } = conv;
  if (!Array.isArray(messages) || messages.length === 0) throw typeError(fn, 'conv.messages', 'a non-empty array of chat messages', messages);
  messages.forEach((m, i) => {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) throw typeError(fn, `conv.messages[${i}]`, 'a {role, content} object', m);
    if (!ROLES.has(m.role)) throw rangeError(fn, `conv.messages[${i}].role`, "'system', 'user' or 'assistant'", m.role);
    if (typeof m.content !== 'string') throw typeError(fn, `conv.messages[${i}].content`, 'a string', m.content);
  });
  if (typeof completion !== 'string') throw typeError(fn, 'conv.completion', 'a string', completion);
  if (
    tokenizer === null ||
    (typeof tokenizer !== 'object' && typeof tokenizer !== 'function') ||
    typeof tokenizer.apply_chat_template !== 'function' ||
    typeof tokenizer.encode !== 'function'
  ) {
    throw typeError(fn, 'tokenizer', 'a tokenizer with apply_chat_template and encode (transformers.js PreTrainedTokenizer)', tokenizer);
  }
  const o = checkOptions(fn, options, SFT_KEYS);
  const lr = weight(fn, 'reasoningWeight', o.reasoningWeight, 0.5);
  const lo = weight(fn, 'rankingWeight', o.rankingWeight, 1);
  const heavier = o.requireRankingHeavier ?? true;
  if (typeof heavier !== 'boolean') throw typeError(fn, 'options.requireRankingHeavier', 'a boolean', heavier);
  if (heavier && !(lr < lo)) {
    throw rangeError(fn, 'options.reasoningWeight', `below rankingWeight ${lo} (the papers' λ_r < λ_o)`, lr, 'Pass {requireRankingHeavier: false} to allow it.');
  }
  const str = (name: string, v: unknown, d: string): string => {
    if (v === undefined) return d;
    if (typeof v !== 'string' || v.length === 0) throw typeError(fn, `options.${name}`, 'a non-empty string', v);
    return v;
  };
  const reasoningKey = str('reasoningKey', o.reasoningKey, RERANK_ANSWER_KEYS.reasoning);
  const rankingKey = str('rankingKey', o.rankingKey, RERANK_ANSWER_KEYS.ranking);
  const endOfTurn = str('endOfTurn', o.endOfTurn, '<|im_end|>');
  const extra = o.chatTemplateOptions ?? {};
  if (extra === null || typeof extra !== 'object' || Array.isArray(extra)) throw typeError(fn, 'options.chatTemplateOptions', 'an object', extra);

  const msgs = messages.map((m) => ({ role: m.role, content: m.content }));
  const renderedPrompt = tokenizer.apply_chat_template(msgs, { ...extra, tokenize: false, add_generation_prompt: true });
  const rendered = tokenizer.apply_chat_template([...msgs, { role: 'assistant', content: completion }], { ...extra, tokenize: false, add_generation_prompt: false });
  if (typeof renderedPrompt !== 'string' || typeof rendered !== 'string') {
    throw new DataFormatError(`${fn}: the tokenizer's apply_chat_template did not return text with {tokenize: false}.`);
  }
  const enc = (t: string): number[] => {
    const ids = tokenizer.encode(t, { add_special_tokens: false });
    if (!Array.isArray(ids)) throw typeError(fn, 'tokenizer.encode', 'a function returning an array of ids', ids);
    return ids;
  };
  // The text as the tokenizer sees it: its normaliser (Qwen3: NFC) applied, via an encode/decode round trip.
  const wholeIds = enc(rendered);
  const promptIds = enc(renderedPrompt);
  const hasDecode = typeof tokenizer.decode === 'function';
  const decode = (ids: number[]): string => (ids.length === 0 ? '' : tokenizer.decode!(ids, { skip_special_tokens: false }));
  const text = hasDecode ? decode(wholeIds) : rendered;
  const promptText = hasDecode ? decode(promptIds) : renderedPrompt;
  if (!text.startsWith(promptText)) {
    throw new DataFormatError(`${fn}: the chat template does not render the conversation as the prompt (with generation prompt) followed by the assistant turn.`);
  }
  const P = promptText.length;
  const eot = text.indexOf(endOfTurn, P);
  const supEnd = eot >= 0 ? eot + endOfTurn.length : text.length;
  const found = findSpans(text, P, eot >= 0 ? eot : text.length, reasoningKey, rankingKey);
  if (found === null) {
    throw new OutputParseError(`${fn}: the completion holds no JSON object with a '${rankingKey}' array (got ${JSON.stringify(completion.slice(0, 80))}).`);
  }
  // Cut points of the assistant turn; each piece is tokenized on its own.
  const cuts = new Set<number>([P, supEnd, text.length, found.ranking[0], found.ranking[1]]);
  for (const s of [found.reasoning, found.think]) if (s) [cuts.add(s[0]), cuts.add(s[1])];
  const points = [...cuts].sort((x, y) => x - y);
  const inputIds = promptIds.slice();
  const promptTokens = inputIds.length;
  const labels: number[] = new Array<number>(promptTokens).fill(-100);
  const weights: number[] = new Array<number>(promptTokens).fill(0);
  const reasoningMask: number[] = new Array<number>(promptTokens).fill(0);
  const rankingMask: number[] = new Array<number>(promptTokens).fill(0);
  const tokStart = new Map<number, number>();
  const inReasoning = (a: number, b: number): boolean =>
    (found.reasoning !== null && a >= found.reasoning[0] && b <= found.reasoning[1]) || (found.think !== null && a >= found.think[0] && b <= found.think[1]);
  for (let k = 0; k + 1 < points.length; k++) {
    const a = points[k]!;
    const b = points[k + 1]!;
    tokStart.set(a, inputIds.length);
    if (b <= a) continue;
    const ids = enc(text.slice(a, b));
    const supervised = b <= supEnd;
    const r = supervised && inReasoning(a, b);
    for (const id of ids) {
      inputIds.push(id);
      labels.push(supervised ? id : -100);
      weights.push(supervised ? (r ? lr : lo) : 0);
      reasoningMask.push(supervised && r ? 1 : 0);
      rankingMask.push(supervised && !r ? 1 : 0);
    }
  }
  tokStart.set(text.length, inputIds.length);
  const tokSpan = (s: [number, number] | null): [number, number] | null => (s === null ? null : [tokStart.get(s[0])!, tokStart.get(s[1])!]);
  if (hasDecode && decode(inputIds) !== text) {
    throw new DataFormatError(`${fn}: the tokenizer does not decode its ids back to the rendered text (lossy tokenizer).`);
  }
  const canonical = wholeIds.length === inputIds.length && wholeIds.every((id, i) => id === inputIds[i]);
  return {
    inputIds,
    labels,
    weights,
    text,
    spans: { reasoning: found.reasoning, ranking: found.ranking, think: found.think },
    tokenSpans: { reasoning: tokSpan(found.reasoning), ranking: tokSpan(found.ranking)!, think: tokSpan(found.think) },
    reasoningMask,
    rankingMask,
    promptTokens,
    canonical,
  };
}
