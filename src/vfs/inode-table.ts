/**
 * The in-core inodes of regular files: each has one Mapping (its page cache) for as long as the
 * inode lives, so cached pages outlive the handles that brought them in, as in the kernel's icache.
 * Open counts mirror the fs layer's, so the last release of an unlinked file can drop its pages
 * before the fs frees its blocks (the kernel's iput -> evict -> truncate_inode_pages_final).
 */
import type { Filesystem } from '../fs/api.js';
import { truncate, type Mapping, type PageCache } from '../mm/api.js';

export class InodeTable {
  private readonly mappings = new Map<number, Mapping>();
  private readonly opens = new Map<number, number>();

  constructor(private readonly fs: Filesystem, private readonly cache: PageCache) {}

  /** The mapping of a regular file, made on first use (iget). */
  mapping(ino: number): Mapping {
    let mapping = this.mappings.get(ino);
    if (!mapping) {
      mapping = this.cache.createMapping(this.fs.store(ino), `ino${ino}`);
      this.mappings.set(ino, mapping);
    }
    return mapping;
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
   * Called before a name goes away: when it is the file's last link and nobody has it open, its
   * dirty pages must not be written back into blocks the fs is about to free.
   */
  async forgetIfLastLink(ino: number): Promise<void> {
    // Only regular files have mappings, so directories and symlinks stop at the first test.
    if (this.mappings.has(ino) && !this.opens.has(ino) && this.fs.getattr(ino).nlink === 1) await this.evict(ino);
  }

  /** mirrors evict() -> truncate_inode_pages_final(): drop every page, then forget the mapping. */
  private async evict(ino: number): Promise<void> {
    const mapping = this.mappings.get(ino);
    if (!mapping) return;
    await truncate(mapping, 0);
    this.cache.releaseMapping(mapping);
    this.mappings.delete(ino);
  }
}
