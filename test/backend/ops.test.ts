/** Front-door validation of the kernel ops: class and argument name of every error (checked before any backend work). */
import { describe, expect, it } from 'vitest';
import { Tensor, accumulate, logSoftmaxGather, matMul, nearest } from '../../src/backend/index.js';
import { NumericError } from '../../src/errors.js';

const backend = 'js';

describe('nearest: bad calls', () => {
  it('rejects a dimension mismatch, k = 0 and a bad chunkSize with RangeError naming the argument', async () => {
    await expect(nearest([[1, 2]], [[1, 2, 3]], { backend })).rejects.toThrow(RangeError);
    await expect(nearest([[1, 2]], [[1, 2, 3]], { backend })).rejects.toThrow(/nearest: 'centroids' must be of dimension 2 \(as x\); got dimension 3/);
    await expect(nearest([[1, 2]], [], { backend })).rejects.toThrow(/'centroids' must be at least one row/);
    await expect(nearest([[1, 2]], [[0, 0]], { backend, chunkSize: 0 })).rejects.toThrow(/'chunkSize' must be a positive integer; got 0/);
    await expect(nearest([[1, 2]], [[0, 0]], { backend, chunkSize: 1.5 })).rejects.toThrow(RangeError);
  });

  it('rejects the wrong kind of value with TypeError naming the argument', async () => {
    await expect(nearest('abc' as never, [[0]], { backend })).rejects.toThrow(TypeError);
    await expect(nearest('abc' as never, [[0]], { backend })).rejects.toThrow(/nearest: 'x' must be/);
    await expect(nearest([[0]], 7 as never, { backend })).rejects.toThrow(/'centroids'/);
  });

  it('throws NumericError on NaN/Inf by default (naming the argument and row) and not with checkFinite: false', async () => {
    await expect(nearest([[0, 0], [NaN, 1]], [[0, 0]], { backend })).rejects.toThrow(NumericError);
    await expect(nearest([[0, 0], [NaN, 1]], [[0, 0]], { backend })).rejects.toThrow(/'x' contains NaN or Inf \(row 1/);
    await expect(nearest([[0, 0]], [[Infinity, 0]], { backend })).rejects.toThrow(/'centroids' contains NaN or Inf/);
    await expect(nearest([[0, 0]], [[1, 0]], { backend, checkFinite: false })).resolves.toBeDefined();
  });
});

describe('accumulate: bad calls', () => {
  it('rejects an index of the wrong length or out of range, k < 1 and a bad chunkSize', async () => {
    await expect(accumulate([[1], [2]], [0], 1, { backend })).rejects.toThrow(/accumulate: 'index' must be of length n = 2/);
    await expect(accumulate([[1], [2], [3]], [0, 1, 2], 2, { backend })).rejects.toThrow(RangeError);
    await expect(accumulate([[1], [2], [3]], [0, 1, 2], 2, { backend })).rejects.toThrow(/'index\[2\]' must be in \[0, 2\); got 2/);
    await expect(accumulate([[1]], [-1], 2, { backend })).rejects.toThrow(/'index\[0\]'/);
    await expect(accumulate([[1]], [0.5], 2, { backend })).rejects.toThrow(/'index\[0\]' must be an integer/);
    await expect(accumulate([[1]], [0], 0, { backend })).rejects.toThrow(/'k' must be a positive integer/);
    await expect(accumulate([[1]], [0], 1, { backend, chunkSize: -3 })).rejects.toThrow(/'chunkSize'/);
  });

  it('rejects the wrong kind of value with TypeError and NaN with NumericError', async () => {
    await expect(accumulate([[1]], 'x' as never, 1, { backend })).rejects.toThrow(TypeError);
    await expect(accumulate([[1]], [0], '1' as never, { backend })).rejects.toThrow(/'k' must be a number/);
    await expect(accumulate([[NaN]], [0], 1, { backend })).rejects.toThrow(NumericError);
  });
});

describe('matMul: bad calls', () => {
  it('rejects mismatched inner dimensions with RangeError naming b', async () => {
    await expect(matMul([[1, 2]], [[1, 2]], { backend })).rejects.toThrow(RangeError);
    await expect(matMul([[1, 2]], [[1, 2]], { backend })).rejects.toThrow(/matMul: 'b' must be of inner dimension 2 \(from a\); got 1/);
    await expect(matMul([[1, 2]], [[1], [2]], { backend, transposeA: true })).rejects.toThrow(/inner dimension 1 \(from aᵀ\); got 2/);
  });
  it('rejects the wrong kind of value with TypeError naming a', async () => {
    await expect(matMul(null as never, [[1]], { backend })).rejects.toThrow(TypeError);
    await expect(matMul(null as never, [[1]], { backend })).rejects.toThrow(/'a'/);
  });
});

describe('logSoftmaxGather: bad calls', () => {
  const logits = new Tensor('float32', new Float32Array(6), [1, 2, 3]);
  it('rejects logits that are not a float32 rank-3 tensor', async () => {
    await expect(logSoftmaxGather('logits' as never, [[0]], { backend })).rejects.toThrow(TypeError);
    await expect(logSoftmaxGather([[1]] as never, [[0]], { backend })).rejects.toThrow(/'logits' must be of rank 3/);
    await expect(logSoftmaxGather(new Tensor('float32', new Float32Array(6), [2, 3]), [[0]], { backend })).rejects.toThrow(/'logits' must be of rank 3/);
  });
  it('rejects ids of the wrong shape, out of the vocabulary or non-integer', async () => {
    await expect(logSoftmaxGather(logits, [[0]], { backend })).rejects.toThrow(/'ids' must be of shape \[1, 2\]/);
    await expect(logSoftmaxGather(logits, [[0, 3]], { backend })).rejects.toThrow(RangeError);
    await expect(logSoftmaxGather(logits, [[0, 3]], { backend })).rejects.toThrow(/'ids \(flat 1\)' must be in \[0, 3\); got 3/);
    await expect(logSoftmaxGather(logits, [[0, 1.5]], { backend })).rejects.toThrow(/'ids\[1\]' must be an integer/);
    await expect(logSoftmaxGather(logits, [[0, 1]], { backend, chunkSize: 0 })).rejects.toThrow(/'chunkSize'/);
  });
});
