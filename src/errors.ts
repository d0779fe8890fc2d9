/**
 * Typed errors decide the exit code, in the manner of knip and changesets:
 * a user error (bad input, missing tool) exits 2 with one line naming the file
 * and the cause; an exceeded threshold exits 1; anything else is a bug and
 * gets a hint to report it.
 */

export class UserError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    /** The file the error is about, if any: printed first so the line reads `FILE: cause`. */
    readonly file?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
  /** The one line a user sees. */
  line(): string {
    return this.file ? `${this.file}: ${this.message}` : this.message;
  }
}

/** Input that is not what it claims to be: truncated, corrupt, unsupported. */
export class FormatError extends UserError {
  constructor(message: string, file?: string) {
    super(message, file);
    this.name = 'FormatError';
  }
  /** The same error, now naming the file (readers below the file level do not know it). */
  withFile(file: string): FormatError {
    return this.file ? this : new FormatError(this.message, file);
  }
}

/**
 * A part of an input file we could not use and read past, as the upstream
 * generator (libelf and libdw) reads past it: a figure that needs the part
 * is left out, everything else is measured. One line each on stderr.
 */
export interface InputWarning {
  /** The part of the file: "program headers", "unit at .debug_info+1234", ".symtab" ... */
  part: string;
  /** What is wrong with it. */
  cause: string;
  /** What was left out because of it. */
  skipped: string;
}

/** The one line a warning prints as: `warning: FILE: part: cause; skipped ...`. */
export function warningLine(file: string, w: InputWarning): string {
  return `warning: ${file}: ${w.part}: ${w.cause}; skipped ${w.skipped}`;
}

export class ThresholdError extends Error {
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'ThresholdError';
  }
}

export const BUG_HINT =
  'this is a bug in lineinfo-bench; please report it with the command line and the input file';

/** Exit code and the lines to print for any thrown value. */
export function describeError(err: unknown): { exitCode: number; lines: string[] } {
  if (err instanceof UserError) return { exitCode: 2, lines: [`error: ${err.line()}`] };
  if (err instanceof ThresholdError)
    // one line per figure over its limit
    return { exitCode: 1, lines: err.message.split('\n').map((l) => `threshold: ${l}`) };
  const e = err as NodeJS.ErrnoException;
  // Environment failures the user can act on: a full disk, a missing file.
  if (
    e &&
    typeof e.code === 'string' &&
    ['ENOENT', 'EACCES', 'ENOSPC', 'EISDIR', 'ENOTDIR', 'EMFILE'].includes(e.code)
  ) {
    return {
      exitCode: 2,
      lines: [`error: ${e.path ?? ''}${e.path ? ': ' : ''}${errnoText(e.code)}`],
    };
  }
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return { exitCode: 3, lines: [`internal error: ${text}`, BUG_HINT] };
}

function errnoText(code: string): string {
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
      return 'permission denied';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EISDIR':
      return 'is a directory, expected a file';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    default:
      return 'too many open files';
  }
}
