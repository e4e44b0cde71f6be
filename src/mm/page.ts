/**
 * Page: one PAGE_SIZE piece of a file in the cache (struct page / folio), with the kernel's flags.
 * `locked` is the page lock, a promise that waiters await while its read (or a writer's
 * read-modify-write) is in flight; `writeback` likewise while its write to the store is in flight.
 */
import type { Mapping } from './mapping.js';

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;

export class Page {
  uptodate = false;
  dirty = false;
  /** Time the page was dirtied (ms), for the flusher's expiry. */
  dirtiedAt = 0;
  locked: Promise<void> | null = null;
  writeback: Promise<void> | null = null;
  /** get_user_pages pins: a pinned page is never reclaimed and its frame outlives its eviction. */
  pinCount = 0;
  /** False once the page has left its mapping (evicted, invalidated, truncated). */
  attached = true;
  /**
   * The device block of this file block (bmap), cached as buffer heads do when the page is read or
   * written back (undefined: not looked up, null: a hole). A stale page then names a stale block.
   */
  blockNr: number | null | undefined = undefined;
  private unlockWaiters: (() => void) | null = null;
  private writebackWaiters: (() => void) | null = null;

  constructor(
    readonly mapping: Mapping,
    readonly index: number,
    public data: Uint8Array,
  ) {}

  /** File offset of the page's first byte. */
  get pos(): number {
    return this.index * PAGE_SIZE;
  }

  /** Clean, idle and unpinned: the LRU may drop it. */
  get evictable(): boolean {
    return this.attached && this.uptodate && !this.dirty && !this.locked && !this.writeback && this.pinCount === 0;
  }

  /** Take the page lock without sleeping (the page must be unlocked). */
  setLocked(): void {
    this.locked = new Promise((wake) => (this.unlockWaiters = wake));
    this.mapping.cache.updateLru(this);
  }

  /** mirrors folio_lock(). Context: may sleep until the page is unlocked. */
  async lock(): Promise<void> {
    while (this.locked) await this.locked;
    this.setLocked();
  }

  /** mirrors folio_unlock(). */
  unlock(): void {
    const wake = this.unlockWaiters;
    this.locked = null;
    this.unlockWaiters = null;
    wake?.();
    this.mapping.cache.updateLru(this);
  }

  /** mirrors folio_start_writeback(). */
  startWriteback(): void {
    this.writeback = new Promise((wake) => (this.writebackWaiters = wake));
    this.mapping.cache.updateLru(this);
  }

  /** mirrors folio_end_writeback(). */
  endWriteback(): void {
    const wake = this.writebackWaiters;
    this.writeback = null;
    this.writebackWaiters = null;
    wake?.();
    this.mapping.cache.updateLru(this);
  }

  /** mirrors folio_wait_writeback(): stable pages, nobody modifies a page being written. */
  async waitOnWriteback(): Promise<void> {
    while (this.writeback) await this.writeback;
  }
}
