/**
 * copy_file_range(2) between two open handles: the checks the kernel's generic_copy_file_checks()
 * makes on the files (the source readable, the destination writable and not O_APPEND, no flags),
 * then the copy through the store (mm/copy-range.ts), then the destination's mtime and ctime, which
 * a FUSE server owns (the kernel marks FUSE inodes S_NOCMTIME, so its file_update_time() is a no-op).
 */
import { copyFileRange, runTask } from '../mm/api.js';
import { check } from '../util/errno.js';
import type { FileHandle } from './handles.js';
import { O_ACCMODE, O_WRONLY } from './open-flags.js';

/** What the copy changes besides the data: the destination's privileges and times (fs calls). */
export interface CopyHooks {
  /** Called before the copy when the caller lacks CAP_FSETID: file_remove_privs() of the destination. */
  removePrivs: ((ino: number) => Promise<void>) | null;
  fileUpdateTime(ino: number): void;
}

/**
 * Copy `length` bytes from `input` at posIn to `output` at posOut; returns the bytes copied (0 at the
 * source's EOF). A copy within one file with overlapping ranges fails with EINVAL; a full filesystem
 * fails it with ENOSPC before any byte lands.
 * Context: runs as its own mm task; takes the destination's block side (see mm/copy-range.ts).
 */
export async function copyBetweenHandles(
  input: FileHandle, posIn: number, output: FileHandle, posOut: number, length: number, flags: number,
  hooks: CopyHooks,
): Promise<number> {
  check(flags === 0, 'EINVAL', 'copy_file_range takes no flags');
  check((input.flags & O_ACCMODE) !== O_WRONLY, 'EBADF', 'copy_file_range source not open for reading');
  check(output.writable, 'EBADF', 'copy_file_range destination not open for writing');
  check(!output.append, 'EBADF', 'copy_file_range destination is open with O_APPEND');
  if (hooks.removePrivs) await hooks.removePrivs(output.ino);
  const copied = await runTask(`copy_file_range ino${input.ino}->ino${output.ino}`, () =>
    copyFileRange(input.mapping, posIn, output.mapping, posOut, length),
  );
  if (copied > 0) hooks.fileUpdateTime(output.ino);
  return copied;
}
