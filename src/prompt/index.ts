/**
 * `gr2/prompt` — the LLM half of GR2: item rendering with neutralised metadata, the re-ranking prompt (reasoning
 * and reasoning-free, shuffling, KV-cache order, history token budget), teacher prompts, reward samples and
 * completions, SFT samples, mid-training corpora, and the output parser and validator (strict for rewards, lenient
 * for serving).
 *
 * @packageDocumentation
 */
export {
  parseRerankOutput,
  indexCandidates,
  isPermutation,
  isIdentityOrder,
  fallbackToPreRank,
  RERANK_ANSWER_KEYS,
  type CandidateIndex,
  type LenientRerankParseResult,
  type ParseRerankOptions,
  type RerankDiagnostics,
  type RerankFormat,
  type RerankParseResult,
} from './parse_output.js';
export type { ChatMessage, ChatRole, RerankItem } from './types.js';
export { neutralizeMetadata, renderPromptItem, type NeutralizeOptions, type RenderItemOptions } from './render.js';
export {
  buildRerankPrompt,
  buildTeacherPrompt,
  toPreRankOrder,
  DEFAULT_RERANK_TEMPLATES,
  DEFAULT_TARGETED_NOTE,
  ANALYST_PERSONA,
  type RerankPrompt,
  type RerankPromptInput,
  type RerankPromptOptions,
  type RerankPromptTemplates,
  type TeacherPromptOptions,
} from './rerank_prompt.js';
export {
  samplesFromSlates,
  base256Sid,
  renderRerankCompletion,
  type PromptedRerankSample,
  type SamplesFromSlatesOptions,
  type RenderCompletionOptions,
} from './samples.js';
export {
  buildSftSample,
  type ChatTokenizerLike,
  type SftConversation,
  type SftSample,
  type SftSampleOptions,
} from './sft.js';
export {
  nextSidSamples,
  captionSamples,
  personaSamples,
  generalTextSamples,
  mixMidTraining,
  DEFAULT_MIDTRAINING_RATIOS,
  DEFAULT_NEXT_SID_TEMPLATE,
  DEFAULT_CAPTION_TEMPLATE,
  type CaptionOptions,
  type CorpusItem,
  type MidTrainingRatios,
  type MidTrainingSample,
  type MidTrainingTask,
  type MixOptions,
  type NextSidOptions,
  type PersonaOptions,
  type PersonaUser,
  type CorpusSource,
} from './midtraining.js';
