/**
 * A {@link Generator} over a local ONNX causal LM through `@huggingface/transformers` (imported lazily: an optional
 * peer dependency), with SID-constrained decoding and token log-probs of given completions.
 *
 * @packageDocumentation
 */
import { resolve } from 'node:path';
import '../backend/register_builtins.js';
import { logSoftmaxGather } from '../backend/ops.js';
import type { BackendOption } from '../backend/types.js';
import { Gr2Error, GeneratorError, checkOptions, rangeError, typeError } from '../errors.js';
import type { ChatMessage } from '../prompt/types.js';
import { Random } from '../sampling/random.js';
import { DEFAULT_SID_SPEC, renderSid, sidVocabulary, tryParseSid, validateSidSpec, type SidSpec } from '../sid/sid_string.js';
import { RANKING_KEY, REASONING_KEY, SidAnswerAutomaton, maskRow, type AnswerSchemaTokens } from './constraint.js';
import { checkGenerateRequest, checkMessages, startDeadline } from './request.js';
import type { GenerateRequest, GenerateResult, Generation, Generator } from './types.js';

type Transformers = typeof import('@huggingface/transformers');
type Tokenizer = Awaited<ReturnType<Transformers['AutoTokenizer']['from_pretrained']>>;
type CausalLm = Awaited<ReturnType<Transformers['AutoModelForCausalLM']['from_pretrained']>>;

/** The install command named when `@huggingface/transformers` is missing. */
const INSTALL_HINT = 'npm install @huggingface/transformers@4.3.1 onnxruntime-node@1.30.0';

/** @internal Imports `@huggingface/transformers` on first use, or throws a `Gr2Error` naming the install command. */
export async function loadTransformers(fn: string): Promise<Transformers> {
  try {
    return await import('@huggingface/transformers');
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new Gr2Error(`${fn}: local generation needs the optional peer dependency '@huggingface/transformers'; run '${INSTALL_HINT}'.`, {
        cause: err,
      });
    }
    throw err;
  }
}

/** Options of {@link createLocalGenerator}. */
export interface LocalGeneratorOptions extends BackendOption {
  /** A name for logs. @defaultValue `'local:<folder name>'` */
  readonly name?: string;
  /** Weights' precision, as transformers.js names it (`onnx/model.onnx` for `'fp32'`). @defaultValue `'fp32'` */
  readonly dtype?: 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'bnb4' | 'q4f16';
  /** transformers.js device (`'cpu'`, `'cuda'`, `'webgpu'`, …). @defaultValue transformers.js's default */
  readonly device?: string;
  /** Maximum new tokens when a request sets none. @defaultValue `512` */
  readonly maxNewTokens?: number;
  /** SID format of the constrained answers. @defaultValue `DEFAULT_SID_SPEC` */
  readonly spec?: SidSpec;
  /** Budget of the explanation in constrained answers with reasoning; then the explanation is closed. Ours. @defaultValue `256` */
  readonly maxReasoningTokens?: number;
  /**
   * Jump-forward decoding of constrained answers without reasoning (ours): the forced text between SIDs is fed to
   * the model in one forward pass instead of one pass per token, so a K-candidate answer costs about one pass per
   * SID choice. Same tokens as step-by-step decoding (the same sampler draws at the same choice points); `false`
   * decodes every token through transformers.js `generate()` and the logits processor. @defaultValue `true`
   */
  readonly jumpForward?: boolean;
  /** Passed to the chat template (Qwen3's `enable_thinking`). @defaultValue `false` */
  readonly enableThinking?: boolean;
}

/**
 * Token log-probs of completions, shaped for the policy losses (`oldLogProbs`, `mask` of `dapoLoss` & co.):
 * row `b` holds `log π(y_t | prompt, y_<t)` of completion `b`'s tokens, right-padded with 0 up to the longest.
 */
export interface CompletionLogProbs {
  /** `[batch, maxLen]` log-probs (0 at padding). */
  readonly logProbs: { readonly data: Float32Array; readonly shape: readonly [number, number] };
  /** `[batch, maxLen]` 1 on completion tokens, 0 on padding. */
  readonly mask: { readonly data: Float32Array; readonly shape: readonly [number, number] };
  /** Token ids of each completion (as the tokenizer encodes its text, no end token). */
  readonly tokenIds: readonly (readonly number[])[];
  /** Number of tokens of each completion. */
  readonly lengths: readonly number[];
  /** Tokens of the prompt (the chat template with the generation prompt). */
  readonly promptTokens: number;
}

/** A {@link Generator} over a local model, that can also score given completions. */
export interface LocalGenerator extends Generator {
  /**
   * The model's token log-probs of each completion after the prompt `messages`, from one forward pass over
   * `prompt + completion` (batched, right-padded) and the backend's `logSoftmaxGather` kernel:
   * `logProbs[b][t] = logits[P−1+t, y_t] − log Σ_v exp(logits[P−1+t, v])` at temperature 1, unconstrained.
   */
  logProbsOf(messages: readonly ChatMessage[], completions: readonly string[]): Promise<CompletionLogProbs>;
  /** The vocabulary size of the model's output layer. */
  readonly vocabSize: number;
}

const OPTION_KEYS = ['name', 'dtype', 'device', 'maxNewTokens', 'spec', 'maxReasoningTokens', 'jumpForward', 'enableThinking', 'backend'] as const;

/**
 * Loads a causal LM from a local folder (`config.json`, tokenizer files, `onnx/model.onnx`; never the hub) and
 * returns a generator. Sampling is done by gr2 inside a transformers.js `LogitsProcessor` with a seeded
 * {@link Random} per request (temperature, top-p; greedy at temperature 0), so results are reproducible for a
 * `seed` and independent of concurrent requests; requests run one at a time.
 *
 * **SID-constrained decoding** (`request.constraint`): the processor only lets the model write the answer
 * `{"recommendations": ["SID", …]}` (or `{"explanation": "…", "recommendations": […]}` when
 * `constraint.reasoning`), where each SID is one of `constraint.candidates` and each candidate appears exactly
 * once — every finished answer is a valid permutation. Fixed text is forced; inside a SID only continuations of
 * unused candidates are allowed; the explanation may not contain quotes, backslashes, control or special tokens.
 * An answer cut by `maxTokens` ends with `finishReason: 'length'`.
 *
 * `tokenLogProbs` (with `request.logprobs`) are the model's unconstrained log-probs at temperature 1 of the
 * generated tokens (the end token excluded) — the policy's log-probs that {@link LocalGenerator.logProbsOf} also
 * returns. `stop` strings truncate the text after generation.
 *
 * @throws Gr2Error when `@huggingface/transformers` is not installed (the message names the install command).
 * @example
 * ```ts
 * const gen = await createLocalGenerator('./models/gr2-qwen3-0.6b');
 * const res = await gen.generate({ messages, constraint: { candidates: sids }, temperature: 1, seed: 3 });
 * const lp = await gen.logProbsOf(messages, res.generations.map((g) => g.text));
 * await dapoLoss({ logProbs: lp.logProbs, oldLogProbs: lp.logProbs, advantages, mask: lp.mask });
 * ```
 */
export async function createLocalGenerator(modelDir: string, options?: LocalGeneratorOptions): Promise<LocalGenerator> {
  const fn = 'createLocalGenerator';
  if (typeof modelDir !== 'string' || modelDir.length === 0) throw typeError(fn, 'modelDir', 'a non-empty folder path', modelDir);
  const o = checkOptions(fn, options, OPTION_KEYS);
  const maxNewTokens = o.maxNewTokens ?? 512;
  const maxReasoningTokens = o.maxReasoningTokens ?? 256;
  for (const [k, v] of [
    ['maxNewTokens', maxNewTokens],
    ['maxReasoningTokens', maxReasoningTokens],
  ] as const) {
    if (typeof v !== 'number') throw typeError(fn, `options.${k}`, 'a number', v);
    if (!Number.isInteger(v) || v < 1 || v > 2 ** 31 - 1) throw rangeError(fn, `options.${k}`, 'a positive integer', v);
  }
  if (o.jumpForward !== undefined && typeof o.jumpForward !== 'boolean') throw typeError(fn, 'options.jumpForward', 'a boolean', o.jumpForward);
  if (o.enableThinking !== undefined && typeof o.enableThinking !== 'boolean') throw typeError(fn, 'options.enableThinking', 'a boolean', o.enableThinking);
  if (o.name !== undefined && typeof o.name !== 'string') throw typeError(fn, 'options.name', 'a string', o.name);
  if (o.device !== undefined && typeof o.device !== 'string') throw typeError(fn, 'options.device', 'a string', o.device);
  const spec = validateSidSpec(o.spec ?? DEFAULT_SID_SPEC, fn);

  const T = await loadTransformers(fn);
  const dir = resolve(modelDir);
  let tokenizer: Tokenizer;
  let model: CausalLm;
  try {
    tokenizer = await T.AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    model = await T.AutoModelForCausalLM.from_pretrained(dir, {
      local_files_only: true,
      dtype: o.dtype ?? 'fp32',
      ...(o.device ? { device: o.device as never } : {}),
    });
  } catch (err) {
    throw new Gr2Error(`${fn}: could not load a causal LM from '${dir}' (${err instanceof Error ? err.message : String(err)}).`, { cause: err });
  }
  const ctx = buildContext(fn, T, tokenizer, model, spec, o.enableThinking ?? false, o.jumpForward ?? true);
  const name = o.name ?? `local:${dir.split(/[\\/]/).filter(Boolean).at(-1) ?? dir}`;
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <R>(job: () => Promise<R>): Promise<R> => {
    const next = chain.then(job, job);
    chain = next.catch(() => undefined);
    return next;
  };
  return {
    name,
    vocabSize: ctx.vocabSize,
    async generate(request: GenerateRequest): Promise<GenerateResult> {
      checkGenerateRequest(`${name}.generate`, request);
      return serial(() => generateLocal(name, ctx, request, maxNewTokens, maxReasoningTokens));
    },
    async logProbsOf(messages, completions) {
      const f = `${name}.logProbsOf`;
      checkMessages(f, 'messages', messages);
      if (!Array.isArray(completions)) throw typeError(f, 'completions', 'an array of strings', completions);
      completions.forEach((c, i) => {
        if (typeof c !== 'string') throw typeError(f, `completions[${i}]`, 'a string', c);
      });
      return serial(() => logProbsLocal(ctx, messages, completions, o.backend));
    },
    async close() {
      await serial(async () => {
        await (model as unknown as { dispose?: () => Promise<unknown> }).dispose?.();
      });
    },
  };
}

/** @internal Everything a request needs, computed once per model. */
interface LocalContext {
  readonly T: Transformers;
  readonly tokenizer: Tokenizer;
  readonly model: CausalLm;
  readonly spec: SidSpec;
  readonly vocabSize: number;
  readonly schema: AnswerSchemaTokens;
  readonly sidIds: ReadonlySet<number>;
  readonly eos: number;
  readonly pad: number;
  readonly enableThinking: boolean;
  readonly jumpForward: boolean;
  encode(text: string): number[];
}

function buildContext(fn: string, T: Transformers, tokenizer: Tokenizer, model: CausalLm, spec: SidSpec, enableThinking: boolean, jumpForward: boolean): LocalContext {
  const cfg = model.config as unknown as { vocab_size?: number; eos_token_id?: number | number[]; pad_token_id?: number | null };
  const vocab = tokenizer.get_vocab();
  const vocabSize = cfg.vocab_size ?? Math.max(...vocab.values()) + 1;
  const eosCfg = (model as unknown as { generation_config?: { eos_token_id?: number | number[] } }).generation_config?.eos_token_id ?? cfg.eos_token_id;
  const eos = Array.isArray(eosCfg) ? eosCfg[0] : eosCfg;
  if (typeof eos !== 'number') throw new Gr2Error(`${fn}: the model config has no eos_token_id.`);
  const pad = typeof cfg.pad_token_id === 'number' ? cfg.pad_token_id : eos;
  const encode = (text: string): number[] => tokenizer.encode(text, { add_special_tokens: false });
  const sidIds = new Set<number>();
  for (const t of sidVocabulary(spec)) {
    const id = vocab.get(t);
    if (id === undefined) {
      throw new Gr2Error(`${fn}: the tokenizer has no SID token '${t}'; extend it with writeExtendedTokenizer (gr2/sid) and resize the model.`);
    }
    sidIds.add(id);
  }
  const quote = encode('"');
  if (quote.length !== 1) throw new Gr2Error(`${fn}: the tokenizer does not encode '"' as one token.`);
  const blocked = new Uint8Array(vocabSize).fill(1);
  for (const [tok, id] of vocab) {
    if (id >= vocabSize || sidIds.has(id)) continue;
    if (/["\\\u0100-\u011f\u0121]/.test(tok) || /^<\|.*\|>$/.test(tok)) continue;
    blocked[id] = 0;
  }
  blocked[quote[0]!] = 1;
  const notInReasoning = new Int32Array(blocked.reduce((n, b) => n + b, 0));
  for (let i = 0, k = 0; i < vocabSize; i++) if (blocked[i]) notInReasoning[k++] = i;
  const schema: AnswerSchemaTokens = {
    open: encode(`{"${RANKING_KEY}": ["`),
    openReasoning: encode(`{"${REASONING_KEY}": "`),
    quoteToken: quote[0]!,
    afterReasoning: encode(`, "${RANKING_KEY}": ["`),
    between: encode('", "'),
    close: encode('"]}'),
    eos,
    notInReasoning,
    blockedInReasoning: blocked,
  };
  return { T, tokenizer, model, spec, vocabSize, schema, sidIds, eos, pad, enableThinking, jumpForward, encode };
}

/** @internal The prompt token ids of a conversation (chat template + generation prompt). */
function promptIds(ctx: LocalContext, messages: readonly ChatMessage[]): number[] {
  const ids = ctx.tokenizer.apply_chat_template(messages as ChatMessage[], {
    add_generation_prompt: true,
    tokenize: true,
    return_tensor: false,
    enable_thinking: ctx.enableThinking,
  } as never) as unknown as number[] | { input_ids: number[] };
  return Array.from(Array.isArray(ids) ? ids : ids.input_ids, Number);
}

/** @internal Token ids of each candidate SID (canonical rendering), validated against the SID vocabulary. */
function candidateTokens(fn: string, ctx: LocalContext, candidates: readonly string[]): number[][] {
  return candidates.map((s, i) => {
    const codes = tryParseSid(s.trim(), ctx.spec);
    if (!codes) throw rangeError(fn, `request.constraint.candidates[${i}]`, 'a rendered SID of the generator spec', s);
    const ids = ctx.encode(renderSid(codes, ctx.spec));
    if (ids.some((id) => !ctx.sidIds.has(id))) throw rangeError(fn, `request.constraint.candidates[${i}]`, 'a SID made of SID tokens only', s);
    return ids;
  });
}

/** @internal Sampling state of one row (one of the `n` samples). */
interface RowState {
  readonly automaton: SidAnswerAutomaton | null;
  readonly rng: Random;
  readonly tokens: number[];
  readonly logProbs: number[];
  done: boolean;
}

/** @internal Settings of the in-processor sampler. */
interface SamplerSettings {
  readonly temperature: number;
  readonly topP: number;
  readonly logprobs: boolean;
}

/** @internal `log Σ exp(row)` (max-shifted, float64). */
function logSumExp(row: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i]! > max) max = row[i]!;
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i]! - max);
  return max + Math.log(sum);
}

/**
 * @internal Draws a token from `row` restricted to `ids` (or to every id not `blocked` when `ids` is null; `blocked`
 * may be null): argmax at temperature 0, else softmax(row / temperature) truncated to the top-`topP` nucleus.
 */
export function sampleToken(row: Float32Array, ids: readonly number[] | null, blocked: Uint8Array | null, s: SamplerSettings, rng: Random): number {
  const n = ids ? ids.length : row.length;
  const idAt = ids ? (k: number): number => ids[k]! : (k: number): number => k;
  const ok = (k: number): boolean => ids !== null || blocked === null || blocked[k] === 0;
  let best = -1;
  let max = -Infinity;
  for (let k = 0; k < n; k++) {
    if (!ok(k)) continue;
    const v = row[idAt(k)]!;
    if (best < 0 || v > max) [best, max] = [k, v];
  }
  if (best < 0) throw new Gr2Error('constrained decoding: no token is allowed.');
  if (s.temperature === 0 || n === 1) return idAt(best);
  const p = new Float64Array(n);
  let z = 0;
  for (let k = 0; k < n; k++) if (ok(k)) z += p[k] = Math.exp((row[idAt(k)]! - max) / s.temperature);
  let nucleus: number[] | null = null;
  let mass = z;
  if (s.topP < 1) {
    // Every token with p ≤ (1 − topP)/n lies outside the nucleus (together they weigh < 1 − topP): sort only the rest.
    const eps = ((1 - s.topP) / n) * z;
    nucleus = [];
    for (let k = 0; k < n; k++) if (p[k]! > eps) nucleus.push(k);
    nucleus.sort((a, b) => p[b]! - p[a]!);
    let cum = 0;
    for (let j = 0; j < nucleus.length; j++) {
      cum += p[nucleus[j]!]!;
      if (cum >= s.topP * z) {
        nucleus.length = j + 1;
        break;
      }
    }
    mass = cum;
  }
  let u = rng.random() * mass;
  if (nucleus) {
    for (const k of nucleus) if ((u -= p[k]!) < 0) return idAt(k);
    return idAt(nucleus[nucleus.length - 1]!);
  }
  let last = best;
  for (let k = 0; k < n; k++) {
    if (p[k] === 0) continue;
    last = k;
    if ((u -= p[k]!) < 0) return idAt(k);
  }
  return idAt(last);
}

/** @internal The transformers.js logits processor: the SID constraint and gr2's seeded sampler in one step. */
function makeProcessor(ctx: LocalContext, rows: RowState[], s: SamplerSettings): unknown {
  const V = ctx.vocabSize;
  const blockedFree = ctx.schema.blockedInReasoning;
  class Gr2SidConstraintProcessor extends ctx.T.LogitsProcessor {
    override _call(_inputIds: bigint[][], logits: InstanceType<Transformers['Tensor']>): InstanceType<Transformers['Tensor']> {
      const data = logits.data as Float32Array;
      rows.forEach((r, b) => {
        const row = data.subarray(b * V, (b + 1) * V);
        let token: number;
        if (r.done) token = ctx.pad;
        else {
          const allowed = r.automaton?.allowed() ?? null;
          if (allowed === null) token = sampleToken(row, null, null, s, r.rng);
          else if (allowed.kind === 'tokens') token = allowed.ids.length === 1 ? allowed.ids[0]! : sampleToken(row, allowed.ids, null, s, r.rng);
          else token = sampleToken(row, null, blockedFree, s, r.rng) ;
          if (token === undefined) token = ctx.eos;
          if (s.logprobs && token !== ctx.eos) r.logProbs.push(row[token]! - logSumExp(row));
          r.automaton?.advance(token);
          if (token === ctx.eos) r.done = true;
          else r.tokens.push(token);
        }
        row.fill(-Infinity);
        row[token] = 0;
      });
      return logits;
    }
  }
  return new Gr2SidConstraintProcessor();
}

/** @internal Stops every row once all are done or the request's signal fired. */
function makeStopper(ctx: LocalContext, rows: RowState[], signal: AbortSignal): unknown {
  class Gr2Stopper extends ctx.T.StoppingCriteria {
    override _call(inputIds: number[][]): boolean[] {
      const stop = signal.aborted || rows.every((r) => r.done);
      return inputIds.map(() => stop);
    }
  }
  return new Gr2Stopper();
}

/** @internal One request on the local model. */
async function generateLocal(name: string, ctx: LocalContext, req: GenerateRequest, maxNewTokens: number, maxReasoningTokens: number): Promise<GenerateResult> {
  const started = performance.now();
  const fn = `${name}.generate`;
  const cands = req.constraint ? candidateTokens(fn, ctx, req.constraint.candidates) : null;
  if (cands && cands.length === 0) throw rangeError(fn, 'request.constraint.candidates', 'a non-empty array', req.constraint!.candidates);
  const deadline = startDeadline(req.timeoutMs, req.signal);
  try {
    if (deadline.reason()) throw deadline.error(name);
    const prompt = promptIds(ctx, req.messages);
    const n = req.n ?? 1;
    const seeder = new Random(req.seed ?? 1234);
    const rows: RowState[] = Array.from({ length: n }, () => ({
      automaton: cands ? new SidAnswerAutomaton(ctx.schema, cands, req.constraint!.reasoning ?? false, maxReasoningTokens) : null,
      rng: new Random(seeder.uint32()),
      tokens: [],
      logProbs: [],
      done: false,
    }));
    const settings: SamplerSettings = { temperature: req.temperature ?? 1, topP: req.topP ?? 1, logprobs: req.logprobs ?? false };
    const flat = new BigInt64Array(n * prompt.length);
    for (let b = 0; b < n; b++) for (let t = 0; t < prompt.length; t++) flat[b * prompt.length + t] = BigInt(prompt[t]!);
    const maxTokens = req.maxTokens ?? maxNewTokens;
    try {
      if (cands && ctx.jumpForward && !(req.constraint!.reasoning ?? false)) await jumpForward(ctx, prompt, rows, settings, maxTokens, deadline.signal);
      else await stepwise(ctx, prompt, rows, settings, maxTokens, deadline.signal);
    } catch (err) {
      if (deadline.reason()) throw deadline.error(name, err);
      if (err instanceof Gr2Error) throw err;
      throw new GeneratorError('server', `${name}: generation failed (${err instanceof Error ? err.message : String(err)}).`, { cause: err });
    }
    if (deadline.reason()) throw deadline.error(name);
    const generations = rows.map((r) => toGeneration(ctx, r, req));
    return {
      generations,
      usage: { promptTokens: prompt.length, completionTokens: rows.reduce((a, r) => a + r.tokens.length + (r.done ? 1 : 0), 0) },
      model: name,
      latencyMs: performance.now() - started,
    };
  } finally {
    deadline.dispose();
  }
}

/** @internal Step-by-step decoding of all rows as one batch through transformers.js `generate()` and the processor. */
async function stepwise(ctx: LocalContext, prompt: number[], rows: RowState[], settings: SamplerSettings, maxTokens: number, signal: AbortSignal): Promise<void> {
  const n = rows.length;
  const flat = new BigInt64Array(n * prompt.length);
  for (let b = 0; b < n; b++) for (let t = 0; t < prompt.length; t++) flat[b * prompt.length + t] = BigInt(prompt[t]!);
  const { Tensor } = ctx.T;
  await ctx.model.generate({
    input_ids: new Tensor('int64', flat, [n, prompt.length]),
    attention_mask: new Tensor('int64', new BigInt64Array(n * prompt.length).fill(1n), [n, prompt.length]),
    max_new_tokens: maxTokens,
    do_sample: false,
    num_beams: 1,
    repetition_penalty: 1,
    logits_processor: [makeProcessor(ctx, rows, settings)],
    stopping_criteria: [makeStopper(ctx, rows, signal)],
  } as never);
}

type Past = Record<string, unknown>;

/** @internal One forward pass over `ids` after `pastLen` cached tokens; the last `keep` logit rows and the new cache. */
async function forwardChunk(ctx: LocalContext, ids: readonly number[], past: Past | null, pastLen: number, keep: number): Promise<{ rows: Float32Array[]; past: Past }> {
  const { Tensor } = ctx.T;
  const S = ids.length;
  const out = (await ctx.model.forward({
    input_ids: new Tensor('int64', BigInt64Array.from(ids, (t) => BigInt(t)), [1, S]),
    attention_mask: new Tensor('int64', new BigInt64Array(pastLen + S).fill(1n), [1, pastLen + S]),
    num_logits_to_keep: new Tensor('int64', [BigInt(keep)], []),
    ...(past ? { past_key_values: past } : {}),
  })) as Record<string, { data: Float32Array; dims: number[] }>;
  const logits = out.logits!;
  const V = logits.dims[2]!;
  const kept = logits.dims[1]!;
  const rows: Float32Array[] = [];
  for (let j = kept - keep; j < kept; j++) rows.push(logits.data.subarray(j * V, (j + 1) * V));
  const next: Past = {};
  for (const [k, v] of Object.entries(out)) if (k.startsWith('present')) next[k.replace('present', 'past_key_values')] = v;
  return { rows, past: next };
}

/**
 * @internal Jump-forward constrained decoding, row by row from one shared prefill: forced tokens are appended
 * without a model call and fed together at the next choice point, whose logits come from that one pass.
 */
async function jumpForward(ctx: LocalContext, prompt: number[], rows: RowState[], s: SamplerSettings, maxTokens: number, signal: AbortSignal): Promise<void> {
  const pre = await forwardChunk(ctx, prompt, null, 0, 1);
  for (const r of rows) {
    const a = r.automaton!;
    let last = pre.rows[0]!;
    let past = pre.past;
    let pastLen = prompt.length;
    let pending: number[] = [];
    let pendingAt = 0; // index in r.logProbs of pending[0]
    const flush = async (): Promise<void> => {
      const keep = s.logprobs ? pending.length : 1;
      const res = await forwardChunk(ctx, pending, past, pastLen, keep);
      if (s.logprobs) for (let j = 0; j + 1 < pending.length; j++) r.logProbs[pendingAt + j + 1] = res.rows[j]![pending[j + 1]!]! - logSumExp(res.rows[j]!);
      last = res.rows[res.rows.length - 1]!;
      past = res.past;
      pastLen += pending.length;
      pending = [];
    };
    for (let count = 0; count < maxTokens && !r.done; count++) {
      if (signal.aborted) return;
      const allowed = a.allowed();
      if (allowed.kind !== 'tokens') throw new Gr2Error('jump-forward decoding reached free text.');
      let token: number;
      if (allowed.ids.length === 1) token = allowed.ids[0]!;
      else {
        if (pending.length > 0) await flush();
        token = sampleToken(last, allowed.ids, null, s, r.rng);
      }
      a.advance(token);
      if (token === ctx.eos) {
        r.done = true;
        break;
      }
      if (pending.length === 0) {
        pendingAt = r.logProbs.length;
        if (s.logprobs) r.logProbs.push(last[token]! - logSumExp(last));
      } else if (s.logprobs) r.logProbs.push(Number.NaN); // filled by the next flush
      pending.push(token);
      r.tokens.push(token);
    }
    if (s.logprobs && pending.length > 1) await flush();
  }
}

/** @internal A row's tokens as a {@link Generation} (stop strings applied to the text). */
function toGeneration(ctx: LocalContext, r: RowState, req: GenerateRequest): Generation {
  let text = ctx.tokenizer.decode(r.tokens, { skip_special_tokens: true });
  let finishReason: Generation['finishReason'] = r.done ? 'stop' : 'length';
  for (const s of req.stop ?? []) {
    const at = text.indexOf(s);
    if (at >= 0) {
      text = text.slice(0, at);
      finishReason = 'stop';
    }
  }
  return {
    text,
    finishReason,
    completionTokens: r.tokens.length,
    ...(req.logprobs ? { tokenLogProbs: r.logProbs, tokens: r.tokens.map((t) => ctx.tokenizer.decode([t])) } : {}),
  };
}

/** @internal {@link LocalGenerator.logProbsOf}: one batched forward pass, then `logSoftmaxGather`. */
async function logProbsLocal(ctx: LocalContext, messages: readonly ChatMessage[], completions: readonly string[], backend: BackendOption['backend']): Promise<CompletionLogProbs> {
  const prompt = promptIds(ctx, messages);
  const P = prompt.length;
  const tokenIds = completions.map((c) => ctx.encode(c));
  const lengths = tokenIds.map((t) => t.length);
  const B = completions.length;
  const L = Math.max(0, ...lengths);
  const empty = { data: new Float32Array(0), shape: [B, L] as const };
  if (B === 0 || L === 0) {
    return { logProbs: { ...empty, data: new Float32Array(B * L) }, mask: { ...empty, data: new Float32Array(B * L) }, tokenIds, lengths, promptTokens: P };
  }
  const S = P + L;
  const ids = new BigInt64Array(B * S);
  const att = new BigInt64Array(B * S);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < S; t++) {
      const tok = t < P ? prompt[t]! : (tokenIds[b]![t - P] ?? ctx.pad);
      ids[b * S + t] = BigInt(tok);
      att[b * S + t] = t < P + lengths[b]! ? 1n : 0n;
    }
  }
  const { Tensor } = ctx.T;
  // the trailing L + 1 positions (P−1 … S−1) are the ones that predict completion tokens
  const out = (await ctx.model.forward({
    input_ids: new Tensor('int64', ids, [B, S]),
    attention_mask: new Tensor('int64', att, [B, S]),
    num_logits_to_keep: new Tensor('int64', [BigInt(L + 1)], []),
  })) as { logits: { data: Float32Array; dims: number[] } };
  const V = out.logits.dims[2]!;
  const kept = out.logits.dims[1]!; // L + 1 when the model honours num_logits_to_keep, else S
  const offset = kept - (L + 1);
  const logits = new Float32Array(B * L * V);
  for (let b = 0; b < B; b++) {
    const from = (b * kept + offset) * V;
    logits.set(out.logits.data.subarray(from, from + L * V), b * L * V);
  }
  const gatherIds = new Int32Array(B * L);
  for (let b = 0; b < B; b++) for (let t = 0; t < lengths[b]!; t++) gatherIds[b * L + t] = tokenIds[b]![t]!;
  const lp = await logSoftmaxGather({ data: logits, dims: [B, L, V] }, { data: gatherIds, dims: [B, L] }, backend ? { backend } : {});
  const data = new Float32Array(B * L);
  const mask = new Float32Array(B * L);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < lengths[b]!; t++) {
      data[b * L + t] = lp.data[b * L + t]!;
      mask[b * L + t] = 1;
    }
  }
  return { logProbs: { data, shape: [B, L] }, mask: { data: mask, shape: [B, L] }, tokenIds, lengths, promptTokens: P };
}
