/**
 * `gr2/prompt` — the GR2 output parser and validator (strict for rewards, lenient for serving).
 *
 * @packageDocumentation
 */
export {
  parseRerankOutput,
  indexCandidates,
  isPermutation,
  isIdentityOrder,
  fallbackToPreRank,
  type CandidateIndex,
  type LenientRerankParseResult,
  type ParseRerankOptions,
  type RerankDiagnostics,
  type RerankFormat,
  type RerankParseResult,
} from './parse_output.js';
export type { ChatMessage, ChatRole, RerankItem } from './types.js';
