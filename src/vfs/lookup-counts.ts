/**
 * The kernel's references to our inodes (FUSE lookup counts): every reply that hands the kernel a
 * node id (LOOKUP, CREATE, MKDIR, LINK, ...) is one reference, and FORGET drops some. While the kernel
 * holds one, the inode stays (as an open does), so a node id never names a freed inode: a removed
 * directory that is still someone's cwd can still be stat'ed. Mirrors iget()/iput() on the daemon side.
 */
import type { Filesystem } from '../fs/api.js';

export class LookupCounts {
  private readonly counts = new Map<number, number>();

  constructor(private readonly fs: Filesystem) {}

  /** One more kernel reference to `ino` (which exists). */
  hold(ino: number): void {
    const count = this.counts.get(ino) ?? 0;
    if (count === 0) this.fs.openInode(ino);
    this.counts.set(ino, count + 1);
  }

  /** FORGET: the kernel dropped `nlookup` references; the last one lets the inode go. */
  forget(ino: number, nlookup: number): void {
    const count = this.counts.get(ino);
    if (count === undefined) return;
    if (count > nlookup) {
      this.counts.set(ino, count - nlookup);
      return;
    }
    this.counts.delete(ino);
    this.fs.releaseInode(ino);
  }

  /** The kernel is gone (unmounted): it sends no FORGETs then, so drop every reference. */
  forgetAll(): void {
    for (const ino of [...this.counts.keys()]) this.forget(ino, Infinity);
  }
}
