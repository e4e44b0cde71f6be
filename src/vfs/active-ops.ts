/**
 * The data operations in flight on a mounted Vfs, which close() must wait for (as freeze_super()
 * waits out sb_start_write() holders). fuse-native unmounts lazily, so a request can still be
 * running when shutdown begins; writing back and releasing the image under it would lose a write
 * that then reports success. After close() starts, new operations fail with EIO.
 */
import { FsError } from '../util/errno.js';

export class ActiveOps {
  private count = 0;
  private closing = false;
  private idle: (() => void) | null = null;

  /** Run one operation, counted until it settles; EIO once the Vfs is closing. */
  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new FsError('EIO', 'the filesystem is being unmounted'));
    this.count++;
    let result: Promise<T>;
    try {
      result = work();
    } catch (err) {
      result = Promise.reject(err);
    }
    return result.finally(() => {
      if (--this.count === 0) this.idle?.();
    });
  }

  /** Refuse new operations; resolves once those in flight have settled. */
  drain(): Promise<void> {
    this.closing = true;
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => (this.idle = resolve));
  }
}
