/**
 * `gr2/testing` — test tools for code that drives LLMs: a real OpenAI-compatible server on 127.0.0.1 with fault
 * injection, backed by any generator, and a tiny random-weight causal LM written to disk for local generation.
 *
 * @packageDocumentation
 */
export {
  startOpenAIServer,
  type FaultOptions,
  type OpenAIServer,
  type OpenAIServerOptions,
  type OpenAIServerStats,
} from './openai_server.js';
export { writeTinyCausalLm, type TinyCausalLm, type TinyCausalLmOptions } from './tiny_lm.js';
