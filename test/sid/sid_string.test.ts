import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_SID_SPEC,
  createSidSpec,
  parseSid,
  parseSids,
  renderSid,
  sidKey,
  sidLevelPrefix,
  sidNumericKeyReader,
  sidToken,
  sidVocabulary,
  tryParseSid,
  validateSidSpec,
} from '../../src/sid/sid_string.js';

describe('sidLevelPrefix', () => {
  it('is bijective base 26: a..z, aa, ab, ..., zz, aaa', () => {
    expect(sidLevelPrefix(0)).toBe('a');
    expect(sidLevelPrefix(3)).toBe('d');
    expect(sidLevelPrefix(25)).toBe('z');
    expect(sidLevelPrefix(26)).toBe('aa');
    expect(sidLevelPrefix(27)).toBe('ab');
    expect(sidLevelPrefix(26 + 26 * 26 - 1)).toBe('zz'); // 701
    expect(sidLevelPrefix(26 + 26 * 26)).toBe('aaa');
  });
  it('is injective over the first 2000 levels', () => {
    const s = new Set(Array.from({ length: 2000 }, (_, i) => sidLevelPrefix(i)));
    expect(s.size).toBe(2000);
  });
  it('rejects bad levels', () => {
    expect(() => sidLevelPrefix(-1)).toThrow(RangeError);
    expect(() => sidLevelPrefix(1.5)).toThrow(/'level'/);
    expect(() => sidLevelPrefix('1' as unknown as number)).toThrow(TypeError);
  });
});

describe('renderSid', () => {
  it('renders the paper example (0-based, prefixes a-d)', () => {
    expect(renderSid([97, 168, 137, 135])).toBe('<|sid_begin|><s_a_97><s_b_168><s_c_137><s_d_135><|sid_end|>');
    expect(renderSid([0, 0, 0, 255])).toBe('<|sid_begin|><s_a_0><s_b_0><s_c_0><s_d_255><|sid_end|>');
  });
  it('honours a custom spec', () => {
    const spec = createSidSpec({
      levels: 2,
      codebookSizes: [10, 1000],
      tokenTemplate: '[L{level}:{code}]',
      begin: '<B>',
      end: '<E>',
      levelPrefixes: ['x', 'y'],
    });
    expect(renderSid([9, 999], spec)).toBe('<B>[Lx:9][Ly:999]<E>');
    expect(parseSids('..<B> [Lx:9]\n[Ly:999] <E>..', spec).map((m) => m.codes)).toEqual([[9, 999]]);
  });
  it('uses aa, ab beyond 26 levels', () => {
    const spec = createSidSpec({ levels: 28, codebookSizes: 2 });
    const s = renderSid(new Array(28).fill(1), spec);
    expect(s).toContain('<s_z_1><s_aa_1><s_ab_1><|sid_end|>');
    expect(parseSid(s, spec)).toEqual(new Array(28).fill(1));
  });
  it('validates codes, naming the argument', () => {
    expect(() => renderSid([1, 2, 3])).toThrow(RangeError);
    expect(() => renderSid([1, 2, 3])).toThrow(/renderSid: 'codes' must be of length 4/);
    expect(() => renderSid([1, 2, 3, 256])).toThrow(/'codes\[3\]' must be an integer in \[0, 255\]; got 256/);
    expect(() => renderSid([1, 2, -1, 0])).toThrow(RangeError);
    expect(() => renderSid([1, 2, 1.5, 0])).toThrow(/'codes\[2\]'/);
    expect(() => renderSid('1234' as unknown as number[])).toThrow(TypeError);
    expect(() => renderSid([1, 2, '3', 4] as unknown as number[])).toThrow(TypeError);
  });
  it('accepts typed arrays', () => {
    expect(renderSid(Int32Array.from([1, 2, 3, 4]) as unknown as number[])).toBe(renderSid([1, 2, 3, 4]));
  });
});

describe('createSidSpec validation', () => {
  it('defaults to 4 x 256, prefixes a-d', () => {
    expect(DEFAULT_SID_SPEC.levels).toBe(4);
    expect(DEFAULT_SID_SPEC.codebookSizes).toEqual([256, 256, 256, 256]);
    expect(DEFAULT_SID_SPEC.levelPrefixes).toEqual(['a', 'b', 'c', 'd']);
    expect(DEFAULT_SID_SPEC.begin).toBe('<|sid_begin|>');
    expect(DEFAULT_SID_SPEC.end).toBe('<|sid_end|>');
    expect(createSidSpec({ codebookSizes: [8, 8, 4] }).levels).toBe(3);
  });
  it('rejects bad fields with the field name', () => {
    expect(() => createSidSpec({ levels: 0 })).toThrow(/'options.levels'/);
    expect(() => createSidSpec({ levels: 3, codebookSizes: [1, 2] })).toThrow(/'options.codebookSizes' must be of length/);
    expect(() => createSidSpec({ codebookSizes: [4, 0] })).toThrow(/'options.codebookSizes\[1\]'/);
    expect(() => createSidSpec({ levels: 2, levelPrefixes: ['a', 'a'] })).toThrow(/'options.levelPrefixes' must be distinct/);
    expect(() => createSidSpec({ levels: 2, levelPrefixes: ['a', 'b1'] })).toThrow(/'options.levelPrefixes\[1\]'/);
    expect(() => createSidSpec({ tokenTemplate: '<s_{code}_{level}>' })).toThrow(/'options.tokenTemplate'/);
    expect(() => createSidSpec({ tokenTemplate: '{level}{code}>' })).toThrow(RangeError);
    expect(() => createSidSpec({ begin: '' })).toThrow(/'options.begin'/);
    expect(() => createSidSpec({ begin: 'X', end: 'X' })).toThrow(/'options.end'/);
    expect(() => createSidSpec({ levels: '4' as unknown as number })).toThrow(TypeError);
  });
  it('validateSidSpec checks hand-built objects', () => {
    expect(validateSidSpec(DEFAULT_SID_SPEC)).toBe(DEFAULT_SID_SPEC);
    expect(() => validateSidSpec({ ...DEFAULT_SID_SPEC, codebookSizes: [256, 256] })).toThrow(/'spec.codebookSizes'/);
    expect(() => validateSidSpec(null)).toThrow(TypeError);
    expect(() => renderSid([1, 2, 3, 4], { ...DEFAULT_SID_SPEC, levels: 2 })).toThrow(/renderSid: 'spec.codebookSizes'/);
  });
});

describe('parseSids', () => {
  it('finds SIDs with positions, tolerating whitespace between tokens', () => {
    const text = 'pick <|sid_begin|> <s_a_1> <s_b_2> <s_c_3> <s_d_4> <|sid_end|> first';
    const m = parseSids(text);
    expect(m).toHaveLength(1);
    expect(m[0]!.codes).toEqual([1, 2, 3, 4]);
    expect(m[0]!.start).toBe(5);
    expect(m[0]!.end).toBe(text.length - ' first'.length);
    expect(m[0]!.text).toBe(text.slice(5, m[0]!.end));
    const multi = `${renderSid([1, 2, 3, 4])}, then\n${renderSid([5, 6, 7, 8]).replaceAll('><', '>\n\t<')}.`;
    expect(parseSids(multi).map((x) => x.codes)).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
  });
  it('skips malformed fragments and still finds the SID after them', () => {
    const good = renderSid([10, 20, 30, 40]);
    const cases = [
      '<|sid_begin|><s_a_1><s_b_2><s_c_3><|sid_end|>', // missing level d
      '<|sid_begin|><s_a_1><s_c_2><s_b_3><s_d_4><|sid_end|>', // out of order
      '<|sid_begin|><s_a_1><s_b_2><s_c_3><s_d_256><|sid_end|>', // code out of range
      '<|sid_begin|><s_a_01><s_b_2><s_c_3><s_d_4><|sid_end|>', // leading zero
      '<|sid_begin|><s_a_1><s_b_2><s_c_3><s_d_4>', // unterminated
      '<s_a_1><s_b_2><s_c_3><s_d_4><|sid_end|>', // no begin
      '<|sid_begin|><s_a_><s_b_2><s_c_3><s_d_4><|sid_end|>', // empty code
      '<|sid_begin|><s_a_1 ><s_b_2><s_c_3><s_d_4><|sid_end|>', // space inside a token
    ];
    for (const bad of cases) {
      expect(parseSids(bad)).toEqual([]);
      expect(parseSids(bad + good).map((x) => x.codes)).toEqual([[10, 20, 30, 40]]);
    }
    // A begin token nested inside a broken SID starts a new attempt.
    const nested = '<|sid_begin|><s_a_1><s_b_2>' + good;
    const m = parseSids(nested);
    expect(m.map((x) => x.codes)).toEqual([[10, 20, 30, 40]]);
    expect(m[0]!.start).toBe('<|sid_begin|><s_a_1><s_b_2>'.length);
  });
  it('boundaries: optional also reads bare token runs', () => {
    const text = 'a <s_a_1><s_b_2> <s_c_3><s_d_4> and ' + renderSid([5, 6, 7, 8]);
    expect(parseSids(text)).toHaveLength(1);
    const m = parseSids(text, DEFAULT_SID_SPEC, { boundaries: 'optional' });
    expect(m.map((x) => x.codes)).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    expect(m[0]!.text).toBe('<s_a_1><s_b_2> <s_c_3><s_d_4>');
    expect(m[1]!.text).toBe(renderSid([5, 6, 7, 8]));
  });
  it('maxMatches bounds the result', () => {
    const text = renderSid([1, 1, 1, 1]).repeat(10);
    expect(parseSids(text, DEFAULT_SID_SPEC, { maxMatches: 3 })).toHaveLength(3);
  });
  it('rejects non-string text and bad options', () => {
    expect(() => parseSids(42 as unknown as string)).toThrow(/parseSids: 'text' must be a string/);
    expect(() => parseSids('', DEFAULT_SID_SPEC, { boundaries: 'x' as 'required' })).toThrow(/'options.boundaries'/);
    expect(() => parseSids('', DEFAULT_SID_SPEC, { maxMatches: -1 })).toThrow(RangeError);
  });

  // Independent reference: a regular expression (fine on short, non-adversarial strings).
  const reference = (text: string): number[][] => {
    const re = /<\|sid_begin\|>\s*<s_a_(0|[1-9]\d{0,2})>\s*<s_b_(0|[1-9]\d{0,2})>\s*<s_c_(0|[1-9]\d{0,2})>\s*<s_d_(0|[1-9]\d{0,2})>\s*<\|sid_end\|>/g;
    const out: number[][] = [];
    for (const m of text.matchAll(re)) {
      const codes = m.slice(1, 5).map(Number);
      if (codes.every((c) => c < 256)) out.push(codes);
    }
    return out;
  };
  it('agrees with a regex reference on random mixtures of pieces (property)', () => {
    const piece = fc.oneof(
      fc.constantFrom('<|sid_begin|>', '<|sid_end|>', ' ', '\n', 'x', '<', '>', '<s_a_', '|>'),
      fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 0, max: 300 })).map(([l, c]) => `<s_${l}_${c}>`),
      fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }).map((codes) => renderSid(codes)),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const text = pieces.join('');
        expect(parseSids(text).map((m) => m.codes)).toEqual(reference(text));
      }),
      { numRuns: 300 },
    );
  });
  it('round-trips renderSid for random codes and custom specs (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 8 }).chain((sizes) =>
          fc.tuple(fc.constant(sizes), fc.tuple(...sizes.map((c) => fc.integer({ min: 0, max: c - 1 })))),
        ),
        ([sizes, codes]) => {
          const spec = createSidSpec({ codebookSizes: sizes });
          const s = renderSid(codes, spec);
          expect(parseSid(s, spec)).toEqual(codes);
          expect(parseSids(`x${s} y ${s}`, spec).map((m) => m.codes)).toEqual([codes, codes]);
        },
      ),
      { numRuns: 200 },
    );
  });
  it('scans adversarial megabyte inputs in linear time (completes; no catastrophic backtracking)', () => {
    const big = [
      '<|sid_begin|>'.repeat(80_000), // 1 MB of begin tokens
      '<|sid_begin|><s_a_1><s_b_2><s_c_3>'.repeat(30_000), // near-misses
      '<|sid_begin|>' + ' '.repeat(1_000_000), // long whitespace
      '<|sid_begin|><s_a_' + '9'.repeat(1_000_000), // long digit run
      renderSid([1, 2, 3, 4]).repeat(20_000), // 20k valid SIDs
    ];
    const counts = big.map((t) => parseSids(t).length);
    expect(counts).toEqual([0, 0, 0, 0, 20_000]);
    const opt = big.map((t) => parseSids(t, DEFAULT_SID_SPEC, { boundaries: 'optional' }).length);
    expect(opt).toEqual([0, 0, 0, 0, 20_000]);
  });
});

describe('parseSid / tryParseSid', () => {
  it('parses exactly one SID, allowing surrounding whitespace', () => {
    expect(parseSid('<|sid_begin|><s_a_97><s_b_168><s_c_137><s_d_135><|sid_end|>')).toEqual([97, 168, 137, 135]);
    expect(parseSid('  <|sid_begin|> <s_a_0> <s_b_0> <s_c_0> <s_d_0> <|sid_end|>\n')).toEqual([0, 0, 0, 0]);
  });
  it('rejects anything else', () => {
    const two = renderSid([1, 2, 3, 4]) + renderSid([1, 2, 3, 4]);
    for (const t of ['', 'x', two, renderSid([1, 2, 3, 4]) + 'x', '<s_a_1><s_b_2><s_c_3><s_d_4>']) {
      expect(tryParseSid(t)).toBeNull();
      expect(() => parseSid(t)).toThrow(RangeError);
      expect(() => parseSid(t)).toThrow(/parseSid: 'text' must be exactly one well-formed SID/);
    }
    expect(() => parseSid(null as unknown as string)).toThrow(TypeError);
  });
});

describe('sidKey', () => {
  it('joins codes; equal keys iff equal codes', () => {
    expect(sidKey([97, 168, 137, 135])).toBe('97-168-137-135');
    expect(sidKey([1, 23])).not.toBe(sidKey([12, 3]));
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), (a, b) => {
        expect(sidKey(a) === sidKey(b)).toBe(JSON.stringify(a) === JSON.stringify(b));
      }),
    );
  });
  it('validates', () => {
    expect(() => sidKey([])).toThrow(/sidKey: 'codes' must be non-empty/);
    expect(() => sidKey([1, -2])).toThrow(/'codes\[1\]'/);
    expect(() => sidKey('1-2' as unknown as number[])).toThrow(TypeError);
  });
});

describe('sidVocabulary and sidToken', () => {
  it('has sum(C_l) level tokens then the two boundaries', () => {
    const v = sidVocabulary();
    expect(v).toHaveLength(4 * 256 + 2);
    expect(v[0]).toBe('<s_a_0>');
    expect(v[255]).toBe('<s_a_255>');
    expect(v[256]).toBe('<s_b_0>');
    expect(v.slice(-2)).toEqual(['<|sid_begin|>', '<|sid_end|>']);
    expect(new Set(v).size).toBe(v.length);
    const spec = createSidSpec({ codebookSizes: [3, 5] });
    expect(sidVocabulary(spec)).toHaveLength(3 + 5 + 2);
  });
  it('every token of a rendered SID is in the vocabulary', () => {
    const vocab = new Set(sidVocabulary());
    const tokens = renderSid([97, 168, 137, 135]).match(/<[^<>]*>/g)!;
    expect(tokens).toHaveLength(6);
    for (const t of tokens) expect(vocab.has(t)).toBe(true);
  });
  it('sidToken renders and validates one token', () => {
    expect(sidToken(1, 168)).toBe('<s_b_168>');
    expect(() => sidToken(4, 0)).toThrow(/'level'/);
    expect(() => sidToken(0, 256)).toThrow(/'code'/);
  });
});

describe('sidNumericKeyReader', () => {
  it('maps exactly-one-SID text to its mixed-radix key, else -1', () => {
    const key = sidNumericKeyReader()!;
    expect(key(renderSid([0, 0, 1, 2]))).toBe(258);
    expect(key(renderSid([97, 168, 137, 135]))).toBe(((97 * 256 + 168) * 256 + 137) * 256 + 135);
    expect(key(' <|sid_begin|> <s_a_0>\n<s_b_0> <s_c_1> <s_d_2> <|sid_end|> ')).toBe(258);
    for (const t of ['', '<s_a_0>', renderSid([1, 2, 3, 4]) + 'x', renderSid([1, 2, 3, 4]).repeat(2), '<|sid_begin|><s_a_01><s_b_0><s_c_1><s_d_2><|sid_end|>']) {
      expect(key(t)).toBe(-1);
    }
    expect(sidNumericKeyReader(createSidSpec({ levels: 8, codebookSizes: 1 << 16 }))).toBeNull();
  });
  it('agrees with tryParseSid on random texts (property)', () => {
    const key = sidNumericKeyReader()!;
    const piece = fc.oneof(
      fc.constantFrom('<|sid_begin|>', '<|sid_end|>', ' ', '<s_a_1>', '<s_b_2>', '<s_c_3>', '<s_d_4>', '<s_d_256>', 'x'),
      fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }).map((c) => renderSid(c)),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const t = pieces.join('');
        const codes = tryParseSid(t);
        expect(key(t)).toBe(codes === null ? -1 : ((codes[0]! * 256 + codes[1]!) * 256 + codes[2]!) * 256 + codes[3]!);
      }),
      { numRuns: 300 },
    );
  });
});
