import { describe, expect, it } from 'vitest';
import { SidIndex } from '../../src/sid/sid_index.js';
import { createSidSpec } from '../../src/sid/sid_string.js';
import { Gr2Error } from '../../src/errors.js';

const SID_A = '<|sid_begin|><s_a_97><s_b_168><s_c_137><s_d_135><|sid_end|>';

describe('SidIndex', () => {
  it('maps item ids to SIDs and back (string and codes)', () => {
    const index = SidIndex.fromCodes([101, 102], [[97, 168, 137, 135], [1, 2, 3, 4]]);
    expect(index.size).toBe(2);
    expect(index.sidOf(101)).toBe(SID_A);
    expect(index.codesOf(102)).toEqual([1, 2, 3, 4]);
    expect(index.itemOf(SID_A)).toBe(101);
    expect(index.itemOf([1, 2, 3, 4])).toBe(102);
    expect(index.itemOf([1, 2, 3, 5])).toBeUndefined();
    expect(index.itemOf('not a sid')).toBeUndefined();
    expect(index.sidOf(999)).toBeUndefined();
    expect(index.uniqueness).toBe(1);
  });

  it('finds items cited in free text, tolerating whitespace between tokens', () => {
    const index = SidIndex.fromCodes(['x', 'y'], [[97, 168, 137, 135], [1, 2, 3, 4]]);
    const text = `first <|sid_begin|> <s_a_1> <s_b_2> <s_c_3> <s_d_4> <|sid_end|>, then ${SID_A} and <|sid_begin|><s_a_0><s_b_0><s_c_0><s_d_0><|sid_end|>`;
    const found = index.findItems(text);
    expect(found.map((f) => f.item)).toEqual(['y', 'x', undefined]);
    expect(text.slice(found[1]!.start, found[1]!.end)).toBe(SID_A);
  });

  it('duplicate SIDs throw unless allowCollisions; then itemsOf lists the group', () => {
    expect(() => SidIndex.fromCodes([1, 2], [[0, 0, 0, 0], [0, 0, 0, 0]])).toThrow(Gr2Error);
    expect(() => SidIndex.fromCodes([1, 2], [[0, 0, 0, 0], [0, 0, 0, 0]])).toThrow(/item 2 has the same SID \[0, 0, 0, 0\] as item 1/);
    const idx = SidIndex.fromCodes([1, 2, 3], [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]], { allowCollisions: true });
    expect(idx.itemsOf([0, 0, 0, 0])).toEqual([1, 2]);
    expect(idx.itemOf([0, 0, 0, 0])).toBe(1);
    expect(idx.collisionGroups()).toEqual([[1, 2]]);
    expect(idx.uniqueness).toBeCloseTo(2 / 3, 12);
  });

  it('round-trips through JSON with a custom spec', () => {
    const spec = createSidSpec({ codebookSizes: [8, 8, 16] });
    const idx = SidIndex.fromCodes([7, 8], [[1, 2, 15], [0, 0, 0]], { spec });
    const back = SidIndex.fromJSON(JSON.parse(JSON.stringify(idx.toJSON())));
    expect(back.items()).toEqual([7, 8]);
    expect(back.sidOf(7)).toBe('<|sid_begin|><s_a_1><s_b_2><s_c_15><|sid_end|>');
    expect(back.spec.codebookSizes).toEqual([8, 8, 16]);
  });

  it('BAD CALL: length mismatch, duplicate item id, code outside the spec', () => {
    expect(() => SidIndex.fromCodes([1], [[0, 0, 0, 0], [1, 1, 1, 1]])).toThrow(/'items' must be of length 2 \(rows of codes\); got length 1/);
    const idx = new SidIndex<number>();
    idx.add(1, [0, 0, 0, 0]);
    expect(() => idx.add(1, [0, 0, 0, 1])).toThrow(/'id' must be not already in the index; got 1/);
    expect(() => idx.add(2, [0, 0, 0, 256])).toThrow(RangeError);
  });
});
