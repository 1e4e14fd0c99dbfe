import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  fallbackToPreRank,
  indexCandidates,
  isIdentityOrder,
  isPermutation,
  parseRerankOutput,
} from '../../src/prompt/index.js';
import { createSidSpec, renderSid } from '../../src/sid/sid_string.js';

// Five candidate SIDs in pre-rank order.
const C = [
  [97, 168, 137, 135],
  [1, 2, 3, 4],
  [10, 20, 30, 40],
  [255, 0, 255, 0],
  [5, 5, 5, 5],
].map((codes) => renderSid(codes));
const json = (order: readonly number[], extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ explanation: 'User bought shampoo; conditioner next.', recommendations: order.map((i) => C[i]), ...extra });

describe('parseRerankOutput: formats', () => {
  it('reads the GR2 JSON object', () => {
    const r = parseRerankOutput(json([2, 0, 1, 4, 3]), C);
    expect(r.valid).toBe(true);
    expect(r.format).toBe('json');
    expect(r.order).toEqual([2, 0, 1, 4, 3]);
    expect(r.reasoning).toBe('User bought shampoo; conditioner next.');
    expect(r.diagnostics.extraText).toBe(false);
    expect(r.diagnostics.messages).toEqual([]);
  });
  it('reads fenced JSON and JSON after a <think> block', () => {
    const fenced = '```json\n' + json([4, 3, 2, 1, 0]) + '\n```';
    expect(parseRerankOutput(fenced, C).order).toEqual([4, 3, 2, 1, 0]);
    expect(parseRerankOutput(fenced, C).diagnostics.extraText).toBe(false);
    const think = `<think>The history shows ${C[1]} twice.</think>\n\n` + JSON.stringify({ recommendations: [C[1], C[0], C[2], C[3], C[4]] });
    const r = parseRerankOutput(think, C);
    expect(r.valid).toBe(true);
    expect(r.order).toEqual([1, 0, 2, 3, 4]);
    expect(r.reasoning).toBe(`The history shows ${C[1]} twice.`);
    // Qwen3 chat templates often put <think> in the prompt: a lone </think> still separates the reasoning.
    const lone = 'because ...</think>' + json([0, 1, 2, 3, 4]);
    expect(parseRerankOutput(lone, C).valid).toBe(true);
  });
  it('a reasoning of whitespace only is missing: exactly the characters String.prototype.trim strips', () => {
    // every code point up to U+FFFF: missing iff trim() strips it (WhiteSpace and LineTerminator of ECMA-262)
    const ranking = [C[0], C[1], C[2], C[3], C[4]];
    for (let cp = 0; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCharCode(cp);
      const stripped = (' ' + ch + ' ').trim().length === 0;
      if (!stripped && cp % 97 !== 0 && cp > 0x3100) continue; // sample the long tail of ordinary characters
      const text = JSON.stringify({ explanation: `${ch}\t${ch}`, recommendations: ranking });
      const r = parseRerankOutput(text, C, { requireReasoning: 'json' });
      expect(r.diagnostics.missingReasoning, `U+${cp.toString(16)}`).toBe(stripped);
      expect(r.valid, `U+${cp.toString(16)}`).toBe(!stripped);
      expect(parseRerankOutput(text, C, { requireReasoning: true }).valid).toBe(!stripped);
    }
  });
  it('reads the reasoning-free variant (ranking only, object or bare list)', () => {
    const obj = JSON.stringify({ recommendations: [C[3], C[2], C[1], C[0], C[4]] });
    const r = parseRerankOutput(obj, C);
    expect(r.valid).toBe(true);
    expect(r.reasoning).toBeNull();
    expect(r.diagnostics.missingReasoning).toBe(true);
    expect(parseRerankOutput(obj, C, { requireReasoning: true }).valid).toBe(false);
    // 'json': the reasoning must be the JSON answer's own field (P1's Ω); a <think> block alone does not count
    const thinkOnly = `<think>${C[3]} completes the set</think>` + obj;
    expect(parseRerankOutput(thinkOnly, C, { requireReasoning: true }).valid).toBe(true);
    expect(parseRerankOutput(thinkOnly, C, { requireReasoning: 'json' }).valid).toBe(false);
    expect(parseRerankOutput(thinkOnly, C, { requireReasoning: 'json' }).diagnostics.messages).toContain('no reasoning in the JSON answer');
    expect(parseRerankOutput(json([0, 1, 2, 3, 4]), C, { requireReasoning: 'json' }).valid).toBe(true);
    expect(() => parseRerankOutput(obj, C, { requireReasoning: 'yes' as unknown as boolean })).toThrow(/'options.requireReasoning'/);
    const bare = JSON.stringify([C[3], C[2], C[1], C[0], C[4]]);
    expect(parseRerankOutput(bare, C).order).toEqual([3, 2, 1, 0, 4]);
  });
  it('reads RankGPT chains (1-based by default) and numeric JSON entries when indices are asked for', () => {
    const yes = { allowIndices: true } as const;
    const r = parseRerankOutput('[3] > [1] > [2] > [5] > [4]', C, yes);
    expect(r.format).toBe('rankgpt');
    expect(r.order).toEqual([2, 0, 1, 4, 3]);
    expect(parseRerankOutput('[2] > [0] > [1] > [4] > [3]', C, { ...yes, indexBase: 0 }).order).toEqual([2, 0, 1, 4, 3]);
    expect(parseRerankOutput('{"recommendations": [3, 1, 2, 5, 4]}', C, yes).order).toEqual([2, 0, 1, 4, 3]);
    expect(parseRerankOutput('[3] > [1] > [2] > [5] > [4]', C, { ...yes, formats: ['json'] }).valid).toBe(false);
  });
  it('strict mode refuses numeric indices unless asked (GR2 cites SIDs); lenient mode reads them', () => {
    for (const t of ['[3] > [1] > [2] > [5] > [4]', '{"explanation": "e", "recommendations": [3, 1, 2, 5, 4]}']) {
      const r = parseRerankOutput(t, C);
      expect(r.valid).toBe(false);
      expect(r.order).toBeNull();
      expect(r.parsedOrder).toEqual([2, 0, 1, 4, 3]);
      expect(r.diagnostics.messages).toContain('numeric indices not accepted (allowIndices: false)');
      expect(parseRerankOutput(t, C, { mode: 'lenient' }).order).toEqual([2, 0, 1, 4, 3]);
    }
    // a mix of SIDs and one index is refused too
    const mixed = JSON.stringify({ explanation: 'e', recommendations: [C[0], C[1], C[2], C[3], 5] });
    expect(parseRerankOutput(mixed, C).valid).toBe(false);
    expect(parseRerankOutput(mixed, C, { allowIndices: true }).valid).toBe(true);
  });
  it('honours configurable key names', () => {
    const t = JSON.stringify({ why: 'x', ranking: [C[1], C[0], C[2], C[3], C[4]] });
    expect(parseRerankOutput(t, C).valid).toBe(false);
    const r = parseRerankOutput(t, C, { reasoningKey: 'why', rankingKey: 'ranking' });
    expect(r.order).toEqual([1, 0, 2, 3, 4]);
    expect(r.reasoning).toBe('x');
  });
  it('matches SIDs written with spaces between tokens (decoder output)', () => {
    const spaced = C.map((s) => s.replaceAll('><', '> <'));
    const t = JSON.stringify({ recommendations: [spaced[4], spaced[3], spaced[2], spaced[1], spaced[0]] });
    expect(parseRerankOutput(t, C).order).toEqual([4, 3, 2, 1, 0]);
  });
  it('skips braces in prose before the answer and reports extra text', () => {
    const t = 'Sure {here} is my answer:\n' + json([0, 1, 2, 3, 4]) + '\nHope this helps.';
    const r = parseRerankOutput(t, C);
    expect(r.valid).toBe(true);
    expect(r.diagnostics.extraText).toBe(true);
    expect(parseRerankOutput(t, C, { allowExtraText: false }).valid).toBe(false);
  });
  it('entries that carry a title after the SID are out of set in strict mode, matched in lenient mode', () => {
    const t = JSON.stringify({ recommendations: [`${C[1]} Rose lip balm`, `${C[0]} (shampoo)`, C[2], C[3], C[4]] });
    const strict = parseRerankOutput(t, C);
    expect(strict.valid).toBe(false);
    expect(strict.diagnostics.outOfSetCount).toBe(2);
    expect(parseRerankOutput(t, C, { mode: 'lenient' }).order).toEqual([1, 0, 2, 3, 4]);
  });
  it('strict SID validity: exact tokens only — malformed entries are out of set', () => {
    const B = '<|sid_begin|>';
    const E = '<|sid_end|>';
    const body = '<s_a_1><s_b_2><s_c_3><s_d_4>'; // the codes of C[1]
    const malformed = [
      `${B}${body}<s_e_5>${E}`, // a fifth level
      `${body}${E}`, // no <|sid_begin|>
      `${B}${body}`, // no <|sid_end|>
      body, // no boundaries
      `<|sid_\u200bbegin|>${body}${E}`, // zero-width space inside the begin token
      `${B}${body}<|sid_\u200dend|>`, // zero-width joiner inside the end token
      `${B}\u200b${body}${E}`, // zero-width space between tokens
      `\u202e${B}${body}${E}`, // bidi override before the SID
      `${B}<s_a_1>\u2066<s_b_2><s_c_3><s_d_4>${E}`, // bidi isolate between level tokens
      `${B}${body}${E} lip balm`, // extra text inside the entry
      `best: ${B}${body}${E}`,
    ];
    for (const bad of malformed) {
      const t = JSON.stringify({ explanation: 'e', recommendations: [C[0], bad, C[2], C[3], C[4]] });
      const r = parseRerankOutput(t, C);
      expect(r.valid, JSON.stringify(bad)).toBe(false);
      expect(r.diagnostics.outOfSetCount, JSON.stringify(bad)).toBe(1);
      expect(r.diagnostics.missing).toEqual([1]);
    }
    // whitespace between the exact tokens is not a token: still the same SID
    const spaced = `  ${B} <s_a_1>\n<s_b_2>\t<s_c_3> <s_d_4> ${E} `;
    const ok = parseRerankOutput(JSON.stringify({ explanation: 'e', recommendations: [C[0], spaced, C[2], C[3], C[4]] }), C);
    expect(ok.valid).toBe(true);
    // a malformed SID is not reported as a well-formed unknown SID
    const five = parseRerankOutput(JSON.stringify({ explanation: 'e', recommendations: [C[0], malformed[0], C[2], C[3], C[4]] }), C);
    expect(five.diagnostics.unknownSidCount).toBe(0);
  });
  it('matches plain (non-SID) candidate ids exactly', () => {
    const ids = ['item-a', 'item-b', 'item-c'];
    expect(parseRerankOutput('{"recommendations": ["item-c", "item-a", "item-b"]}', ids).order).toEqual([2, 0, 1]);
  });
  it('uses a custom SID spec', () => {
    const spec = createSidSpec({ levels: 2, codebookSizes: [8, 8], begin: '<B>', end: '<E>' });
    const cs = [renderSid([1, 2], spec), renderSid([3, 4], spec)];
    const t = `{"recommendations": ["<B> <s_a_3> <s_b_4> <E>", "${cs[0]}"]}`;
    expect(parseRerankOutput(t, cs, { spec }).order).toEqual([1, 0]);
  });
});

describe('parseRerankOutput: diagnostics, strict vs lenient', () => {
  const unknown = renderSid([9, 9, 9, 9]);
  const bad = JSON.stringify({ explanation: 'e', recommendations: [C[2], C[2], unknown, 'not an id', C[0]] });
  it('strict: reports duplicates, missing, out-of-set and unknown SIDs; order is null', () => {
    const r = parseRerankOutput(bad, C);
    expect(r.valid).toBe(false);
    expect(r.order).toBeNull();
    expect(r.parsedOrder).toEqual([2, 2, 0]);
    expect(r.diagnostics.duplicates).toEqual([2]);
    expect(r.diagnostics.missing).toEqual([1, 3, 4]);
    expect(r.diagnostics.outOfSet).toEqual([unknown, 'not an id']);
    expect(r.diagnostics.outOfSetCount).toBe(2);
    expect(r.diagnostics.unknownSids).toEqual([unknown]);
    expect(r.diagnostics.unknownSidCount).toBe(1);
    expect(r.diagnostics.unparsable).toBe(false);
  });
  it('lenient: drops duplicates and unknown ids, appends the missing in input order', () => {
    const r = parseRerankOutput(bad, C, { mode: 'lenient' });
    expect(r.valid).toBe(false);
    expect(r.order).toEqual([2, 0, 1, 3, 4]);
    expect(r.diagnostics.fallback).toBe(false);
  });
  it('lenient: falls back to the input order when nothing parses', () => {
    for (const t of ['', 'I cannot decide.', '{"recommendations": "none"}', '<think>unterminated ' + C[3]]) {
      const r = parseRerankOutput(t, C, { mode: 'lenient' });
      expect(r.order).toEqual([0, 1, 2, 3, 4]);
      expect(r.diagnostics.fallback).toBe(true);
      expect(r.diagnostics.unparsable).toBe(true);
      expect(parseRerankOutput(t, C).order).toBeNull();
    }
  });
  it('lenient: reads the SIDs after the ranking key of truncated JSON, not the citations in the explanation', () => {
    const full = JSON.stringify({ explanation: `cites ${C[4]} first`, recommendations: [C[3], C[1], C[0], C[2], C[4]] });
    const cut = full.slice(0, full.indexOf(C[2]) - 3);
    const strict = parseRerankOutput(cut, C);
    expect(strict.valid).toBe(false);
    expect(strict.diagnostics.unparsable).toBe(true);
    const r = parseRerankOutput(cut, C, { mode: 'lenient' });
    expect(r.format).toBe('sids');
    expect(r.order).toEqual([3, 1, 0, 2, 4]);
  });
  it("a bare SID list is valid only when 'sids' is an accepted format", () => {
    const t = [C[1], C[0], C[2], C[3], C[4]].join('\n');
    expect(parseRerankOutput(t, C).valid).toBe(false);
    expect(parseRerankOutput(t, C, { formats: ['sids'] }).order).toEqual([1, 0, 2, 3, 4]);
  });
  it('caps diagnostic lists but counts exactly', () => {
    const t = JSON.stringify({ recommendations: Array.from({ length: 300 }, (_, i) => `x${i}`) });
    const r = parseRerankOutput(t, C, { maxDiagnostics: 5 });
    expect(r.diagnostics.outOfSet).toHaveLength(5);
    expect(r.diagnostics.outOfSetCount).toBe(300);
  });
  it('rejects input beyond maxLength without reading it', () => {
    const r = parseRerankOutput(json([0, 1, 2, 3, 4]), C, { maxLength: 20 });
    expect(r.valid).toBe(false);
    expect(r.diagnostics.tooLong).toBe(true);
  });
  it('treats non-string output as unparsable instead of throwing', () => {
    const r = parseRerankOutput(undefined as unknown as string, C, { mode: 'lenient' });
    expect(r.order).toEqual([0, 1, 2, 3, 4]);
    expect(r.diagnostics.unparsable).toBe(true);
  });
});

describe('parseRerankOutput: argument errors (caller input, not model output)', () => {
  it('validates candidates and options', () => {
    expect(() => parseRerankOutput('', 'abc' as unknown as string[])).toThrow(TypeError);
    expect(() => parseRerankOutput('', [C[0]!, C[0]!])).toThrow(/indexCandidates: 'candidates' must be distinct/);
    expect(() => parseRerankOutput('', [C[0]!, C[0]!.replaceAll('><', '> <')])).toThrow(RangeError);
    expect(() => parseRerankOutput('', [1 as unknown as string])).toThrow(/'candidates\[0\]'/);
    expect(() => parseRerankOutput('', C, { mode: 'loose' as 'strict' })).toThrow(/'options.mode'/);
    expect(() => parseRerankOutput('', C, { formats: ['xml' as 'json'] })).toThrow(/'options.formats'/);
    expect(() => parseRerankOutput('', C, { indexBase: 2 as 1 })).toThrow(/'options.indexBase'/);
    expect(() => parseRerankOutput('', C, { maxDepth: -1 })).toThrow(/'options.maxDepth'/);
  });
  it('accepts a prebuilt CandidateIndex', () => {
    const idx = indexCandidates(C);
    expect(idx.lookup(C[3]!.replaceAll('><', '>\n<'))).toBe(3);
    expect(idx.lookup('nope')).toBe(-1);
    expect(parseRerankOutput(json([4, 3, 2, 1, 0]), idx).order).toEqual([4, 3, 2, 1, 0]);
  });
});

describe('parseRerankOutput: adversarial input (bounded time, never throws)', () => {
  it('handles megabyte strings, deep nesting and thousands of SID-like tokens', () => {
    const inputs = [
      '['.repeat(500_000) + ']'.repeat(500_000),
      '{"a":'.repeat(150_000) + '1' + '}'.repeat(150_000),
      '{'.repeat(1_000_000),
      '"'.repeat(1_000_000),
      '\\'.repeat(999_999) + '"',
      '{"explanation": "' + 'x'.repeat(900_000),
      '{"recommendations": [' + `"${C[0]}",`.repeat(15_000) + ']}',
      C[1]!.repeat(15_000),
      '<|sid_begin|><s_a_1><s_b_2><s_c_3>'.repeat(25_000),
      '[1] > '.repeat(150_000),
      '<think>'.repeat(60_000) + '</think>'.repeat(60_000),
    ];
    for (const t of inputs) {
      expect(t.length).toBeLessThanOrEqual(1_000_000);
      const s = parseRerankOutput(t, C);
      expect(s.valid).toBe(false);
      const l = parseRerankOutput(t, C, { mode: 'lenient' });
      expect(isPermutation(l.order, 5)).toBe(true);
    }
    // The scanner (used when the answer is not the whole text) caps the nesting depth.
    const deep = parseRerankOutput('Answer: {"recommendations": ' + '['.repeat(100) + ']'.repeat(100) + '}', C);
    expect(deep.diagnostics.messages.join(' ')).toMatch(/deeper than maxDepth \(64\)/);
    // A whole-text JSON answer goes to the native parser (iterative, no depth limit needed): one bad entry.
    const whole = parseRerankOutput('{"recommendations": ' + '['.repeat(100) + ']'.repeat(100) + '}', C);
    expect(whole.diagnostics.outOfSetCount).toBe(1);
  });
});

describe('parseRerankOutput: properties', () => {
  const anyText = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.array(
      fc.constantFrom('{', '}', '[', ']', '"', '\\', ',', ':', '<think>', '</think>', '```json', '```', ' > ', '[3]', 'recommendations', ...C),
      { maxLength: 40 },
    ).map((a) => a.join('')),
  );
  it('never throws on any string, in both modes; lenient order is always a permutation', () => {
    fc.assert(
      fc.property(anyText, (t) => {
        const s = parseRerankOutput(t, C);
        expect(s.valid === (s.order !== null)).toBe(true);
        const l = parseRerankOutput(t, C, { mode: 'lenient' });
        expect(isPermutation(l.order, C.length)).toBe(true);
        expect(l.valid).toBe(s.valid);
      }),
      { numRuns: 500 },
    );
  });
  it('strict validity ⇔ the output is a permutation of the candidates', () => {
    // Entries: candidate indices in [-1, 6) (out of range = a foreign SID), any length 0..8.
    const foreign = renderSid([7, 7, 7, 7]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1, max: 5 }), { maxLength: 8 }), fc.boolean(), (entries, spaced) => {
        const ids = entries.map((i) => (i >= 0 && i < 5 ? C[i]! : foreign)).map((s) => (spaced ? s.replaceAll('><', '> <') : s));
        const r = parseRerankOutput(JSON.stringify({ explanation: 'e', recommendations: ids }), C);
        // Independent reference: sorted entries equal [0, 1, 2, 3, 4].
        const isPerm = JSON.stringify([...entries].sort((a, b) => a - b)) === JSON.stringify([0, 1, 2, 3, 4]);
        expect(r.valid).toBe(isPerm);
        if (isPerm) expect(r.order).toEqual(entries);
      }),
      { numRuns: 500 },
    );
  });
  it('lenient repair keeps the first occurrence order, then the missing in input order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 8 }), (entries) => {
        const r = parseRerankOutput(JSON.stringify({ recommendations: entries.map((i) => C[i]) }), C, { mode: 'lenient' });
        const firsts = entries.filter((v, i) => entries.indexOf(v) === i);
        const expected = [...firsts, ...[0, 1, 2, 3, 4].filter((i) => !firsts.includes(i))];
        expect(r.order).toEqual(expected);
      }),
    );
  });
});

describe('order helpers', () => {
  it('isPermutation / isIdentityOrder / fallbackToPreRank', () => {
    expect(isPermutation([2, 0, 1], 3)).toBe(true);
    expect(isPermutation([0, 0, 1], 3)).toBe(false);
    expect(isPermutation([0, 1], 3)).toBe(false);
    expect(isPermutation([0, 1, 3], 3)).toBe(false);
    expect(isPermutation([0, 1.5, 2], 3)).toBe(false);
    expect(isIdentityOrder([0, 1, 2])).toBe(true);
    expect(isIdentityOrder([1, 0, 2])).toBe(false);
    expect(fallbackToPreRank(3)).toEqual([0, 1, 2]);
    expect(() => fallbackToPreRank(-1)).toThrow(/fallbackToPreRank: 'k'/);
  });
});
