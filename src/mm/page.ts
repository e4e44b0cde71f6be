/**
 * Page: one PAGE_SIZE piece of a file in the cache (struct page / folio), with the kernel's flags.
 * `locked` is the page lock, held while its read (or a writer's read-modify-write) is in flight;
 * `writeback` is set while its write to the store is in flight. Both are bits of `flags`: taking an
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

/** The page flags (folio->flags), bits of one word, as they will sit in a shared typed array (DESIGN §8). */
const PG_UPTODATE = 1 << 0;
const PG_DIRTY = 1 << 1;
const PG_LOCKED = 1 << 2;
const PG_WRITEBACK = 1 << 3;
/**
 * The page holds a reservation of one block for its writeback (bcachefs's SECTOR_reserved folio
 * state): taken when a write dirtied it over a hole, used up by the writeback that allocates it.
 */
const PG_RESERVED = 1 << 4;
/** Set while the page is in its mapping; cleared once it has left (evicted, invalidated, truncated). */
const PG_ATTACHED = 1 << 5;
/** The flags of a page reclaim may drop: in its mapping and uptodate, not dirty, locked or under writeback. */
const EVICTABLE_MASK = PG_ATTACHED | PG_UPTODATE | PG_DIRTY | PG_LOCKED | PG_WRITEBACK;
const EVICTABLE = PG_ATTACHED | PG_UPTODATE;

export class Page {
  flags = PG_ATTACHED;
  /** When the page was dirtied (performance.now(), ms: monotonic, so dirty lists stay in time order), for the flusher's expiry. */
  dirtiedAt = 0;
  /** get_user_pages pins: a pinned page is never reclaimed and its frame outlives its eviction. */
  pinCount = 0;
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
    this.flags = PG_ATTACHED;
    this.dirtiedAt = 0;
    this.pinCount = 0;
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
    return (this.flags & EVICTABLE_MASK) === EVICTABLE && this.pinCount === 0;
  }

  get uptodate(): boolean {
    return (this.flags & PG_UPTODATE) !== 0;
  }
  set uptodate(on: boolean) {
    this.setFlag(PG_UPTODATE, on);
  }
  get dirty(): boolean {
    return (this.flags & PG_DIRTY) !== 0;
  }
  set dirty(on: boolean) {
    this.setFlag(PG_DIRTY, on);
  }
  get reserved(): boolean {
    return (this.flags & PG_RESERVED) !== 0;
  }
  set reserved(on: boolean) {
    this.setFlag(PG_RESERVED, on);
  }
  get attached(): boolean {
    return (this.flags & PG_ATTACHED) !== 0;
  }
  set attached(on: boolean) {
    this.setFlag(PG_ATTACHED, on);
  }
  /** The page lock: set by trylock()/lock(), cleared by unlock(). */
  get locked(): boolean {
    return (this.flags & PG_LOCKED) !== 0;
  }
  /** Set by startWriteback(), cleared by endWriteback(). */
  get writeback(): boolean {
    return (this.flags & PG_WRITEBACK) !== 0;
  }

  private setFlag(bit: number, on: boolean): void {
    this.flags = on ? this.flags | bit : this.flags & ~bit;
  }

  /** mirrors folio_trylock(): take the page lock if it is free, without sleeping. */
  trylock(): boolean {
    if (this.flags & PG_LOCKED) return false;
    this.flags |= PG_LOCKED;
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
    this.flags &= ~PG_LOCKED;
    this.unlockWaiters = null;
    waiters?.wake();
  }

  /** mirrors folio_start_writeback(). */
  startWriteback(): void {
    this.flags |= PG_WRITEBACK;
  }

  /** mirrors folio_end_writeback(). */
  endWriteback(): void {
    const waiters = this.writebackWaiters;
    this.flags &= ~PG_WRITEBACK;
    this.writebackWaiters = null;
    waiters?.wake();
  }

  /** mirrors folio_wait_writeback(): stable pages, nobody modifies a page being written. */
  async waitOnWriteback(): Promise<void> {
    while (this.writeback) await (this.writebackWaiters ??= newWaitQueue()).promise;
  }
}
