/**
 * Atomic file output for the exporters: write to a temporary sibling, then rename over the target, so a reader
 * never sees half a dataset and a failed export leaves nothing behind.
 *
 * @packageDocumentation
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { typeError } from '../errors.js';

let counter = 0;

/** @internal A temporary path next to `path` (same file system, so the rename is atomic). */
export function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${counter++}.tmp`);
}

/** @internal Checks an output path argument. */
export function checkPath(fn: string, path: unknown): asserts path is string {
  if (typeof path !== 'string' || path.length === 0) throw typeError(fn, 'path', 'a non-empty file path', path);
}

/** @internal Whether `rows` is a sync or async iterable (and not a string). */
export function iterableKind(fn: string, rows: unknown): 'sync' | 'async' {
  if (rows !== null && typeof rows === 'object') {
    if (typeof (rows as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') return 'async';
    if (typeof (rows as Iterable<unknown>)[Symbol.iterator] === 'function') return 'sync';
  }
  throw typeError(fn, 'rows', 'an iterable or async iterable of rows', rows);
}

/** @internal Iterates sync or async rows with their index. */
export async function* indexed<T>(rows: Iterable<T> | AsyncIterable<T>): AsyncGenerator<[T, number]> {
  let i = 0;
  for await (const r of rows as AsyncIterable<T>) yield [r, i++];
}

/**
 * @internal Streams text into `path` atomically: `write` receives an appender (buffered, ~1 MB writes); the file
 * appears under `path` only when `write` resolves; on failure the temporary file is removed.
 */
export async function writeAtomically(path: string, write: (append: (chunk: string | Uint8Array) => void) => Promise<void>): Promise<number> {
  const tmp = tempSibling(path);
  const fd = openSync(tmp, 'w');
  let bytes = 0;
  let pending: (string | Uint8Array)[] = [];
  let pendingBytes = 0;
  const flush = (): void => {
    for (const p of pending) {
      const buf = typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      bytes += buf.length;
    }
    pending = [];
    pendingBytes = 0;
  };
  try {
    await write((chunk) => {
      pending.push(chunk);
      pendingBytes += typeof chunk === 'string' ? chunk.length : chunk.length;
      if (pendingBytes >= 1 << 20) flush();
    });
    flush();
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
    return bytes;
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    rmSync(tmp, { force: true });
    throw e;
  }
}
