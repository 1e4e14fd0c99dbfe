/**
 * A minimal protobuf writer for the ONNX `ModelProto` subset that gr2 emits (no dependency, no Python).
 *
 * Only encoding is implemented: varints, fixed32 floats, length-delimited bytes/strings/messages and packed
 * repeated scalars. Field numbers follow `onnx/onnx.proto` (ONNX 1.10+ schema); the message writers live in
 * `graph.ts`.
 *
 * @packageDocumentation
 */

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_LEN = 2;

const utf8 = new TextEncoder();

/**
 * Append-only protobuf encoder. Messages are built bottom-up: encode a sub-message with its own
 * `ProtoWriter`, then embed its bytes with {@link ProtoWriter.bytes}.
 *
 * @example
 * ```ts
 * const w = new ProtoWriter();
 * w.int(1, 8);              // field 1, varint 8
 * w.string(2, 'gr2');       // field 2, length-delimited UTF-8
 * w.finish();               // Uint8Array [8, 8, 18, 3, 103, 114, 50]
 * ```
 */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private rawByte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  /** Writes an unsigned/two's-complement varint (64-bit, negative values take 10 bytes as in protobuf). */
  private varint(value: number | bigint): void {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 2 ** 31) {
      // fast path for small non-negative numbers
      let n = value;
      while (n >= 0x80) {
        this.rawByte((n & 0x7f) | 0x80);
        n >>>= 7;
      }
      this.rawByte(n);
      return;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.rawByte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.rawByte(Number(v));
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** `int32`/`int64`/`enum`/`bool` field (varint). */
  int(field: number, value: number | bigint): this {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new RangeError(`ProtoWriter: 'value' must be a safe integer; got ${value}.`);
    this.tag(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  /** `float` field (fixed32, little-endian). */
  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    this.ensure(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 4).setFloat32(0, value, true);
    this.len += 4;
    return this;
  }

  /** `bytes` field, or an embedded message given as its encoded bytes. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.varint(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.len);
    this.len += value.length;
    return this;
  }

  /** `string` field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** Packed repeated varints (`repeated int64` / `int32`). Writes nothing for an empty list. */
  packedInts(field: number, values: readonly (number | bigint)[] | Int32Array | BigInt64Array): this {
    if (values.length === 0) return this;
    const inner = new ProtoWriter();
    for (let i = 0; i < values.length; i++) inner.varint(values[i]!);
    return this.bytes(field, inner.finish());
  }

  /** Packed repeated floats (fixed32). Writes nothing for an empty list. */
  packedFloats(field: number, values: readonly number[] | Float32Array): this {
    if (values.length === 0) return this;
    const f = values instanceof Float32Array ? values : Float32Array.from(values);
    return this.bytes(field, littleEndianBytes(f));
  }

  /** The encoded bytes (a copy trimmed to length). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian bytes of a typed array (a view when the host is little-endian, as every Node target is). */
export function littleEndianBytes(a: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array): Uint8Array {
  if (LITTLE_ENDIAN || a instanceof Uint8Array) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.byteLength);
  const dv = new DataView(out.buffer);
  const w = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < a.length; i++) {
    if (a instanceof Float32Array) dv.setFloat32(i * w, a[i]!, true);
    else if (a instanceof Float64Array) dv.setFloat64(i * w, a[i]!, true);
    else if (a instanceof Int32Array) dv.setInt32(i * w, a[i]!, true);
    else dv.setBigInt64(i * w, (a as BigInt64Array)[i]!, true);
  }
  return out;
}
