/**
 * The part of inode_lock (i_rwsem) that writes need here: an O_APPEND write reads i_size and then
 * writes there, and a write past EOF moves i_size; two of those on one file must not interleave,
 * or both appenders land at the same offset. The kernel serializes writes to one of its inodes, but
 * libfuse gives every hard-link name its own, so the daemon serializes them per coherefs inode.
 * Overwrites inside the file take no lock, as ext4's direct writes take it only shared.
 */
export class InodeWriteLocks {
  /** Per inode, the end of the queue of size-dependent writes. */
  private readonly tails = new Map<number, Promise<unknown>>();

  /** Run `write` after the size-dependent writes already queued on `ino`. Context: takes the inode's write lock. */
  serialize<T>(ino: number, write: () => Promise<T>): Promise<T> {
    const run = (this.tails.get(ino) ?? Promise.resolve()).then(write);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(ino, tail);
    void tail.then(() => {
      if (this.tails.get(ino) === tail) this.tails.delete(ino);
    });
    return run;
  }
}
