/**
 * gr2 — building blocks of GR2, the Generative Reasoning Re-ranker (arXiv:2602.07774 and its Technical Report
 * arXiv:2606.31984): semantic-ID tokenizer, metrics, rewards, RL losses and data tools on a pluggable tensor
 * backend (ONNX Runtime by default, pure TypeScript reference).
 *
 * Every module is also available as a subpath (`gr2/backend`, `gr2/sid`, `gr2/metrics`, `gr2/rewards`,
 * `gr2/rl`, `gr2/prompt`, `gr2/sampling`, `gr2/data`, `gr2/export`).
 *
 * @packageDocumentation
 */
export * from './errors.js';
export { env, log, type Gr2Env, type LogLevel, type LogSink } from './env.js';
export { createRegistry, type Registry } from './registry.js';
export * from './backend/index.js';
export * from './sampling/index.js';
export * from './data/index.js';
export * from './metrics/index.js';
export * from './sid/index.js';
export * from './prompt/index.js';
export * from './rewards/index.js';
export * from './rl/index.js';
export * from './generate/index.js';
export * from './export/index.js';
/** Item identifiers (`number | string`), as used by metrics and `SidIndex`. */
export type { ItemId } from './metrics/index.js';
