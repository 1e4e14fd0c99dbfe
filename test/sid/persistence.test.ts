import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataFormatError } from '../../src/errors.js';
import { ResidualQuantizer } from '../../src/sid/residual_quantizer.js';
import { Random } from '../../src/sampling/random.js';

// The saved quantizer carries a SHA-256 of the WHOLE file (preamble, header, padding, codebooks): any edited byte
// is refused, including a header edit that keeps the file well-formed (codebookSizes permuted).

let rq: ResidualQuantizer;
let bytes: Uint8Array;
const d = 3;
let X: number[][];

beforeAll(async () => {
  const rng = new Random(5);
  X = Array.from({ length: 40 }, () => Array.from({ length: d }, () => rng.gauss()));
  // two levels of different sizes (4 and 2), so permuting codebookSizes keeps byteLength but changes the codes
  rq = await ResidualQuantizer.train(X, { levels: 2, codebookSize: [4, 2], seed: 3, backend: 'js' });
  bytes = rq.toBytes();
});

const headerOf = (b: Uint8Array) => {
  const h = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(8, true);
  return { h, json: JSON.parse(new TextDecoder().decode(b.subarray(12, 12 + h))) as Record<string, unknown> };
};

/** Rebuilds a file with an edited header JSON, keeping the rest (and the old trailer) as it was. */
function withHeader(b: Uint8Array, edit: (header: Record<string, unknown>) => void): Uint8Array {
  const { h, json } = headerOf(b);
  edit(json);
  const text = new TextEncoder().encode(JSON.stringify(json));
  const pad = (4 - ((12 + h) % 4)) % 4;
  const rest = b.subarray(12 + h + pad);
  const newPad = (4 - ((12 + text.length) % 4)) % 4;
  const out = new Uint8Array(12 + text.length + newPad + rest.length);
  out.set(b.subarray(0, 8));
  new DataView(out.buffer).setUint32(8, text.length, true);
  out.set(text, 12);
  out.set(rest, 12 + text.length + newPad);
  return out;
}

describe('quantizer file checksum', () => {
  it('round-trips (same codes) and ends with the SHA-256 of everything before it', async () => {
    const back = ResidualQuantizer.fromBytes(bytes);
    expect(Array.from((await back.encode(X, { backend: 'js' })).data)).toEqual(Array.from((await rq.encode(X, { backend: 'js' })).data));
    const digest = createHash('sha256').update(bytes.subarray(0, bytes.length - 32)).digest();
    expect(Buffer.from(bytes.subarray(bytes.length - 32)).equals(digest)).toBe(true);
    expect(headerOf(bytes).json['version']).toBe(2);
  });

  it('refuses a header with codebookSizes permuted (same byte length, different codes)', () => {
    const { json } = headerOf(bytes);
    expect(json['codebookSizes']).toEqual([4, 2]);
    const permuted = withHeader(bytes, (hd) => {
      hd['codebookSizes'] = [2, 4];
    });
    expect(() => ResidualQuantizer.fromBytes(permuted)).toThrow(DataFormatError);
    expect(() => ResidualQuantizer.fromBytes(permuted)).toThrow(/checksum/);
  });

  it('refuses every single edited byte, at every position of the file', () => {
    let refused = 0;
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const edited = bytes.slice();
        edited[i]! ^= mask;
        expect(() => ResidualQuantizer.fromBytes(edited), `byte ${i} ^ ${mask}`).toThrow(DataFormatError);
        refused++;
      }
    }
    expect(refused).toBe(bytes.length * 3);
  });

  it('refuses random multi-byte edits, truncations and extensions (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: -40, max: 40 }),
        (edits, lengthChange) => {
          let edited: Uint8Array = bytes.slice();
          for (const [pos, mask] of edits) edited[pos % edited.length]! ^= mask;
          if (lengthChange < 0) edited = edited.subarray(0, edited.length + lengthChange);
          else if (lengthChange > 0) {
            const longer = new Uint8Array(edited.length + lengthChange);
            longer.set(edited);
            edited = longer;
          }
          const same = edited.length === bytes.length && edited.every((v, i) => v === bytes[i]);
          if (same) return;
          expect(() => ResidualQuantizer.fromBytes(edited)).toThrow(DataFormatError);
        },
      ),
      { numRuns: 300, seed: 9 },
    );
  });

  it('still reads a version 1 file (codebook checksum in the header) and refuses its altered codebooks', async () => {
    const { h, json } = headerOf(bytes);
    const pad = (4 - ((12 + h) % 4)) % 4;
    const body = bytes.subarray(12 + h + pad, bytes.length - 32);
    const v1 = withHeader(bytes.subarray(0, bytes.length - 32), (hd) => {
      hd['version'] = 1;
      hd['sha256'] = createHash('sha256').update(body).digest('hex');
    });
    expect(json['version']).toBe(2);
    const back = ResidualQuantizer.fromBytes(v1);
    expect(Array.from((await back.encode(X, { backend: 'js' })).data)).toEqual(Array.from((await rq.encode(X, { backend: 'js' })).data));
    const altered = v1.slice();
    altered[altered.length - 1]! ^= 0x10;
    expect(() => ResidualQuantizer.fromBytes(altered)).toThrow(/checksum/);
  });
});
