/**
 * Preallocation: a sparse image takes host space only as it is written, so a host that fills up
 * fails writeback long after write(2) said yes. `mkfs --preallocate` has the host hold the whole
 * image up front (fallocate(2) mode 0: blocks allocated, contents still zeros), and fails at once
 * when it cannot. Node has no fallocate, so util-linux's fallocate(1) does it.
 */
import { execFile } from 'node:child_process';
import { FsError } from '../util/errno.js';

/** Allocate every block of the `size`-byte file at `path` on its host. ENOSPC (or the host's refusal) as FsError. */
export function preallocate(path: string, size: number): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile('fallocate', ['--length', String(size), path], (err, _stdout, stderr) => {
      if (!err) return resolve();
      const why = stderr.trim() || err.message;
      reject(new FsError(/No space left/i.test(why) ? 'ENOSPC' : 'EIO', `cannot preallocate ${size} bytes for ${path}: ${why}`));
    }),
  );
}
