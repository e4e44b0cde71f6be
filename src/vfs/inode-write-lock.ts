/**
 * The part of inode_lock (i_rwsem) that writes need here: an O_APPEND write reads i_size and then
 * writes there, and a write past EOF moves i_size; two of those on one file must not interleave,
 * or both appenders land at the same offset. The kernel serializes writes to one of its inodes, but
 * libfuse gives every hard-link name its own, so the daemon serializes them per coherefs inode.
 * Overwrites inside the file take no lock, as ext4's direct writes take it only shared.
 */
import { SerialQueue } from '../util/serial-queue.js';

export class InodeWriteLocks {
  /** Per inode with writes queued, its queue of size-dependent writes. */
  private readonly queues = new Map<number, SerialQueue>();

  /** Run `write` after the size-dependent writes already queued on `ino`. Context: takes the inode's write lock. */
  serialize<T>(ino: number, write: () => Promise<T>): Promise<T> {
    let queue = this.queues.get(ino);
    if (!queue) this.queues.set(ino, (queue = new SerialQueue()));
    const run = queue.run(write);
    const forgetIfIdle = (): void => {
      if (queue.size === 0 && this.queues.get(ino) === queue) this.queues.delete(ino);
    };
    run.then(forgetIfIdle, forgetIfIdle);
    return run;
  }
}
