/**
 * Build ONNX models from TypeScript: a small graph builder over the `ModelProto` subset gr2 needs
 * (nodes, typed inputs/outputs with symbolic dims, initializers, every attribute kind, sub-graphs).
 *
 * The output is the serialised `ModelProto` (IR version 8, default opset 17), loadable by ONNX Runtime
 * (`InferenceSession.create(bytes)`) and valid under `onnx.checker.check_model(m, full_check=True)`.
 * This module does not load ONNX Runtime, so it can be used by exporters without the native binding.
 *
 * @example
 * ```ts
 * const g = new GraphBuilder('affine');
 * const x = g.input('x', 'float32', ['n', 4]);
 * const w = g.initializer('w', { dtype: 'float32', data: new Float32Array(8), dims: [2, 4] });
 * const y = g.node('Gemm', [x, w], { transB: 1, alpha: attr.float(1) });
 * g.output(y, 'float32', ['n', 2]);
 * const bytes = g.toModel(); // Uint8Array, a ModelProto
 * ```
 *
 * @packageDocumentation
 */
import { rangeError, raw, typeError } from '../../errors.js';
import { ProtoWriter, littleEndianBytes } from './proto.js';

/** Element types a gr2 graph can declare (ONNX `TensorProto.DataType`). */
export type OnnxDType = 'float32' | 'uint8' | 'int8' | 'int32' | 'int64' | 'bool' | 'float16' | 'float64';

/**
 * ONNX `TensorProto.DataType` codes of each {@link OnnxDType} (for `Cast`'s `to`, `EyeLike`'s `dtype`, …).
 *
 * @example
 * ```ts
 * g.node('Cast', [indices], { to: ONNX_DTYPE_CODE.int32 }); // to = 6
 * ```
 */
export const ONNX_DTYPE_CODE: Readonly<Record<OnnxDType, number>> = Object.freeze({
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
});

/** A dimension: a fixed size, or a symbolic name such as `'n'` (ONNX `dim_param`). */
export type Dim = number | string;

/** Raw data of an initializer or tensor attribute, by type. `number[]` is converted to the declared type. */
export interface OnnxTensorInit {
  /** Element type. */
  readonly dtype: OnnxDType;
  /**
   * Values in row-major order: a typed array of the matching kind (`Float32Array` for float32,
   * `Int32Array` for int32, `BigInt64Array` for int64, `Float64Array` for float64, `Uint8Array` for
   * uint8/bool/int8/float16 raw bits) or plain numbers.
   */
  readonly data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Uint16Array | readonly number[];
  /** Shape; `[]` for a scalar. */
  readonly dims: readonly number[];
}

/** An explicitly typed attribute value (see {@link attr}). */
export type TypedAttribute =
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'int'; readonly value: number | bigint }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'tensor'; readonly value: OnnxTensorInit }
  | { readonly kind: 'graph'; readonly value: GraphBuilder }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'ints'; readonly value: readonly (number | bigint)[] }
  | { readonly kind: 'strings'; readonly value: readonly string[] };

/**
 * An attribute value. Plain values are typed by inference: an integer `number` or a `bigint` → INT,
 * a non-integer `number` → FLOAT, a `string` → STRING, a `number[]` → INTS when every element is an
 * integer else FLOATS, a `string[]` → STRINGS, a {@link GraphBuilder} → GRAPH. In the default domain the
 * attributes ONNX defines as FLOAT (`alpha`, `beta`, `gamma`, `epsilon`, `bias`, `min`, `max`, ...) are FLOAT
 * even when the number is an integer (`{ alpha: 2 }` is FLOAT 2.0). Use {@link attr} for any other case the
 * inference gets wrong (e.g. a custom-domain operator's float attribute).
 */
export type AttributeValue = number | bigint | string | readonly number[] | readonly string[] | GraphBuilder | TypedAttribute;

/**
 * Explicitly typed attribute constructors.
 *
 * @example
 * ```ts
 * g.node('Gemm', [a, b], { alpha: attr.float(-2), transB: attr.int(1) });
 * ```
 */
export const attr = Object.freeze({
  /** FLOAT attribute. */
  float: (value: number): TypedAttribute => ({ kind: 'float', value }),
  /** INT attribute (int64). */
  int: (value: number | bigint): TypedAttribute => ({ kind: 'int', value }),
  /** STRING attribute (UTF-8). */
  string: (value: string): TypedAttribute => ({ kind: 'string', value }),
  /** TENSOR attribute (e.g. `ConstantOfShape`'s `value`). */
  tensor: (value: OnnxTensorInit): TypedAttribute => ({ kind: 'tensor', value }),
  /** GRAPH attribute (a `Loop`/`If`/`Scan` body). */
  graph: (value: GraphBuilder): TypedAttribute => ({ kind: 'graph', value }),
  /** FLOATS attribute. */
  floats: (value: readonly number[]): TypedAttribute => ({ kind: 'floats', value }),
  /** INTS attribute (int64). */
  ints: (value: readonly (number | bigint)[]): TypedAttribute => ({ kind: 'ints', value }),
  /** STRINGS attribute. */
  strings: (value: readonly string[]): TypedAttribute => ({ kind: 'strings', value }),
});

/** Options of {@link GraphBuilder.node}. */
export interface NodeOptions {
  /** Output value names, or how many outputs to auto-name. @defaultValue `1` */
  readonly outputs?: number | readonly string[];
  /** Node name. @defaultValue `<OpType>_<counter>` */
  readonly name?: string;
  /** Operator domain (`''` is the default ONNX domain, `'com.microsoft'` ORT contrib ops). @defaultValue `''` */
  readonly domain?: string;
}

/** Options of {@link GraphBuilder.toModel}. */
export interface ModelOptions {
  /** Opset of the default ONNX domain. @defaultValue `17` */
  readonly opset?: number;
  /** `ModelProto.ir_version`. @defaultValue `8` */
  readonly irVersion?: number;
  /** Extra operator sets, e.g. `{ 'com.microsoft': 1 }`. @defaultValue `{}` */
  readonly opsets?: Readonly<Record<string, number>>;
  /** `producer_name`. @defaultValue `'gr2'` */
  readonly producerName?: string;
  /** `producer_version`. @defaultValue `'0.1.0'` */
  readonly producerVersion?: string;
  /** `doc_string` of the model. @defaultValue none */
  readonly docString?: string;
  /** `metadata_props` key/value pairs. @defaultValue `{}` */
  readonly metadata?: Readonly<Record<string, string>>;
}

interface ValueInfo {
  readonly name: string;
  readonly dtype: OnnxDType;
  readonly dims: readonly Dim[] | undefined;
}

interface NodeRecord {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name: string;
  readonly domain: string;
  readonly attrs: Readonly<Record<string, AttributeValue>>;
}

function fail(method: string, arg: string, rule: string, got: string): never {
  throw rangeError(`GraphBuilder.${method}`, arg, rule, raw(got));
}

function checkName(method: string, arg: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw typeError(`GraphBuilder.${method}`, arg, 'a non-empty string', name);
  }
  return name;
}

function checkDtype(method: string, dtype: unknown): OnnxDType {
  if (typeof dtype !== 'string' || !(dtype in ONNX_DTYPE_CODE)) {
    fail(method, 'dtype', `one of ${Object.keys(ONNX_DTYPE_CODE).join(', ')}`, JSON.stringify(dtype));
  }
  return dtype as OnnxDType;
}

/**
 * Encodes an {@link OnnxTensorInit} as a `TensorProto` (dims, data_type, name, values in little-endian `raw_data`).
 *
 * @param name - the tensor name (`''` for none, as in tensor attributes).
 * @param t - dtype, data and dims.
 * @returns the serialised `TensorProto`.
 * @throws RangeError when the dims are not non-negative integers or the data length does not match them.
 * @example
 * ```ts
 * encodeTensor('one', { dtype: 'int32', data: [1], dims: [] }).length; // 13
 * ```
 */
export function encodeTensor(name: string, t: OnnxTensorInit): Uint8Array {
  if (typeof name !== 'string') throw typeError('encodeTensor', 'name', "a string ('' for none)", name);
  if (typeof t !== 'object' || t === null || !Array.isArray((t as { dims?: unknown }).dims)) {
    throw typeError('encodeTensor', 't', 'an {dtype, data, dims} object with a dims array', t);
  }
  const dtype = checkDtype('tensor', t.dtype);
  let size = 1;
  for (const d of t.dims) {
    if (!Number.isInteger(d) || d < 0) fail('tensor', 'dims', 'non-negative integers', `[${t.dims.join(', ')}]`);
    size *= d;
  }
  if (t.data.length !== size) fail('tensor', 'data', `of length ${size} for dims [${t.dims.join(', ')}]`, `length ${t.data.length}`);
  const w = new ProtoWriter();
  w.packedInts(1, t.dims as number[]);
  w.int(2, ONNX_DTYPE_CODE[dtype]);
  if (name) w.string(8, name);
  w.bytes(9, tensorBytes(dtype, t.data));
  return w.finish();
}

function tensorBytes(dtype: OnnxDType, data: OnnxTensorInit['data']): Uint8Array {
  const values = data as ArrayLike<number>;
  switch (dtype) {
    case 'float32':
      return littleEndianBytes(data instanceof Float32Array ? data : Float32Array.from(values));
    case 'float64':
      return littleEndianBytes(data instanceof Float64Array ? data : Float64Array.from(values));
    case 'int32':
      return littleEndianBytes(data instanceof Int32Array ? data : Int32Array.from(values));
    case 'int64': {
      if (data instanceof BigInt64Array) return littleEndianBytes(data);
      const out = new BigInt64Array(values.length);
      for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]!);
      return littleEndianBytes(out);
    }
    case 'uint8':
    case 'bool':
      return data instanceof Uint8Array ? data : Uint8Array.from(values);
    case 'int8': {
      const a = data instanceof Int8Array ? data : Int8Array.from(values);
      return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    }
    case 'float16': {
      // raw IEEE half bits are expected (Uint16Array)
      const a = data instanceof Uint16Array ? data : Uint16Array.from(values);
      const out = new Uint8Array(a.length * 2);
      const dv = new DataView(out.buffer);
      for (let i = 0; i < a.length; i++) dv.setUint16(i * 2, a[i]!, true);
      return out;
    }
  }
}

function encodeValueInfo(v: ValueInfo): Uint8Array {
  const tensorType = new ProtoWriter().int(1, ONNX_DTYPE_CODE[v.dtype]);
  if (v.dims !== undefined) {
    const shape = new ProtoWriter();
    for (const d of v.dims) {
      const dim = new ProtoWriter();
      if (typeof d === 'number') dim.int(1, d);
      else dim.string(2, d);
      shape.bytes(1, dim.finish());
    }
    tensorType.bytes(2, shape.finish());
  }
  const type = new ProtoWriter().bytes(1, tensorType.finish());
  return new ProtoWriter().string(1, v.name).bytes(2, type.finish()).finish();
}

// AttributeProto.AttributeType
const AT = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/**
 * Attributes that are FLOAT (scalars) or FLOATS (lists) in every operator of the default ONNX domain that has them
 * (Gemm/Elu/LeakyRelu/Selu/HardSigmoid/LRN `alpha`/`beta`/`gamma`/`bias`, the normalisations' `epsilon`/`momentum`,
 * Shrink `lambd`/`bias`, Clip-6 `min`/`max`, the Random* ops' `mean`/`scale`/`low`/`high`, Resize's
 * `cubic_coeff_a`/`extrapolation_value`, ...). An integer-valued plain number given for one of them is written
 * as FLOAT: ONNX Runtime refuses an INT `alpha`.
 */
const FLOAT_ATTRIBUTES: ReadonlySet<string> = new Set([
  'alpha', 'beta', 'gamma', 'bias', 'epsilon', 'momentum', 'lambd', 'min', 'max', 'mean', 'scale', 'low', 'high',
  'ratio', 'spatial_scale', 'cubic_coeff_a', 'extrapolation_value', 'value_float',
]);
const FLOATS_ATTRIBUTES: ReadonlySet<string> = new Set(['value_floats', 'scales']);

function normaliseAttribute(name: string, v: AttributeValue, domain = ''): TypedAttribute {
  if (v instanceof GraphBuilder) return { kind: 'graph', value: v };
  if (typeof v === 'bigint') return { kind: 'int', value: v };
  const defaultDomain = domain === '' || domain === 'ai.onnx';
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || !Number.isInteger(v) || (defaultDomain && FLOAT_ATTRIBUTES.has(name))) return { kind: 'float', value: v };
    return { kind: 'int', value: v };
  }
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (Array.isArray(v)) {
    if (v.every((e) => typeof e === 'string')) return { kind: 'strings', value: v as readonly string[] };
    if (v.every((e) => typeof e === 'number')) {
      const nums = v as readonly number[];
      const floats = !nums.every((e) => Number.isInteger(e)) || (defaultDomain && FLOATS_ATTRIBUTES.has(name));
      return floats ? { kind: 'floats', value: nums } : { kind: 'ints', value: nums };
    }
    fail('node', `attrs.${name}`, 'an array of only numbers or only strings', 'a mixed array');
  }
  if (typeof v === 'object' && v !== null && 'kind' in v) return v as TypedAttribute;
  throw new TypeError(`GraphBuilder.node: 'attrs.${name}' must be a number, bigint, string, array, GraphBuilder or attr.*(); got ${typeof v}.`);
}

function encodeAttribute(name: string, value: AttributeValue, domain = ''): Uint8Array {
  const a = normaliseAttribute(name, value, domain);
  const w = new ProtoWriter().string(1, name);
  switch (a.kind) {
    case 'float':
      w.float(2, a.value).int(20, AT.FLOAT);
      break;
    case 'int':
      w.int(3, a.value).int(20, AT.INT);
      break;
    case 'string':
      w.string(4, a.value).int(20, AT.STRING);
      break;
    case 'tensor':
      w.bytes(5, encodeTensor('', a.value)).int(20, AT.TENSOR);
      break;
    case 'graph':
      w.bytes(6, a.value.toGraphProto()).int(20, AT.GRAPH);
      break;
    case 'floats':
      w.packedFloats(7, a.value).int(20, AT.FLOATS);
      break;
    case 'ints':
      w.packedInts(8, a.value).int(20, AT.INTS);
      break;
    case 'strings':
      for (const s of a.value) w.string(9, s);
      w.int(20, AT.STRINGS);
      break;
  }
  return w.finish();
}

/**
 * Builds one ONNX graph. Values are referred to by name (strings); every method that creates a value
 * returns its name. Names are generated as `<op>_<n>` unless given. An empty string as a node input means
 * "optional input omitted" (ONNX convention).
 *
 * @example
 * ```ts
 * const g = new GraphBuilder('nearest');
 * const x = g.input('x', 'float32', ['n', 'd']);
 * const c = g.input('c', 'float32', ['k', 'd']);
 * const cc = g.node('ReduceSumSquare', [c], { axes: [1], keepdims: 0 });
 * const s = g.node('Gemm', [x, c, cc], { alpha: attr.float(-2), transB: 1 });
 * const i = g.node('ArgMin', [s], { axis: 1, keepdims: 0 });
 * g.output(g.node('Cast', [i], { to: ONNX_DTYPE_CODE.int32 }, { name: 'cast' }), 'int32', ['n'], 'index');
 * const model = g.toModel({ opset: 17 }); // Uint8Array
 * ```
 */
export class GraphBuilder {
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly valueInfos: ValueInfo[] = [];
  private readonly initializers: { name: string; tensor: OnnxTensorInit }[] = [];
  private readonly nodes: NodeRecord[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  /**
   * @param name - the graph name (`GraphProto.name`).
   * @param docString - optional documentation stored in the graph.
   */
  constructor(
    readonly name: string,
    readonly docString?: string,
  ) {
    checkName('constructor', 'name', name);
  }

  private claim(method: string, name: string): string {
    checkName(method, 'name', name);
    if (this.names.has(name)) fail(method, 'name', 'unique within the graph', JSON.stringify(name));
    this.names.add(name);
    return name;
  }

  /** A fresh value name with the given prefix. */
  fresh(prefix: string): string {
    let n: string;
    do n = `${prefix}_${this.counter++}`;
    while (this.names.has(n));
    return n;
  }

  /**
   * Declares a graph input.
   *
   * @param name - the input name used in feeds.
   * @param dtype - element type.
   * @param dims - shape; strings are symbolic dimensions. Omit for an unknown rank.
   * @returns the value name (`name`).
   * @throws RangeError when the name is taken or the dtype is unknown.
   */
  input(name: string, dtype: OnnxDType, dims?: readonly Dim[]): string {
    this.inputs.push({ name: this.claim('input', name), dtype: checkDtype('input', dtype), dims });
    return name;
  }

  /**
   * Marks `value` as a graph output. When `as` is given and differs, an `Identity` node renames it.
   *
   * @param value - a value produced in this graph (or an input).
   * @param dtype - declared element type.
   * @param dims - declared shape (symbolic names allowed). Omit for an unknown shape.
   * @param as - the output name seen by callers. @defaultValue `value`
   * @returns the output name.
   */
  output(value: string, dtype: OnnxDType, dims?: readonly Dim[], as?: string): string {
    checkName('output', 'value', value);
    let name = value;
    if (as !== undefined && as !== value) {
      name = this.claim('output', as);
      this.nodes.push({ op: 'Identity', inputs: [value], outputs: [name], name: `Identity_${name}`, domain: '', attrs: {} });
    }
    this.outputs.push({ name, dtype: checkDtype('output', dtype), dims });
    return name;
  }

  /** Declares the type/shape of an intermediate value (`GraphProto.value_info`; optional, for documentation). */
  valueInfo(value: string, dtype: OnnxDType, dims?: readonly Dim[]): void {
    this.valueInfos.push({ name: value, dtype: checkDtype('valueInfo', dtype), dims });
  }

  /**
   * Adds a constant tensor stored in the model (`GraphProto.initializer`).
   *
   * @param name - value name; pass `''`/`undefined` to auto-name.
   * @param tensor - dtype, data and dims.
   * @returns the value name.
   * @throws RangeError when the data length does not match the dims.
   */
  initializer(name: string | undefined, tensor: OnnxTensorInit): string {
    const n = this.claim('initializer', name || this.fresh('const'));
    encodeTensor(n, tensor); // validates now, not at toModel()
    this.initializers.push({ name: n, tensor });
    return n;
  }

  /** A float32 constant (`dims` defaults to `[values.length]`; pass `[]` for a scalar). */
  constFloat(values: readonly number[] | Float32Array, dims?: readonly number[]): string {
    return this.initializer(undefined, { dtype: 'float32', data: values, dims: dims ?? [values.length] });
  }

  /** An int64 constant (shapes, axes, indices). `dims` defaults to `[values.length]`. */
  constInt64(values: readonly number[], dims?: readonly number[]): string {
    return this.initializer(undefined, { dtype: 'int64', data: values, dims: dims ?? [values.length] });
  }

  /** An int32 constant. `dims` defaults to `[values.length]`. */
  constInt32(values: readonly number[] | Int32Array, dims?: readonly number[]): string {
    return this.initializer(undefined, { dtype: 'int32', data: values, dims: dims ?? [values.length] });
  }

  /**
   * Adds a node with one output and returns that output's name.
   *
   * @param op - operator type, e.g. `'Gemm'`.
   * @param inputs - input value names (`''` for an omitted optional input).
   * @param attrs - attributes (see {@link AttributeValue} for type inference and {@link attr}).
   * @param options - output name(s), node name, domain.
   * @returns the name of the first output.
   */
  node(op: string, inputs: readonly string[], attrs: Readonly<Record<string, AttributeValue>> = {}, options: NodeOptions = {}): string {
    return this.nodeN(op, inputs, attrs, options)[0]!;
  }

  /**
   * Adds a node and returns all of its output names (for multi-output operators such as `TopK`, `Split`).
   *
   * @example
   * ```ts
   * const [values, indices] = g.nodeN('TopK', [x, g.constInt64([5])], { axis: -1 }, { outputs: 2 });
   * ```
   */
  nodeN(op: string, inputs: readonly string[], attrs: Readonly<Record<string, AttributeValue>> = {}, options: NodeOptions = {}): string[] {
    checkName('node', 'op', op);
    const spec = options.outputs ?? 1;
    const outputs =
      typeof spec === 'number'
        ? Array.from({ length: spec }, () => this.claim('node', this.fresh(op)))
        : spec.map((o) => this.claim('node', o));
    for (const [k, v] of Object.entries(attrs)) normaliseAttribute(k, v); // validate early
    const name = options.name ?? `${op}_node_${this.nodes.length}`;
    this.nodes.push({ op, inputs: [...inputs], outputs, name, domain: options.domain ?? '', attrs });
    return outputs;
  }

  /** Serialises the graph as a `GraphProto` (for embedding, e.g. as a `Loop` body). */
  toGraphProto(): Uint8Array {
    const w = new ProtoWriter();
    for (const n of this.nodes) {
      const nw = new ProtoWriter();
      for (const i of n.inputs) nw.string(1, i);
      for (const o of n.outputs) nw.string(2, o);
      nw.string(3, n.name).string(4, n.op);
      for (const [k, v] of Object.entries(n.attrs)) nw.bytes(5, encodeAttribute(k, v, n.domain));
      if (n.domain) nw.string(7, n.domain);
      w.bytes(1, nw.finish());
    }
    w.string(2, this.name);
    for (const init of this.initializers) w.bytes(5, encodeTensor(init.name, init.tensor));
    if (this.docString) w.string(10, this.docString);
    for (const v of this.inputs) w.bytes(11, encodeValueInfo(v));
    for (const v of this.outputs) w.bytes(12, encodeValueInfo(v));
    for (const v of this.valueInfos) w.bytes(13, encodeValueInfo(v));
    return w.finish();
  }

  /**
   * Serialises a complete `ModelProto`.
   *
   * @param options - opset (default 17), IR version (default 8), extra opsets, producer, metadata.
   * @returns the model bytes, ready for `InferenceSession.create(bytes)` or `fs.writeFileSync('m.onnx', bytes)`.
   * @throws RangeError when the graph has no outputs.
   */
  toModel(options: ModelOptions = {}): Uint8Array {
    if (this.outputs.length === 0) fail('toModel', 'graph', 'a graph with at least one output', 'none');
    const opset = options.opset ?? 17;
    const irVersion = options.irVersion ?? 8;
    const w = new ProtoWriter();
    w.int(1, irVersion);
    w.string(2, options.producerName ?? 'gr2');
    w.string(3, options.producerVersion ?? '0.1.0');
    if (options.docString) w.string(6, options.docString);
    w.bytes(7, this.toGraphProto());
    w.bytes(8, new ProtoWriter().string(1, '').int(2, opset).finish());
    for (const [domain, version] of Object.entries(options.opsets ?? {})) {
      w.bytes(8, new ProtoWriter().string(1, domain).int(2, version).finish());
    }
    for (const [key, value] of Object.entries(options.metadata ?? {})) {
      w.bytes(14, new ProtoWriter().string(1, key).string(2, value).finish());
    }
    return w.finish();
  }
}
