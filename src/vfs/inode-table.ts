/**
 * The in-core inodes of regular files: each has one Mapping (its page cache) for as long as the
 * inode lives, so cached pages outlive the handles that brought them in, as in the kernel's icache.
 * Open counts mirror the fs layer's, so the last release of an unlinked file can drop its pages
 * before the fs frees its blocks (the kernel's iput -> evict -> truncate_inode_pages_final).
 */
import type { Filesystem } from '../fs/api.js';
import { evictMapping, type Mapping, type PageCache } from '../mm/api.js';

export class InodeTable {
  private readonly mappings = new Map<number, Mapping>();
  private readonly opens = new Map<number, number>();
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
    this.opens.set(ino, (this.opens.get(ino) ?? 0) + 1);
    return mapping;
  }

  /** The last handle of a file whose last name is gone frees it: pages first, then blocks. */
  async release(ino: number): Promise<void> {
    const left = (this.opens.get(ino) ?? 1) - 1;
    if (left > 0) this.opens.set(ino, left);
    else this.opens.delete(ino);
    try {
      if (left === 0 && this.fs.getattr(ino).nlink === 0) await this.evict(ino);
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
    const last = ino !== null && this.mappings.has(ino) && !this.opens.has(ino) && this.fs.getattr(ino).nlink === 1;
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
