/**
 * File input and output of the `gr2` command line: line streams, atomic writers, input checks.
 *
 * @packageDocumentation
 * @internal
 */
import { createReadStream, createWriteStream, statSync, type WriteStream } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { InvalidArgumentError } from 'commander';
import { CliError, EXIT, dataError } from './errors.js';

/** Fails with exit 66 and one line when `path` is not a readable regular file. @internal */
export function assertInputFile(path: string, what: string): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new CliError(`${what} '${path}': no such file`, EXIT.noInput);
  }
  if (!st.isFile()) throw new CliError(`${what} '${path}': not a regular file`, EXIT.noInput);
}

/** Streams the lines of a file with their 1-based line numbers (memory stays flat). @internal */
export async function* readLines(path: string): AsyncGenerator<{ line: string; n: number }> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n++;
    yield { line, n };
  }
}

/** Streams the JSON values of a JSON-lines file (blank lines skipped); a line that does not parse is a data error. @internal */
export async function* readJsonl(path: string): AsyncGenerator<{ value: unknown; n: number }> {
  for await (const { line, n } of readLines(path)) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw dataError(path, n, `not valid JSON (${(e as Error).message})`);
    }
    yield { value, n };
  }
}

/**
 * A text output written to a temporary file next to `path` and renamed into place by `commit()`, so a failed
 * command leaves nothing half-written; `abort()` removes the temporary file.
 * @internal
 */
export class AtomicWriter {
  private readonly tmp: string;
  private stream: WriteStream | null = null;
  private error: unknown = null;
  private constructor(readonly path: string) {
    this.tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  }

  /** Opens the writer (creating the parent directory). @internal */
  static async open(path: string): Promise<AtomicWriter> {
    const w = new AtomicWriter(path);
    try {
      await mkdir(dirname(path), { recursive: true });
    } catch (e) {
      throw new CliError(`cannot create the directory of '${path}': ${(e as Error).message}`, EXIT.cantCreate);
    }
    w.stream = createWriteStream(w.tmp, { encoding: 'utf8' });
    w.stream.on('error', (e) => (w.error = e));
    await new Promise<void>((resolve, reject) => {
      w.stream!.once('open', () => resolve());
      w.stream!.once('error', (e) => reject(new CliError(`cannot write '${path}': ${e.message}`, EXIT.cantCreate)));
    });
    return w;
  }

  /** Writes text, waiting for the stream to drain when its buffer is full. @internal */
  async write(text: string): Promise<void> {
    if (this.error) throw this.error;
    if (!this.stream!.write(text)) await new Promise<void>((r) => this.stream!.once('drain', () => r()));
  }

  /** Flushes, closes and renames the file into place. @internal */
  async commit(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.stream!.end((e?: Error | null) => (e ? reject(e) : resolve())));
    if (this.error) throw this.error;
    await rename(this.tmp, this.path);
  }

  /** Closes and removes the temporary file. @internal */
  async abort(): Promise<void> {
    await new Promise<void>((resolve) => this.stream!.end(() => resolve()));
    await unlink(this.tmp).catch(() => undefined);
  }
}

/** Runs `body` with an {@link AtomicWriter} on `path`, committing on success and aborting on any error. @internal */
export async function writeAtomically<T>(path: string, body: (w: AtomicWriter) => Promise<T>): Promise<T> {
  const w = await AtomicWriter.open(path);
  try {
    const result = await body(w);
    await w.commit();
    return result;
  } catch (e) {
    await w.abort();
    throw e;
  }
}

/** Parses an integer option value (commander passes strings). @internal */
export function intOption(option: string, min: number, max = 2 ** 31 - 1): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${option} must be an integer in [${min}, ${max}]; got ${JSON.stringify(value)}.`);
    }
    return n;
  };
}
