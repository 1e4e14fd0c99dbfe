/**
 * The `Generator` protocol: one interface for every LLM that gr2 drives (an OpenAI-compatible server, a local
 * ONNX model through transformers.js, or a user's own adapter). gr2 never trains the model; it sends chat
 * messages and reads completions, their token log-probs when available, and usage.
 *
 * @packageDocumentation
 */
import type { ChatMessage } from '../prompt/types.js';

/**
 * One generation request: a conversation and sampling settings. Every field but `messages` is optional; a
 * generator ignores none silently: one it cannot honour (e.g. `logprobs` on a server that never returns them)
 * is reported through {@link Generation.tokenLogProbs} being absent, never faked.
 */
export interface GenerateRequest {
  /** The conversation to complete. */
  readonly messages: readonly ChatMessage[];
  /** Number of independent samples (OpenAI `n`). Default 1. */
  readonly n?: number;
  /** Sampling temperature; 0 means greedy. */
  readonly temperature?: number;
  /** Nucleus sampling mass. */
  readonly topP?: number;
  /** Seed for reproducible sampling, where the generator supports it. */
  readonly seed?: number;
  /** Maximum number of new tokens per sample. */
  readonly maxTokens?: number;
  /** Stop strings. */
  readonly stop?: readonly string[];
  /** Ask for the log-probability of every generated token. */
  readonly logprobs?: boolean;
  /** Cancels the request; the promise rejects with a `GeneratorError` of kind `'aborted'`. */
  readonly signal?: AbortSignal;
  /** Per-request time limit in milliseconds; past it the promise rejects with kind `'timeout'`. */
  readonly timeoutMs?: number;
  /**
   * SID-constrained decoding (generators that control decoding, e.g. the local one): the rendered SIDs of the
   * slate's candidates (`'<|sid_begin|><s_a_1>…<|sid_end|>'`); the answer may cite each exactly once.
   */
  readonly constraint?: { readonly candidates: readonly string[]; readonly reasoning?: boolean };
}

/** Why a sample stopped: `'stop'` (end token or stop string), `'length'` (max tokens), or the server's word. */
export type FinishReason = 'stop' | 'length' | (string & {});

/** One sampled completion. */
export interface Generation {
  /** The completion text. */
  readonly text: string;
  /** Why it ended. */
  readonly finishReason: FinishReason;
  /** Log-probability of each generated token under the sampling model, when the generator returns them. */
  readonly tokenLogProbs?: readonly number[];
  /** The generated tokens as text, aligned with `tokenLogProbs`, when returned. */
  readonly tokens?: readonly string[];
  /** Number of generated tokens, when known. */
  readonly completionTokens?: number;
}

/** Token usage of one request (all samples). */
export interface GenerateUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** The answer to one {@link GenerateRequest}. */
export interface GenerateResult {
  /** `n` generations, in order. */
  readonly generations: readonly Generation[];
  /** Token usage; zero counts where the generator cannot tell. */
  readonly usage: GenerateUsage;
  /** The model that answered, when known. */
  readonly model?: string;
  /** Wall-clock time of the request in milliseconds. */
  readonly latencyMs: number;
}

/**
 * An LLM that gr2 can drive. Implementations reject with `GeneratorError` (its `kind` says whether a retry can
 * help) and never with a raw transport error.
 *
 * @example
 * ```ts
 * const echo: Generator = {
 *   name: 'echo',
 *   async generate(req) {
 *     const text = req.messages.at(-1)?.content ?? '';
 *     return { generations: [{ text, finishReason: 'stop' }], usage: { promptTokens: 0, completionTokens: 0 }, latencyMs: 0 };
 *   },
 * };
 * ```
 */
export interface Generator {
  /** A short name for logs and reports. */
  readonly name: string;
  /** Completes one request. */
  generate(request: GenerateRequest): Promise<GenerateResult>;
  /** Frees resources (sessions, sockets). Optional. */
  close?(): Promise<void>;
}
