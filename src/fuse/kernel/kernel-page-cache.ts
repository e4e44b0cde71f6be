/**
 * The kernel's page cache of our files, kept coherent with writes that bypass it: the
 * pagecache_add_lock extended over the kernel's cache.
 *
 * Files open with FOPEN_DIRECT_IO, so only shared-mmap faults put pages there (filemap_fault ->
 * fuse_read_folio or fuse_readahead). fuse_direct_io invalidates the range before it sends a WRITE;
 * a fault in between (before we take the block side, or between the sub-requests of a large write)
 * reads old data and the kernel keeps it. Since "fuse: Invalidate the page cache after
 * FOPEN_DIRECT_IO write" the kernel invalidates again after a synchronous write, but an
 * asynchronous one (AIO, io_uring; ASYNC_DIO) is only submitted by then, and older kernels never
 * do. So after the store write of every WRITE that is not the kernel's own writeback
 * (FUSE_WRITE_CACHE), and before its reply, we send FUSE_NOTIFY_INVAL_INODE for the range
 * (fuse_reverse_inval_inode -> invalidate_inode_pages2_range).
 *
 * Ordering with READ replies. A fault adds its folio to the mapping locked, sends READ, and unlocks
 * the folio when the reply is in (fuse_read_folio, folio_end_read). invalidate_inode_pages2_range
 * locks each folio it finds in the range, then drops it. Hence:
 * - a READ served before our store write (old data) has its folio in the mapping before the
 *   notification starts: the invalidation finds it, waits for its lock, that is for our reply to
 *   that READ, then drops it;
 * - a folio the invalidation did not find was added after it started, so its READ reaches us
 *   after the store write and reads new data (in `locked` our cache has no old page of the range
 *   then: the write evicted it under the block side; in `evict` it may, which is that mode's race).
 * So once the WRITE's reply is out, no kernel page of the range is older than the write. The
 * notification blocks in the kernel until those READs are answered, and it first writes back a
 * dirty shared page (fuse_launder_folio: a WRITE with FUSE_WRITE_CACHE, waited for), so it is sent
 * from a thread that serves no requests (notifier.ts) and only after the block side is released
 * (those READs and that WRITE take the add side): under the block side, or from the serving
 * thread, it is an ABBA deadlock between the kernel's folio lock and our lock.
 *
 * Cost: a notification is a thread round trip, so it is sent only for inodes the kernel may hold
 * pages of. A READ that fills the page cache (fuse_read_folio, fuse_readahead) covers whole folios:
 * its offset is page-aligned, its size a page multiple (4096 divides every page size Linux has),
 * and it names no lock owner (only fuse_direct_io's reads pass one: current->files). It is received
 * before it reads anything. An inode that received no such READ since the kernel last forgot it
 * (fuse_evict_inode truncates the pages before it sends the FORGET that ends the lookup count) has
 * no kernel pages. False positives (a direct read by a task without files) only cost a notification.
 */
import type { CoherenceMode } from '../../mm/api.js';
import { ReadFlag } from './flags.js';
import type { ValueOf } from './layout.js';
import { invalInodeMessage } from './notify.js';
import type { readIn } from './structs.js';

/** The smallest page size of Linux. */
const PAGE_SIZE = 4096;

export class KernelPageCache {
  /** Inodes that may have pages in the kernel's cache. */
  private readonly cached = new Set<number>();

  /**
   * `send` delivers one notification from a thread that serves no requests (Notifier.send). In
   * `none` nothing is sent: that mode ignores every cache, the kernel's too.
   */
  constructor(private readonly send: (message: Uint8Array) => Promise<void>, private readonly coherence: CoherenceMode) {}

  /** A READ of `ino` was received (call before serving it). */
  readReceived(ino: number, { offset, size, readFlags }: ValueOf<typeof readIn>): void {
    const pageCacheFill = offset % PAGE_SIZE === 0 && size % PAGE_SIZE === 0 && size > 0 && (readFlags & ReadFlag.LOCKOWNER) === 0;
    if (pageCacheFill) this.cached.add(ino);
  }

  /** Whether the kernel may hold pages of `ino` (dirty ones too, from a shared writable map). */
  mayHoldPages(ino: number): boolean {
    return this.cached.has(ino);
  }

  /** The kernel dropped its last reference to `ino`: it evicted the inode, and its pages with it. */
  forgotten(ino: number): void {
    this.cached.delete(ino);
  }

  /**
   * Drop the kernel's pages of [offset, offset + length) of `ino`, just written to the store by a
   * WRITE without FUSE_WRITE_CACHE; resolves once they are gone. Call before replying to it.
   * Context: the caller holds no side of the pagecache_add_lock (the block side is released).
   */
  async afterStoreWrite(ino: number, offset: number, length: number): Promise<void> {
    if (this.coherence === 'none' || length === 0 || !this.cached.has(ino)) return;
    await this.send(invalInodeMessage({ ino, off: offset, len: length }));
  }
}
