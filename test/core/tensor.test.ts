import ndarray from 'ndarray';
import { describe, expect, it } from 'vitest';
import { NumericError } from '../../src/errors.js';
import { Tensor, toInt32, toMatrix } from '../../src/backend/tensor.js';

describe('Tensor', () => {
  it('checks that data length matches dims', () => {
    expect(new Tensor('float32', new Float32Array(6), [2, 3]).size).toBe(6);
    expect(() => new Tensor('float32', new Float32Array(5), [2, 3])).toThrow(/'data' must be of length 6/);
    expect(() => new Tensor('int32', new Int32Array(0), [-1])).toThrow(RangeError);
  });
});

describe('toMatrix interop', () => {
  const expected = [1, 2, 3, 4, 5, 6];
  it('accepts number[][], {data, shape}, Tensor and ndarray views with the same result', () => {
    const forms = [
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { data: new Float32Array(expected), shape: [2, 3] },
      { data: expected, shape: [2, 3] },
      new Tensor('float32', new Float32Array(expected), [2, 3]),
      ndarray(new Float32Array(expected), [2, 3]),
      ndarray(new Float64Array(expected), [2, 3]),
      ndarray(new Float32Array([1, 4, 2, 5, 3, 6]), [3, 2]).transpose(1, 0), // strided view
    ];
    for (const f of forms) {
      const m = toMatrix(f as never, 'x', 'test');
      expect(m.dims).toEqual([2, 3]);
      expect(Array.from(m.data)).toEqual(expected);
    }
  });

  it('is zero-copy for Float32Array inputs and contiguous ndarray views', () => {
    const data = new Float32Array(expected);
    expect(toMatrix({ data, shape: [2, 3] }, 'x', 'f').data).toBe(data);
    const view = ndarray(new Float32Array([0, 0, 0, ...expected]), [3, 3]).lo(1, 0);
    const m = toMatrix(view, 'x', 'f');
    expect(Array.from(m.data)).toEqual(expected);
    expect(m.data.buffer).toBe(view.data.buffer);
  });

  it('rejects ragged rows, wrong ranks and wrong kinds, naming the argument', () => {
    expect(() => toMatrix([[1, 2], [3]], 'vectors', 'train')).toThrow(/train: 'vectors' must be rows of equal length 2; got row 1 of length 1/);
    expect(() => toMatrix({ data: new Float32Array(5), shape: [2, 3] }, 'x', 'f')).toThrow(/'x.data' must be of length rows\*cols = 6/);
    expect(() => toMatrix(ndarray(new Float32Array(8), [2, 2, 2]), 'x', 'f')).toThrow(/rank-2/);
    expect(() => toMatrix('nope' as never, 'x', 'f')).toThrow(TypeError);
  });

  it('checkFinite names the row and column of the first NaN/Inf', () => {
    expect(() => toMatrix([[1, 2], [3, NaN]], 'x', 'nearest', { checkFinite: true })).toThrow(NumericError);
    expect(() => toMatrix([[1, Infinity], [3, 4]], 'x', 'nearest', { checkFinite: true })).toThrow(/row 0, column 1/);
    expect(() => toMatrix([[1, 2], [3, NaN]], 'x', 'nearest')).not.toThrow();
  });
});

describe('toInt32', () => {
  it('converts integers and rejects non-integers with the index', () => {
    expect(Array.from(toInt32([1, 2, 3], 'index', 'f'))).toEqual([1, 2, 3]);
    expect(() => toInt32([1, 2.5], 'index', 'f')).toThrow(/'index\[1\]' must be an integer; got 2.5/);
  });
});
