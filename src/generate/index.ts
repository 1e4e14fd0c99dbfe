/**
 * `gr2/generate` — LLM generators behind one {@link Generator} interface.
 *
 * @packageDocumentation
 */
export type {
  FinishReason,
  GenerateRequest,
  GenerateResult,
  GenerateUsage,
  Generation,
  Generator,
} from './types.js';
export { createOpenAIGenerator, type OpenAIGeneratorOptions } from './openai.js';
export {
  createLocalGenerator,
  type CompletionLogProbs,
  type LocalGenerator,
  type LocalGeneratorOptions,
} from './local.js';
export {
  createReranker,
  type Reranker,
  type RerankerDiagnostics,
  type RerankerOptions,
  type RerankResult,
} from './reranker.js';
