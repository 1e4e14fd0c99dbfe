/**
 * The JSONL checkpoint of a rejection-sampling job: one JSON object per line, appended as soon as an example
 * finishes, so that a job killed at any moment resumes where it stopped.
 *
 * Crash-safety contract:
 * - a record is one `write(2)` of `JSON.stringify(record) + '\n'` on a file opened with `O_APPEND`, issued
 *   synchronously from the one JavaScript thread, so records never interleave;
 * - a record counts as written only when its terminating `'\n'` is on disk: a torn tail (a process killed inside
 *   the write, or a partial page after a machine crash) has no newline and is cut off on resume, and since a
 *   record's content is a pure function of the example and the job's seed, the example is redone identically;
 * - on resume, the last record of each id wins (a `dropped` example later retried with more attempts and
 *   accepted reads as accepted), so reading never yields an id twice;
 * - one job at a time: opening for appending creates `<path>.lock` exclusively (`O_EXCL`, holding pid, host and
 *   start time) and closing removes it; a second job gets `CheckpointInUseError`, and a lock whose process died
 *   on this host is taken over.
 *
 * @packageDocumentation
 */
import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, openSync, readFileSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { log } from '../env.js';
import { CheckpointInUseError, DataFormatError, typeError } from '../errors.js';
import type { GenerateUsage } from '../generate/types.js';
import type { ChatMessage } from '../prompt/types.js';

/**
 * Why an example was dropped.
 * - `'max_attempts'`: every one of the `maxAttempts` samples was rejected (the hard examples the TR warns
 *   about). Final: written to the checkpoint and skipped on resume unless `retryDropped`.
 * - `'retries_exhausted'`: one sample's request kept failing in transport (timeouts, 429/5xx, resets, malformed
 *   responses) past `retry.maxRetries`. Not final: redone on resume.
 * - `'generator_error'`: a failure no retry can fix (HTTP 4xx other than 429, or a generator that threw
 *   something other than a `GeneratorError`). Not final.
 * - `'invalid_example'`: the example's structure is wrong (`detail` says how); no request was sent. Not final.
 * - `'duplicate_id'`: an earlier example of this run had the same id. Not final.
 *
 * @example
 * ```ts
 * const final = report.dropped.filter((d) => d.reason === 'max_attempts'); // the hard examples (TR)
 * ```
 */
export type DropReason = 'max_attempts' | 'retries_exhausted' | 'generator_error' | 'invalid_example' | 'duplicate_id';

/**
 * One accepted teacher trace, as written to the checkpoint (one JSON line).
 *
 * @example
 * ```ts
 * const { accepted } = readCheckpoint('traces.jsonl');
 * accepted[0].candidates[accepted[0].order[0]] === accepted[0].target; // true with the default predicate
 * ```
 */
export interface AcceptedRecord {
  /** The example's id. */
  readonly id: string;
  readonly status: 'accepted';
  /** The 1-based attempt whose sample was accepted. */
  readonly attempt: number;
  /** The seed sent with that attempt (`attemptSeed(seed, id, attempt)`). */
  readonly seed: number;
  /** The prompt the teacher saw. */
  readonly messages: readonly ChatMessage[];
  /** The accepted completion (reasoning trace and ranking). */
  readonly completion: string;
  /** The generation's finish reason. */
  readonly finishReason: string;
  /** The slate's candidates (SIDs), in prompt order. */
  readonly candidates: readonly string[];
  /** The ground-truth next item (one of `candidates`). */
  readonly target: string;
  /** Candidate indices as the completion ranks them (`parseRerankOutput(...).parsedOrder`). */
  readonly order: readonly number[];
  /** Whether the completion is a valid permutation in strict parsing (Ω). */
  readonly valid: boolean;
  /** Token usage of the accepted request. */
  readonly usage: GenerateUsage;
  /** The example's `meta`, passed through. */
  readonly meta?: unknown;
}

/**
 * A finally dropped example, as written to the checkpoint (only `'max_attempts'` drops are written).
 *
 * @example
 * ```ts
 * readCheckpoint('traces.jsonl').dropped; // [{ id: 'user-9', status: 'dropped', reason: 'max_attempts', attempts: 8 }]
 * ```
 */
export interface DroppedRecord {
  readonly id: string;
  readonly status: 'dropped';
  readonly reason: DropReason;
  /** Attempts (judged samples) spent on the example. */
  readonly attempts: number;
  readonly meta?: unknown;
}

/**
 * A line of the checkpoint.
 *
 * @example
 * ```ts
 * const line: CheckpointRecord = JSON.parse(text);
 * if (line.status === 'accepted') console.log(line.completion);
 * ```
 */
export type CheckpointRecord = AcceptedRecord | DroppedRecord;

/**
 * What a checkpoint holds after last-record-wins resolution.
 *
 * @example
 * ```ts
 * const { accepted, dropped, tornBytes } = readCheckpoint(['a.jsonl', 'b.jsonl']);
 * ```
 */
export interface CheckpointContents {
  /** Accepted records, in file order, one per id. */
  readonly accepted: AcceptedRecord[];
  /** Dropped records whose id was never accepted later, one per id. */
  readonly dropped: DroppedRecord[];
  /** Bytes of an unterminated last line (a torn write) that were ignored; 0 for a clean file. */
  readonly tornBytes: number;
}

const CHUNK = 1 << 16;
const NL = 10;

/** Length of the file once an unterminated tail is cut (the offset after its last `'\n'`, or 0). */
function completeLength(fd: number, size: number): number {
  if (size === 0) return 0;
  const buf = Buffer.allocUnsafe(CHUNK);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - CHUNK);
    const n = readSync(fd, buf, 0, end - start, start);
    for (let i = n - 1; i >= 0; i--) if (buf[i] === NL) return start + i + 1;
    end = start;
  }
  return 0;
}

/** Calls `onLine(text, lineNumber)` for each complete line of `[0, length)`, reading in chunks (flat memory). */
function forEachLine(fd: number, length: number, onLine: (line: string, lineNo: number) => void): void {
  const buf = Buffer.allocUnsafe(CHUNK);
  let carry: Buffer[] = [];
  let pos = 0;
  let lineNo = 0;
  while (pos < length) {
    const n = readSync(fd, buf, 0, Math.min(CHUNK, length - pos), pos);
    if (n <= 0) break;
    let from = 0;
    for (let i = 0; i < n; i++) {
      if (buf[i] !== NL) continue;
      const piece = buf.subarray(from, i);
      const text = carry.length > 0 ? Buffer.concat([...carry, piece]).toString('utf8') : piece.toString('utf8');
      carry = [];
      lineNo++;
      onLine(text, lineNo);
      from = i + 1;
    }
    if (from < n) carry.push(Buffer.from(buf.subarray(from, n)));
    pos += n;
  }
}

function parseLine(path: string, line: string, lineNo: number): CheckpointRecord {
  let rec: unknown;
  try {
    rec = JSON.parse(line);
  } catch (e) {
    throw new DataFormatError(
      `checkpoint ${path}: line ${lineNo} is not JSON (${(e as Error).message}); a checkpoint is only ever appended to, so this line was not written by the sampler.`,
    );
  }
  const r = rec as { id?: unknown; status?: unknown };
  if (rec === null || typeof rec !== 'object' || typeof r.id !== 'string' || (r.status !== 'accepted' && r.status !== 'dropped')) {
    throw new DataFormatError(`checkpoint ${path}: line ${lineNo} is not a sampler record ({"id": string, "status": "accepted" | "dropped", …}).`);
  }
  return rec as CheckpointRecord;
}

/** @internal An open checkpoint: the finished ids found in it and a synchronous appender. */
export interface OpenCheckpoint {
  /** Last status of every id in the file (and the attempts spent, for dropped ones). */
  readonly finished: Map<string, { status: 'accepted' | 'dropped'; attempts: number }>;
  /** Bytes of a torn tail that were cut off when opening. */
  readonly repairedBytes: number;
  /** Appends one record (one write of line + '\n'; fdatasync when asked). */
  append(record: CheckpointRecord): void;
  close(): void;
}

/**
 * @internal Opens (creating if needed) a checkpoint for appending: cuts a torn tail, reads the finished ids
 * (throwing `DataFormatError` on a malformed complete line), and returns an appender.
 */
export function openCheckpoint(path: string, options: { fsync?: boolean } = {}): OpenCheckpoint {
  const unlock = lockCheckpoint(path);
  let fd: number;
  try {
    fd = openSync(path, 'a+');
  } catch (e) {
    unlock();
    throw e;
  }
  try {
    const size = fstatSync(fd).size;
    const keep = completeLength(fd, size);
    if (keep < size) {
      ftruncateSync(fd, keep);
      fdatasyncSync(fd);
      log('warning', `rejectionSample: checkpoint ${path} ended in a torn record (${size - keep} bytes without a newline); cut it off, the example will be redone.`);
    }
    const finished = new Map<string, { status: 'accepted' | 'dropped'; attempts: number }>();
    forEachLine(fd, keep, (line, lineNo) => {
      if (line.length === 0) return;
      const r = parseLine(path, line, lineNo);
      finished.set(r.id, { status: r.status, attempts: r.status === 'dropped' ? r.attempts : r.attempt });
    });
    const fsync = options.fsync === true;
    let open = true;
    return {
      finished,
      repairedBytes: size - keep,
      append(record: CheckpointRecord): void {
        const buf = Buffer.from(JSON.stringify(record) + '\n', 'utf8');
        let off = 0;
        while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
        if (fsync) fdatasyncSync(fd);
      },
      close(): void {
        if (open) {
          open = false;
          try {
            closeSync(fd);
          } finally {
            unlock();
          }
        }
      },
    };
  } catch (e) {
    closeSync(fd);
    unlock();
    throw e;
  }
}

/** The content of a checkpoint's lock file. */
interface LockInfo {
  pid: number;
  hostname: string;
  startedAt: string;
}

/** Whether process `pid` of this host is alive (`EPERM`: alive, owned by another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: unknown }).code === 'EPERM';
  }
}

/**
 * @internal Takes `<path>.lock` for this process (exclusive create); returns its release. A lock of a dead
 * process of this host is removed and taken; any other lock throws {@link CheckpointInUseError}.
 */
export function lockCheckpoint(path: string): () => void {
  const lockPath = `${path}.lock`;
  const me: LockInfo = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() };
  for (let tries = 0; ; tries++) {
    let fd: number;
    try {
      fd = openSync(lockPath, 'wx');
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'EEXIST') throw e;
      const held = readLock(lockPath);
      if (tries === 0 && held !== null && held.hostname === me.hostname && !processAlive(held.pid)) {
        log('warning', `rejectionSample: checkpoint lock ${lockPath} was left by process ${held.pid}, which is gone; taking it over.`);
        try {
          unlinkSync(lockPath);
        } catch {
          /* another job took it over first: the next try sees its lock */
        }
        continue;
      }
      const who = held === null ? 'a process (unreadable lock file)' : `process ${held.pid} on ${held.hostname} (since ${held.startedAt})`;
      throw new CheckpointInUseError(
        lockPath,
        held?.pid ?? null,
        held?.hostname ?? null,
        `rejectionSample: checkpoint ${path} is in use by ${who}: its lock file ${lockPath} exists. ` +
          'Wait for that job, give this one its own checkpoint, or delete the lock file if no job is running.',
      );
    }
    try {
      writeSync(fd, JSON.stringify(me) + '\n');
    } finally {
      closeSync(fd);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const held = readLock(lockPath);
      if (held !== null && held.pid === me.pid && held.hostname === me.hostname && held.startedAt === me.startedAt) {
        try {
          unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      }
    };
  }
}

/** The lock file's content, or `null` when it is missing or unreadable. */
function readLock(lockPath: string): LockInfo | null {
  try {
    const j = JSON.parse(readFileSync(lockPath, 'utf8')) as Partial<LockInfo>;
    if (typeof j.pid === 'number' && Number.isInteger(j.pid) && j.pid > 0 && typeof j.hostname === 'string' && typeof j.startedAt === 'string') {
      return { pid: j.pid, hostname: j.hostname, startedAt: j.startedAt };
    }
  } catch {
    /* missing or torn */
  }
  return null;
}

/**
 * Reads one or more checkpoint files (e.g. one per shard) without modifying them. Records are resolved per id,
 * last line wins, in the order of `paths` then lines; an unterminated last line (torn write) is ignored and
 * counted in `tornBytes`.
 *
 * @param paths - A checkpoint path or a list of them.
 * @returns The accepted and dropped records, each id at most once.
 * @throws TypeError for a bad `paths`; DataFormatError for a complete line that is not a sampler record; the
 *   file system's error for a missing file.
 * @example
 * ```ts
 * const { accepted, dropped } = readCheckpoint(['traces.shard-0.jsonl', 'traces.shard-1.jsonl']);
 * console.log(accepted.length, dropped.map((d) => d.id));
 * ```
 */
export function readCheckpoint(paths: string | readonly string[]): CheckpointContents {
  const list = typeof paths === 'string' ? [paths] : paths;
  if (!Array.isArray(list) || Array.from(list as readonly unknown[]).some((p) => typeof p !== 'string')) {
    throw typeError('readCheckpoint', 'paths', 'a path or an array of paths', paths);
  }
  const last = new Map<string, CheckpointRecord>();
  let tornBytes = 0;
  for (const path of list as readonly string[]) {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const keep = completeLength(fd, size);
      tornBytes += size - keep;
      forEachLine(fd, keep, (line, lineNo) => {
        if (line.length === 0) return;
        const r = parseLine(path, line, lineNo);
        last.delete(r.id); // keep file order of the winning record
        last.set(r.id, r);
      });
    } finally {
      closeSync(fd);
    }
  }
  const accepted: AcceptedRecord[] = [];
  const dropped: DroppedRecord[] = [];
  for (const r of last.values()) {
    if (r.status === 'accepted') accepted.push(r);
    else dropped.push(r);
  }
  return { accepted, dropped, tornBytes };
}
