/**
 * Exit codes and error reporting of the `gr2` command line.
 *
 * @packageDocumentation
 * @internal
 */
import { CheckpointInUseError, DataFormatError, Gr2Error } from '../errors.js';

/**
 * Exit codes (sysexits-style where one fits):
 * 0 success; 1 a failure while working; 2 a usage error (unknown command or option, bad option value, unknown
 * metric); 65 malformed input data (a file that does not parse, wrong dimensions); 66 an input file that is missing
 * or unreadable; 73 an output that cannot be created; 75 a checkpoint in use by another running job (try again later).
 * @internal
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, dataError: 65, noInput: 66, cantCreate: 73, tempFail: 75 } as const;

/** An error the CLI reports as one line with a chosen exit code. @internal */
export class CliError extends Gr2Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A usage error (exit 2): a bad option or argument value. @internal */
export function usageError(option: string, rule: string, got: unknown): CliError {
  return new CliError(`${option} must be ${rule}; got ${typeof got === 'string' ? JSON.stringify(got) : String(got)}.`, EXIT.usage);
}

/** A data error (exit 65) located at `file:line`. @internal */
export function dataError(file: string, line: number | null, message: string): CliError {
  return new CliError(`${file}${line === null ? '' : `:${line}`}: ${message}`, EXIT.dataError);
}

/** Maps any thrown value to an exit code. @internal */
export function exitCodeOf(e: unknown): number {
  if (e instanceof CliError) return e.exitCode;
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR') return EXIT.noInput;
  if (e instanceof DataFormatError) return EXIT.dataError;
  if (e instanceof CheckpointInUseError) return EXIT.tempFail;
  if (e instanceof TypeError || e instanceof RangeError) return EXIT.usage;
  return EXIT.failure;
}

/** One line describing the error: `gr2 <command>: <message>`. @internal */
export function errorLine(command: string, e: unknown): string {
  let message: string;
  const err = e as { code?: unknown; path?: unknown; message?: unknown } | null;
  if (err && (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EISDIR') && typeof err.path === 'string') {
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory, not a file' : 'permission denied';
    message = `${err.path}: ${why}`;
  } else if (e instanceof Error) {
    message = e instanceof CliError || e instanceof Gr2Error || e instanceof TypeError || e instanceof RangeError ? e.message : `${e.name}: ${e.message}`;
  } else {
    message = String(e);
  }
  return `gr2 ${command}: error: ${message.replace(/\s*\n\s*/g, ' ')}`;
}
