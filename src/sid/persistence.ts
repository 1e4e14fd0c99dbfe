/**
 * Binary persistence of a trained residual quantizer, with atomic writes and integrity checks.
 *
 * Layout (all integers little-endian):
 * ```
 * bytes 0..7    magic "GR2RQ\0\0\0"
 * bytes 8..11   uint32 H = header length in bytes
 * bytes 12..    H bytes of UTF-8 JSON header, then zero padding to a multiple of 4
 * then          float32 codebooks, level by level, row-major [C_l, d]
 * last 32 bytes SHA-256 of every byte before them (version 2)
 * ```
 * Header: `{format: 'gr2-residual-quantizer', version: 2, dim, levels, codebookSizes, dtype: 'float32',
 * byteLength, meta}`. The trailing digest covers the whole file — preamble, header, padding and codebooks — so an
 * edited header (say `codebookSizes` permuted) is refused like an edited codebook. Version 1 files (a `sha256`
 * of the codebook bytes in the header, no trailer) are still read.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { DataFormatError } from '../errors.js';

const MAGIC = new Uint8Array([0x47, 0x52, 0x32, 0x52, 0x51, 0, 0, 0]); // "GR2RQ\0\0\0"
/**
 * @internal
 * Format name stored in the header of a saved `ResidualQuantizer`.
 * @example
 * ```ts
 * QUANTIZER_FORMAT; // 'gr2-residual-quantizer'
 * ```
 */
export const QUANTIZER_FORMAT = 'gr2-residual-quantizer';
/**
 * @internal
 * Current format version written by `toBytes`/`save`; `fromBytes`/`load` reject any other.
 * @example
 * ```ts
 * QUANTIZER_FORMAT_VERSION; // 1
 * ```
 */
export const QUANTIZER_FORMAT_VERSION = 2;

/** Length of the whole-file SHA-256 trailer of version 2. */
const DIGEST_BYTES = 32;

/** Decoded content of a saved quantizer (internal). */
export interface QuantizerState {
  readonly dim: number;
  readonly codebookSizes: readonly number[];
  readonly codebooks: readonly Float32Array[];
  readonly meta: Record<string, unknown>;
}

/** Serialises a quantizer state (internal; see `ResidualQuantizer.toBytes`). */
export function encodeQuantizer(s: QuantizerState): Uint8Array {
  const total = s.codebookSizes.reduce((a, k) => a + k * s.dim, 0);
  const body = new Uint8Array(total * 4);
  const dv = new DataView(body.buffer);
  let o = 0;
  for (const book of s.codebooks) {
    for (let i = 0; i < book.length; i++, o += 4) dv.setFloat32(o, book[i]!, true);
  }
  const header = {
    format: QUANTIZER_FORMAT,
    version: QUANTIZER_FORMAT_VERSION,
    dim: s.dim,
    levels: s.codebookSizes.length,
    codebookSizes: [...s.codebookSizes],
    dtype: 'float32',
    byteLength: body.byteLength,
    meta: s.meta,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (4 - ((12 + json.length) % 4)) % 4;
  const end = 12 + json.length + pad + body.length;
  const out = new Uint8Array(end + DIGEST_BYTES);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(body, 12 + json.length + pad);
  out.set(createHash('sha256').update(out.subarray(0, end)).digest(), end);
  return out;
}

/** Parses and verifies a saved quantizer (internal). @throws {@link DataFormatError} on any inconsistency. */
export function decodeQuantizer(bytes: Uint8Array, fn: string): QuantizerState {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${fn}: 'bytes' must be a Uint8Array; got ${typeof bytes}.`);
  const bad = (why: string) => new DataFormatError(`${fn}: not a valid gr2 residual-quantizer file: ${why}.`);
  if (bytes.length < 12) throw bad(`the file has ${bytes.length} bytes, fewer than the 12-byte preamble (truncated?)`);
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) throw bad('the magic bytes "GR2RQ" are missing');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = dv.getUint32(8, true);
  if (12 + h > bytes.length) throw bad(`the header claims ${h} bytes but only ${bytes.length - 12} follow (truncated?)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + h))) as Record<string, unknown>;
  } catch (e) {
    throw bad(`the header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw bad('the header is not a JSON object');
  if (header.format !== QUANTIZER_FORMAT) throw bad(`header.format is ${JSON.stringify(header.format)}, expected "${QUANTIZER_FORMAT}"`);
  const version = header.version;
  if (version !== 1 && version !== QUANTIZER_FORMAT_VERSION) {
    throw bad(`format version ${String(version)} is not supported (this library reads versions 1 and ${QUANTIZER_FORMAT_VERSION})`);
  }
  let fileEnd = bytes.length;
  if (version === QUANTIZER_FORMAT_VERSION) {
    // the whole-file digest is checked below, before anything read from the file is returned
    if (bytes.length < 12 + h + DIGEST_BYTES) throw bad('the file ends before its checksum (truncated?)');
    fileEnd = bytes.length - DIGEST_BYTES;
  } else if (typeof header.sha256 !== 'string') {
    throw bad('a version 1 file must carry header.sha256');
  }
  const dim = header.dim;
  const sizes = header.codebookSizes;
  if (!Number.isInteger(dim) || (dim as number) < 1) throw bad(`header.dim is ${String(dim)}`);
  if (!Array.isArray(sizes) || sizes.length < 1 || !sizes.every((s) => Number.isInteger(s) && s >= 2)) {
    throw bad(`header.codebookSizes is ${JSON.stringify(sizes)}`);
  }
  if (header.levels !== sizes.length) throw bad(`header.levels ${String(header.levels)} differs from ${sizes.length} codebook sizes`);
  if (header.dtype !== 'float32') throw bad(`header.dtype is ${JSON.stringify(header.dtype)}`);
  const d = dim as number;
  const expected = (sizes as number[]).reduce((a, k) => a + k * d * 4, 0);
  if (header.byteLength !== expected) throw bad(`header.byteLength ${String(header.byteLength)} does not match the shapes (${expected})`);
  const pad = (4 - ((12 + h) % 4)) % 4;
  const start = 12 + h + pad;
  if (pad > 0 && bytes.subarray(12 + h, Math.min(start, fileEnd)).some((b) => b !== 0)) throw bad('the header padding is not zero');
  const body = bytes.subarray(start, Math.max(start, fileEnd));
  if (body.length !== expected) {
    throw bad(`expected ${expected} bytes of codebooks, found ${body.length} (${body.length < expected ? 'truncated' : 'trailing data'})`);
  }
  if (version === QUANTIZER_FORMAT_VERSION) {
    // every byte before the trailer (preamble, header, padding, codebooks) is covered
    const digest = createHash('sha256').update(bytes.subarray(0, fileEnd)).digest();
    const stored = bytes.subarray(fileEnd);
    let same = digest.length === stored.length;
    for (let i = 0; same && i < digest.length; i++) same = digest[i] === stored[i];
    if (!same) throw bad('the file checksum (SHA-256 of the whole file) does not match: the file was altered or corrupted');
  } else {
    const digest = createHash('sha256').update(body).digest('hex');
    if (digest !== header.sha256) throw bad('the codebook checksum (SHA-256) does not match: the file was altered or corrupted');
  }
  const bdv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const codebooks: Float32Array[] = [];
  let o = 0;
  for (const k of sizes as number[]) {
    const book = new Float32Array(k * d);
    for (let i = 0; i < book.length; i++, o += 4) book[i] = bdv.getFloat32(o, true);
    codebooks.push(book);
  }
  const meta = header.meta && typeof header.meta === 'object' ? (header.meta as Record<string, unknown>) : {};
  return { dim: d, codebookSizes: sizes as number[], codebooks, meta };
}

let tmpCounter = 0;

/**
 * @internal
 * Writes `data` to `path` atomically: a temporary file in the same folder is written, flushed with
 * `fsync` and renamed over `path`, so readers see the old or the new file, never a partial one.
 *
 * @param path - destination.
 * @param data - bytes.
 * @example
 * ```ts
 * await writeFileAtomic('out/rq.bin', rq.toBytes());
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.${tmpCounter++}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

/** Reads a file into a Uint8Array (internal). */
export async function readFileAtomicSafe(path: string): Promise<Uint8Array> {
  const b = await readFile(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
