/**
 * The kernel's references to our inodes (FUSE lookup counts): every reply that hands the kernel a
 * node id (LOOKUP, CREATE, MKDIR, LINK, READDIRPLUS, ...) is one reference, and FORGET drops some.
 * While the kernel holds one, the inode stays, counted by the fs as an open is, so a node id never
 * names a freed inode (a removed directory that is still someone's cwd can still be stat'ed). The
 * last reference goes as the last handle does (`release`): an unlinked file's pages are dropped
 * before the fs frees its blocks. Mirrors iget()/iput() on the daemon side.
 */
import type { Filesystem } from '../fs/api.js';

export class LookupCounts {
  private readonly counts = new Map<number, number>();

  constructor(private readonly fs: Filesystem, private readonly release: (ino: number) => Promise<void>) {}

  /** One more kernel reference to `ino` (which exists). */
  hold(ino: number): void {
    const count = this.counts.get(ino) ?? 0;
    if (count === 0) this.fs.openInode(ino);
    this.counts.set(ino, count + 1);
  }

  /**
   * FORGET: the kernel dropped `nlookup` of its references; the last one lets the inode go.
   * Resolves to whether the kernel holds none now (it evicted its inode).
   */
  async forget(ino: number, nlookup: number): Promise<boolean> {
    const count = this.counts.get(ino);
    if (count === undefined) return true;
    if (count > nlookup) {
      this.counts.set(ino, count - nlookup);
      return false;
    }
    this.counts.delete(ino);
    await this.release(ino);
    return true;
  }

  /** The kernel is gone (unmounted): it sends no FORGETs then, so drop every reference. */
  async forgetAll(): Promise<void> {
    for (const ino of [...this.counts.keys()]) await this.forget(ino, Infinity);
  }
}
