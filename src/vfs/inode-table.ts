/**
 * The in-core inodes of regular files: each has one Mapping (its page cache) for as long as the
 * inode lives, so cached pages outlive the handles that brought them in, as in the kernel's icache.
 * The fs layer owns the open counts; the table asks them, so that the last release of an unlinked
 * file drops its pages before the fs frees its blocks (the kernel's iput -> evict -> truncate_inode_pages_final).
 */
import type { Filesystem } from '../fs/api.js';
import { evictMapping, type Mapping, type PageCache } from '../mm/api.js';

export class InodeTable {
  private readonly mappings = new Map<number, Mapping>();
  private readonly inos = new WeakMap<Mapping, number>();

  constructor(private readonly fs: Filesystem, private readonly cache: PageCache) {}

  /** The mapping of a regular file, made on first use (iget). */
  mapping(ino: number): Mapping {
    let mapping = this.mappings.get(ino);
    if (!mapping) {
      mapping = this.cache.createMapping(this.fs.store(ino), `ino${ino}`);
      this.mappings.set(ino, mapping);
      this.inos.set(mapping, ino);
    }
    return mapping;
  }

  /** The inode whose page cache `mapping` is. */
  inoOf(mapping: Mapping): number {
    return this.inos.get(mapping)!;
  }

  /** A new open handle on `ino`: the file stays alive, even unlinked, until release. */
  open(ino: number): Mapping {
    const mapping = this.mapping(ino);
    this.fs.openInode(ino);
    return mapping;
  }

  /**
   * The last handle of a file whose last name is gone frees it: pages first, then blocks. The fs
   * counts this handle until the pages are gone, so a handle opened and closed meanwhile (by inode)
   * leaves its mapping to this release, which drops that too.
   */
  async release(ino: number): Promise<void> {
    try {
      while (this.mappings.has(ino) && this.fs.openCount(ino) === 1 && this.fs.getattr(ino).nlink === 0) await this.evict(ino);
    } finally {
      this.fs.releaseInode(ino);
    }
  }

  /**
   * Remove a name with `removeName` (the fs layer's unlink or rename, which may refuse), then, if
   * that was the file's last link and nobody has it open, drop its pages: it is gone, and its dirty
   * pages must not be written into blocks the fs frees. Nothing is dropped when the removal fails.
   */
  async removeLink(ino: number | null, removeName: () => void): Promise<void> {
    // Only regular files have mappings, so directories and symlinks stop at the first test.
    const last = ino !== null && this.mappings.has(ino) && this.fs.openCount(ino) === 0 && this.fs.getattr(ino).nlink === 1;
    removeName();
    if (last) await this.evict(ino);
  }

  /** mirrors evict() -> truncate_inode_pages_final(): drop every page, then forget the mapping. */
  private async evict(ino: number): Promise<void> {
    const mapping = this.mappings.get(ino);
    if (!mapping) return;
    this.mappings.delete(ino);
    await evictMapping(mapping);
  }
}
