/**
 * The ONNX graph builder and the OnnxBackend session machinery. The protobuf writer is checked against the
 * encoding examples of the protobuf documentation; models are checked by running them in ONNX Runtime
 * (an independent parser and executor) against hand-computed results. scripts/check_onnx_models.py runs
 * the ONNX checker on every kernel graph (outside npm test).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder, ONNX_DTYPE_CODE, Tensor, attr, createOnnxBackend, type OnnxBackend } from '../../src/backend/index.js';
import { BackendInitError } from '../../src/errors.js';
import { ProtoWriter } from '../../src/backend/onnx/proto.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('ProtoWriter (protobuf encoding guide examples)', () => {
  it('varint field 1 = 150 encodes as 08 96 01', () => {
    expect(hex(new ProtoWriter().int(1, 150).finish())).toBe('089601');
  });
  it('string field 2 = "testing" encodes as 12 07 74 65 73 74 69 6e 67', () => {
    expect(hex(new ProtoWriter().string(2, 'testing').finish())).toBe('120774657374696e67');
  });
  it('packed repeated field 4 = [3, 270, 86942] encodes as 22 06 03 8e 02 9e a7 05', () => {
    expect(hex(new ProtoWriter().packedInts(4, [3, 270, 86942]).finish())).toBe('2206038e029ea705');
  });
  it('int64 −1 takes ten bytes (two’s complement), as in protobuf', () => {
    expect(hex(new ProtoWriter().int(1, -1).finish())).toBe('08ffffffffffffffffff01');
    expect(hex(new ProtoWriter().int(1, 2n ** 40n).finish())).toBe('08808080808020'); // 40 = 5·7 + 5: five 0x80 groups, then 2^5
  });
  it('float field 2 = 1.0 is fixed32 little-endian (tag 15, 00 00 80 3f)', () => {
    expect(hex(new ProtoWriter().float(2, 1).finish())).toBe('150000803f');
  });
  it('rejects unsafe integers', () => {
    expect(() => new ProtoWriter().int(1, 2 ** 60)).toThrow(RangeError);
  });
});

describe('GraphBuilder models run in ONNX Runtime', () => {
  let ort: typeof import('onnxruntime-node');
  beforeAll(async () => {
    ort = await import('onnxruntime-node');
  });
  const run = async (bytes: Uint8Array, feeds: Record<string, import('onnxruntime-node').Tensor>) => {
    const s = await ort.InferenceSession.create(bytes);
    try {
      return await s.run(feeds);
    } finally {
      await s.release();
    }
  };

  it('FLOAT and INT attributes, a float32 initializer and symbolic dims (one model, two batch sizes)', async () => {
    const g = new GraphBuilder('affine');
    const x = g.input('x', 'float32', ['n', 2]);
    const w = g.initializer('w', { dtype: 'float32', data: [1, 2, 3, 4, 5, 6], dims: [3, 2] });
    g.output(g.node('Gemm', [x, w], { alpha: attr.float(-2), beta: 0.5, transB: 1 }), 'float32', ['n', 3], 'y');
    const bytes = g.toModel();
    // y = −2 · x · wᵀ: for x = [1, 1] → −2·[3, 7, 11]
    const one = await run(bytes, { x: new ort.Tensor('float32', new Float32Array([1, 1]), [1, 2]) });
    expect([...(one.y!.data as Float32Array)]).toEqual([-6, -14, -22]);
    const two = await run(bytes, { x: new ort.Tensor('float32', new Float32Array([1, 0, 0, 1]), [2, 2]) });
    expect([...(two.y!.data as Float32Array)]).toEqual([-2, -6, -10, -4, -8, -12]);
    expect(one.y!.dims).toEqual([1, 3]);
  });

  it('an integer-valued plain number for a FLOAT attribute (Gemm alpha: 2, LeakyRelu alpha: 1) is written as FLOAT and runs', async () => {
    const g = new GraphBuilder('float-attrs');
    const x = g.input('x', 'float32', [1, 2]);
    const w = g.initializer('w', { dtype: 'float32', data: [1, 2, 3, 4], dims: [2, 2] });
    const y = g.node('Gemm', [x, w], { alpha: 2, beta: 1, transB: 1 });
    g.output(y, 'float32', [1, 2], 'y');
    g.output(g.node('LeakyRelu', [g.node('Neg', [y])], { alpha: 1 }), 'float32', [1, 2], 'z');
    // y = 2 · x · wᵀ: x = [1, −1] → 2·[1 − 2, 3 − 4] = [−2, −2]; z = LeakyRelu(−y) = [2, 2]
    const out = await run(g.toModel(), { x: new ort.Tensor('float32', new Float32Array([1, -1]), [1, 2]) });
    expect([...(out.y!.data as Float32Array)]).toEqual([-2, -2]);
    expect([...(out.z!.data as Float32Array)]).toEqual([2, 2]);
    // the same integer under an INT attribute name stays INT (transB above runs), and attr.int still forces INT
    expect(() => new GraphBuilder('t').node('Gemm', ['a', 'b'], { alpha: attr.int(2) })).not.toThrow();
  });

  it('INTS (Transpose perm), STRING (ScatterND reduction) and TENSOR (ConstantOfShape value) attributes', async () => {
    const g = new GraphBuilder('mixed');
    const x = g.input('x', 'float32', [2, 3]);
    g.output(g.node('Transpose', [x], { perm: [1, 0] }), 'float32', [3, 2], 't');
    const zeros = g.node('ConstantOfShape', [g.constInt64([3])], { value: attr.tensor({ dtype: 'float32', data: [10], dims: [1] }) });
    const idx = g.constInt64([0, 0, 2], [3, 1]);
    const upd = g.constFloat([1, 2, 4]);
    g.output(g.node('ScatterND', [zeros, idx, upd], { reduction: 'mul' }), 'float32', [3], 's');
    const out = await run(g.toModel(), { x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]) });
    expect([...(out.t!.data as Float32Array)]).toEqual([1, 4, 2, 5, 3, 6]);
    expect([...(out.s!.data as Float32Array)]).toEqual([20, 10, 40]); // 10·1·2, 10, 10·4
  });

  it('FLOATS and INTS attributes (Constant value_floats / value_ints) run; STRINGS encode as repeated bytes', async () => {
    const g = new GraphBuilder('constants');
    g.output(g.node('Constant', [], { value_floats: attr.floats([1.5, -2.25, 3]) }), 'float32', [3], 'f');
    g.output(g.node('Constant', [], { value_ints: [7, -8] }), 'int64', [2], 'i');
    const out = await run(g.toModel(), {});
    expect([...(out.f!.data as Float32Array)]).toEqual([1.5, -2.25, 3]);
    expect([...(out.i!.data as BigInt64Array)]).toEqual([7n, -8n]);
    // AttributeProto{name: "s", strings: ["ab", "c"], type: STRINGS = 8}, derived by hand from onnx.proto field numbers:
    // 0a 01 73 (name) | 4a 02 61 62 | 4a 01 63 (field 9, bytes) | a0 01 08 (field 20 varint 8)
    const h = new GraphBuilder('strings');
    h.output(h.node('Foo', [], { s: ['ab', 'c'] }), 'float32');
    expect(hex(h.toGraphProto())).toContain('0a0173' + '4a026162' + '4a0163' + 'a00108');
  });

  it('GRAPH attributes: an If node with two sub-graphs reading an outer-scope initializer', async () => {
    const thenG = new GraphBuilder('then');
    thenG.output(thenG.node('Add', ['x', 'one']), 'float32', [2], 'r');
    const elseG = new GraphBuilder('else');
    elseG.output(elseG.node('Sub', ['x', 'one']), 'float32', [2], 'r');
    const g = new GraphBuilder('branch');
    g.input('cond', 'bool', []);
    g.input('x', 'float32', [2]);
    g.initializer('one', { dtype: 'float32', data: [1], dims: [] });
    g.output(g.node('If', ['cond'], { then_branch: thenG, else_branch: attr.graph(elseG) }), 'float32', [2], 'y');
    const bytes = g.toModel();
    const x = new ort.Tensor('float32', Float32Array.from([5, 7]), [2]);
    const yes = await run(bytes, { cond: new ort.Tensor('bool', Uint8Array.from([1]), []), x });
    const no = await run(bytes, { cond: new ort.Tensor('bool', Uint8Array.from([0]), []), x });
    expect([...(yes.y!.data as Float32Array)]).toEqual([6, 8]);
    expect([...(no.y!.data as Float32Array)]).toEqual([4, 6]);
  });

  it('int32, int64 and float64 initializers; Cast with ONNX_DTYPE_CODE; multi-output nodes', async () => {
    const g = new GraphBuilder('types');
    const x = g.input('x', 'float64', [4]);
    const plus = g.node('Add', [x, g.initializer('h', { dtype: 'float64', data: new Float64Array([0.5, 0.5, 0.5, 0.5]), dims: [4] })]);
    const [values, indices] = g.nodeN('TopK', [plus, g.constInt64([2])], { axis: 0 }, { outputs: ['v', 'k'] });
    g.output(values!, 'float64', [2]);
    g.output(g.node('Cast', [indices!], { to: ONNX_DTYPE_CODE.int32 }), 'int32', [2], 'k32');
    g.output(g.node('Add', [g.constInt32([1, 2]), g.constInt32([10], [])]), 'int32', [2], 'i32');
    const out = await run(g.toModel(), { x: new ort.Tensor('float64', Float64Array.from([1, 9, 3, 7]), [4]) });
    expect([...(out.v!.data as Float64Array)]).toEqual([9.5, 7.5]);
    expect([...(out.k32!.data as Int32Array)]).toEqual([1, 3]);
    expect(out.k32!.type).toBe('int32');
    expect([...(out.i32!.data as Int32Array)]).toEqual([11, 12]);
  });

  it('output(value, …, as) renames through Identity; opsets and metadata are written', async () => {
    const g = new GraphBuilder('rename', 'doc');
    const x = g.input('x', 'float32', ['n']);
    g.output(x, 'float32', ['n'], 'same');
    const bytes = g.toModel({ opset: 18, opsets: { 'com.microsoft': 1 }, metadata: { gr2_kernel: 'rename' }, docString: 'model doc' });
    const s = await ort.InferenceSession.create(bytes);
    expect(s.inputNames).toEqual(['x']);
    expect(s.outputNames).toEqual(['same']);
    const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from([3]), [1]) });
    expect(out.same!.data[0]).toBe(3);
    await s.release();
    const text = Buffer.from(bytes).toString('latin1');
    expect(text).toContain('com.microsoft');
    expect(text).toContain('gr2_kernel');
  });

  it('bad calls: RangeError/TypeError naming the argument', () => {
    const g = new GraphBuilder('bad');
    g.input('x', 'float32', [1]);
    expect(() => g.input('x', 'float32', [1])).toThrow(RangeError);
    expect(() => g.input('x', 'float32', [1])).toThrow(/GraphBuilder.input: 'name' must be unique within the graph; got "x"/);
    expect(() => g.input('y', 'float128' as never, [1])).toThrow(/'dtype' must be one of float32/);
    expect(() => g.initializer('w', { dtype: 'float32', data: [1, 2, 3], dims: [2, 2] })).toThrow(/'data' must be of length 4 for dims \[2, 2\]; got length 3/);
    expect(() => g.initializer('w2', { dtype: 'float32', data: [1], dims: [1.5] })).toThrow(/'dims'/);
    expect(() => g.node('', ['x'])).toThrow(TypeError);
    expect(() => g.node('', ['x'])).toThrow(/'op'/);
    expect(() => g.node('Foo', ['x'], { mixed: [1, 'a'] as never })).toThrow(/'attrs.mixed'/);
    expect(() => g.node('Foo', ['x'], { nothing: null as never })).toThrow(TypeError);
    expect(() => new GraphBuilder('empty').toModel()).toThrow(/GraphBuilder.toModel: 'graph' must be a graph with at least one output/);
    expect(() => new GraphBuilder('')).toThrow(/'name'/);
  });
});

describe('OnnxBackend sessions', () => {
  let onnx: OnnxBackend;
  beforeAll(async () => {
    onnx = await createOnnxBackend({ device: 'cpu', intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await onnx.dispose();
  });

  const doubler = () => {
    const g = new GraphBuilder('double');
    const x = g.input('x', 'float32', ['n']);
    g.output(g.node('Add', [x, x]), 'float32', ['n'], 'y');
    return g.toModel();
  };

  it('caches one session per key, builds the model once, shares concurrent creations', async () => {
    let builds = 0;
    const build = () => {
      builds++;
      return doubler();
    };
    const before = onnx.sessionCount;
    const [a, b] = await Promise.all([onnx.session('t:double', build), onnx.session('t:double', build)]);
    expect(a).toBe(b);
    const out = await onnx.run('t:double', build, { x: new Tensor('float32', Float32Array.from([1, 2, 3]), [3]) });
    expect([...(out.y!.data as Float32Array)]).toEqual([2, 4, 6]);
    expect(builds).toBe(1);
    expect(onnx.sessionCount).toBe(before + 1);
  });

  it('does not cache a failed creation', async () => {
    await expect(onnx.session('t:retry', new Uint8Array([1, 2, 3]))).rejects.toThrow();
    const out = await onnx.run('t:retry', doubler, { x: new Tensor('float32', Float32Array.from([5]), [1]) });
    expect(out.y!.data[0]).toBe(10);
  });

  it('wraps gr2 tensors and typed-array views without copying', () => {
    const buf = new Float32Array([9, 1, 2, 3, 4]);
    const view = buf.subarray(1);
    const t = onnx.tensor('float32', view, [2, 2]);
    expect((t.data as Float32Array).buffer).toBe(buf.buffer);
    expect((t.data as Float32Array).byteOffset).toBe(4);
    const g = onnx.tensor(new Tensor('int32', Int32Array.from([1, 2]), [2]));
    expect(g.type).toBe('int32');
    expect(g.dims).toEqual([2]);
  });

  it('dispose() releases the sessions; later use throws BackendInitError', async () => {
    const other = await createOnnxBackend({ device: 'cpu' });
    await other.run('t:double', doubler, { x: new Tensor('float32', Float32Array.from([1]), [1]) });
    expect(other.sessionCount).toBe(1);
    await other.dispose();
    expect(other.sessionCount).toBe(0);
    await expect(other.run('t:double', doubler, { x: new Tensor('float32', Float32Array.from([1]), [1]) })).rejects.toThrow(BackendInitError);
  });

  it('info() reports the execution provider in use', () => {
    expect(onnx.info()).toMatchObject({ name: 'onnx', device: 'cpu', executionProviders: ['cpu'] });
  });
});
