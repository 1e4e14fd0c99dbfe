import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DataFormatError } from '../../src/errors.js';
import { BEAUTY_URL, leaveOneOut, loadBeauty, loadSequences, parseSequences } from '../../src/data/index.js';

describe('parseSequences / loadSequences', () => {
  it('parses the S3-Rec format', () => {
    const ds = parseSequences('1 10 11 12\n\n2 11 13\r\n3 5\n');
    expect(ds.numUsers).toBe(3);
    expect(ds.numItems).toBe(13);
    expect(ds.numInteractions).toBe(6);
    expect(ds.sequences[1]).toEqual({ user: 2, items: [11, 13] });
  });
  it('minLength drops short users', () => {
    expect(parseSequences('1 10 11 12\n2 11\n', { minLength: 2 }).numUsers).toBe(1);
  });
  it('rejects malformed lines with DataFormatError naming the line', () => {
    expect(() => parseSequences('1 2 3\n2 4 x5\n')).toThrow(DataFormatError);
    expect(() => parseSequences('1 2 3\n2 4 x5\n')).toThrow(/line 2/);
    expect(() => parseSequences('1 2 3\n2 4 -5\n')).toThrow(/line 2/);
    expect(() => parseSequences('1 2 3\n1 4 5\n')).toThrow(/user 1 appears twice/);
    expect(() => parseSequences('7\n')).toThrow(/at least one item/);
    expect(() => parseSequences('1 0 3\n')).toThrow(/1-based/);
    expect(() => parseSequences(5 as unknown as string)).toThrow(TypeError);
    expect(() => parseSequences('1 2', { minLength: 0 })).toThrow(/'options.minLength'/);
  });
  it('loads from a stream split at arbitrary chunk boundaries', async () => {
    const text = '1 10 11 12\n2 11 13\n3 5 6 7 8\n';
    const chunks = [text.slice(0, 5), text.slice(5, 13), text.slice(13)].map((c) => Buffer.from(c));
    const ds = await loadSequences(Readable.from(chunks));
    expect(ds).toEqual(parseSequences(text));
  });
  it('rejects a source that is not a path or stream', async () => {
    await expect(loadSequences(42 as unknown as string)).rejects.toThrow(TypeError);
    await expect(loadSequences(42 as unknown as string)).rejects.toThrow(/'source'/);
  });
  it('loads the bundled Beauty file with the counts of its README (22,363 / 12,101 / 198,502)', async () => {
    const ds = await loadBeauty();
    expect(ds.numUsers).toBe(22363);
    expect(ds.numItems).toBe(12101);
    expect(ds.numInteractions).toBe(198502);
    expect(Math.min(...ds.sequences.map((s) => s.items.length))).toBeGreaterThanOrEqual(5); // 5-core
    const viaPath = await loadSequences(BEAUTY_URL.pathname);
    expect(viaPath.numInteractions).toBe(198502);
  });
});

describe('leaveOneOut', () => {
  it('last item = test target, second-to-last = validation target', () => {
    const split = leaveOneOut([
      { user: 1, items: [4, 5, 6, 7] },
      { user: 2, items: [1, 2] },
      { user: 3, items: [8, 9, 10] },
    ]);
    expect(split.dropped).toBe(1);
    expect(split.train).toEqual([{ user: 1, items: [4, 5] }, { user: 3, items: [8] }]);
    expect(split.validation).toEqual([{ user: 1, history: [4, 5], target: 6 }, { user: 3, history: [8], target: 9 }]);
    expect(split.test).toEqual([{ user: 1, history: [4, 5, 6], target: 7 }, { user: 3, history: [8, 9], target: 10 }]);
  });
  it('validates its input', () => {
    expect(() => leaveOneOut('x' as unknown as [])).toThrow(TypeError);
    expect(() => leaveOneOut([], { minLength: 2 })).toThrow(RangeError);
    expect(() => leaveOneOut([], { minLength: 2 })).toThrow(/'options.minLength'/);
  });
});
