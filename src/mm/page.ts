/**
 * Page: one PAGE_SIZE piece of a file in the cache (struct page / folio), with the kernel's flags.
 * `locked` is the page lock, held while its read (or a writer's read-modify-write) is in flight;
 * `writeback` is set while its write to the store is in flight. Both are plain flags: taking an
 * uncontended lock costs nothing (folio_trylock), and a promise to sleep on is made only when
 * somebody has to wait, as the kernel queues on a page's wait queue only when it sleeps.
 * A state change touches the page and its waiters only, never the cache (folio_unlock() clears a
 * bit and wakes): the cache keeps its LRU and reclaim at its own points (page-cache.ts).
 */
import type { Mapping } from './mapping.js';
import type { PageList } from './page-list.js';

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;

/** A wait queue made on the first sleeper: a promise and its wake-up. */
export interface WaitQueue {
  promise: Promise<void>;
  wake: () => void;
}

export function newWaitQueue(): WaitQueue {
  let wake!: () => void;
  const promise = new Promise<void>((resolve) => (wake = resolve));
  return { promise, wake };
}

export class Page {
  uptodate = false;
  dirty = false;
  /** When the page was dirtied (performance.now(), ms: monotonic, so dirty lists stay in time order), for the flusher's expiry. */
  dirtiedAt = 0;
  locked = false;
  writeback = false;
  /**
   * The page holds a reservation of one block for its writeback (bcachefs's SECTOR_reserved folio
   * state): taken when a write dirtied it over a hole, used up by the writeback that allocates it.
   */
  reserved = false;
  /** get_user_pages pins: a pinned page is never reclaimed and its frame outlives its eviction. */
  pinCount = 0;
  /** False once the page has left its mapping (evicted, invalidated, truncated). */
  attached = true;
  /** The list the page is on (the cache's LRU or its dirty list) and its links there (folio->lru). */
  list: PageList | null = null;
  prev: Page | null = null;
  next: Page | null = null;
  /**
   * The device block of this file block (bmap), cached as buffer heads do when the page is read or
   * written back (undefined: not looked up, null: a hole). A stale page then names a stale block.
   */
  blockNr: number | null | undefined = undefined;
  private unlockWaiters: WaitQueue | null = null;
  private writebackWaiters: WaitQueue | null = null;

  /** The file and index: fixed for the page's life, set anew only when a retired Page is reused. */
  constructor(
    public mapping: Mapping,
    public index: number,
    public data: Uint8Array,
  ) {}

  /** Make a retired Page (see page-recycler.ts) a new page, as the constructor would. */
  reinit(mapping: Mapping, index: number, data: Uint8Array): void {
    this.mapping = mapping;
    this.index = index;
    this.data = data;
    this.uptodate = false;
    this.dirty = false;
    this.dirtiedAt = 0;
    this.locked = false;
    this.writeback = false;
    this.reserved = false;
    this.pinCount = 0;
    this.attached = true;
    this.list = null;
    this.prev = null;
    this.next = null;
    this.blockNr = undefined;
    this.unlockWaiters = null;
    this.writebackWaiters = null;
  }

  /** Bytes [from, to) of the frame: the frame itself when that is all of it (no view to make and collect). */
  bytes(from: number, to: number): Uint8Array {
    return from === 0 && to === PAGE_SIZE ? this.data : this.data.subarray(from, to);
  }

  /** File offset of the page's first byte. */
  get pos(): number {
    return this.index * PAGE_SIZE;
  }

  /** Clean, idle and unpinned: the LRU may drop it. */
  get evictable(): boolean {
    return this.attached && this.uptodate && !this.dirty && !this.locked && !this.writeback && this.pinCount === 0;
  }

  /** mirrors folio_trylock(): take the page lock if it is free, without sleeping. */
  trylock(): boolean {
    if (this.locked) return false;
    this.locked = true;
    return true;
  }

  /** mirrors folio_lock(). Context: may sleep until the page is unlocked. */
  async lock(): Promise<void> {
    while (!this.trylock()) await this.waitUnlocked();
  }

  /** mirrors folio_wait_locked(): sleep until the page is unlocked (without taking the lock). */
  waitUnlocked(): Promise<void> {
    if (!this.locked) return Promise.resolve();
    return (this.unlockWaiters ??= newWaitQueue()).promise;
  }

  /** mirrors folio_unlock(). */
  unlock(): void {
    const waiters = this.unlockWaiters;
    this.locked = false;
    this.unlockWaiters = null;
    waiters?.wake();
  }

  /** mirrors folio_start_writeback(). */
  startWriteback(): void {
    this.writeback = true;
  }

  /** mirrors folio_end_writeback(). */
  endWriteback(): void {
    const waiters = this.writebackWaiters;
    this.writeback = false;
    this.writebackWaiters = null;
    waiters?.wake();
  }

  /** mirrors folio_wait_writeback(): stable pages, nobody modifies a page being written. */
  async waitOnWriteback(): Promise<void> {
    while (this.writeback) await (this.writebackWaiters ??= newWaitQueue()).promise;
  }
}
