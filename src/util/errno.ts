/**
 * Errors that carry a POSIX errno, the one currency every layer pays in: mm/ and fs/ throw them,
 * fuse/ turns them into negative return codes, the CLI into messages and exit codes.
 */
import { constants } from 'node:os';

export type ErrnoCode = keyof typeof constants.errno;

export class FsError extends Error {
  readonly code: ErrnoCode;

  constructor(code: ErrnoCode, message?: string) {
    super(message ? `${code}: ${message}` : code);
    this.name = 'FsError';
    this.code = code;
  }

  /** The positive errno number (EINVAL = 22), as the kernel and libfuse count it. */
  get errno(): number {
    return constants.errno[this.code];
  }
}

/** Throw FsError(code) unless `condition` holds; reads like the kernel's `if (...) return -EINVAL`. */
export function check(condition: boolean, code: ErrnoCode, message?: string): asserts condition {
  if (!condition) throw new FsError(code, message);
}

/** The errno number of any thrown value; anything that is not an FsError is an internal bug: EIO. */
export function errnoOf(err: unknown): number {
  if (err instanceof FsError) return err.errno;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code in constants.errno) return constants.errno[code as ErrnoCode];
  return constants.errno.EIO;
}
