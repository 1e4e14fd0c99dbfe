/**
 * gr2 — building blocks of GR2, the Generative Reasoning Re-ranker (arXiv:2602.07774 and its Technical Report
 * arXiv:2606.31984): semantic-ID tokenizer, metrics, rewards, RL losses and data tools on a pluggable tensor
 * backend (ONNX Runtime by default, pure TypeScript reference).
 *
 * Every module is also available as a subpath (`gr2/backend`, `gr2/sid`, `gr2/metrics`, `gr2/rewards`,
 * `gr2/rl`, `gr2/prompt`, `gr2/sampling`, `gr2/data`).
 *
 * @packageDocumentation
 */
export * from './errors.js';
export { env, log, type Gr2Env, type LogLevel, type LogSink } from './env.js';
export { createRegistry, type Registry } from './registry.js';
export * from './backend/index.js';
export * from './sampling/index.js';
