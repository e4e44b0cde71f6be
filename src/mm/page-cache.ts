/**
 * PageCache: the global cache of pages of all mappings, bounded by bytes (cache_size).
 *
 * Every clean page of a mapping sits on the LRU from the moment it is added, an intrusive list like
 * the kernel's (a hash-map LRU cost a sixth of a buffered write's CPU); a dirty page sits on its
 * mapping's dirty list instead. Page state changes (lock, unlock, writeback) never touch the LRU:
 * reclaim, where a page is added, takes the oldest page that is idle and passes over pages in
 * flight (locked, under writeback, pinned), as shrink_folio_list() does. Evicting a page removes it
 * from its mapping and returns its frame to the pool. Dirty pages are never dropped, only written
 * back: by the flusher (expiry age, background ratio), by writers throttled at the hard ratio
 * (balance_dirty_pages), and by direct reclaim when the cache is full. The cache never holds more
 * than its bound: a task that needs room while every page is in flight sleeps until one settles.
 */
import type { BackingStore } from './backing-store.js';
import { FramePool } from './frame-pool.js';
import { Mapping } from './mapping.js';
import { PAGE_SIZE, Page, newWaitQueue, type WaitQueue } from './page.js';
import { assertHeld } from './lockdep.js';
import { folioReservationPut } from './reservation.js';
import { PageList } from './page-list.js';
import { retirePage, reusePage } from './page-recycler.js';
import type { ScheduleHook } from './schedule-points.js';
import { PageCacheStats } from './stats.js';
import { asKernelThread, inTask, runTask } from './task.js';
import { Flusher, filemapWriteAndWaitRange, writepage } from './writeback.js';
import { FsError, check } from '../util/errno.js';

export type CoherenceMode = 'none' | 'evict' | 'locked';

export interface PageCacheOptions {
  /** Bound of the cache in bytes (rounded down to pages, at least 16 pages). */
  cacheSize: number;
  /** Dirty share of the cache at which the flusher starts writing back (default 0.1). */
  dirtyBackgroundRatio?: number;
  /** Dirty share at which writers are throttled and write back themselves (default 0.3). */
  dirtyRatio?: number;
  /** Age after which the flusher writes a dirty page back (default 30 s). */
  dirtyExpireMs?: number;
  /** Period of the flusher (default 1 s). */
  writebackIntervalMs?: number;
  /** How direct IO keeps coherent with the cache (default 'locked'). */
  coherence?: CoherenceMode;
  /** O_DIRECT alignment of offsets and lengths: the logical block size (default 512). */
  dioAlign?: number;
  /** Largest readahead window in pages (default 32; 0 turns readahead off). */
  readaheadMaxPages?: number;
  /**
   * Largest file size: writes and truncates past it fail with EFBIG before they touch a page. The fs
   * below owns it (sb->s_maxbytes), so whoever builds the cache passes it; by default no limit but
   * the largest safe integer.
   */
  maxFileSize?: number;
  /**
   * Tests and the deadlock demonstration only: the fault handler ignores faults_disabled_mapping,
   * so a direct write from a mapped view of a locked file deadlocks, as it would without bcachefs's
   * checks.
   */
  unsafeDisableFaultChecks?: boolean;
}

/** Dirty data that could not be written back when the cache closed: which file, how many bytes, why. */
export class UnwrittenData extends FsError {
  constructor(readonly files: ReadonlyArray<{ mapping: Mapping; bytes: number; error: FsError | null }>) {
    super('EIO', `dirty data could not be written back: ${files.map((f) => `${f.mapping} ${f.bytes} bytes${f.error ? ` (${f.error.message})` : ''}`).join('; ')}`);
    this.name = 'UnwrittenData';
  }
}

/** What trying to add a page found: the new locked page, a page already there, or no room without writeback. */
export type AddResult = { kind: 'added'; page: Page } | { kind: 'exists' } | { kind: 'no-room' };

const EXISTS = Object.freeze({ kind: 'exists' } as const);
const NO_ROOM = Object.freeze({ kind: 'no-room' } as const);

export class PageCache {
  readonly options: Required<PageCacheOptions>;
  readonly stats: PageCacheStats;
  readonly capacityPages: number;
  /**
   * The mappings with dirty pages, in the order they became dirty (the bdi's b_dirty list of
   * inodes): writeback goes file by file, oldest first, each file's pages oldest first.
   */
  readonly dirtyMappings = new Set<Mapping>();
  /** Dirty pages over all mappings (NR_FILE_DIRTY). */
  nrDirty = 0;
  readonly mappings = new Set<Mapping>();
  /** Frames in use: pages in mappings plus evicted pages still pinned. */
  nrPages = 0;
  nrWriteback = 0;
  scheduleHook: ScheduleHook | null = null;
  /** Told of every failed writeback (the daemon logs it): the file, the byte range and the cause. */
  onWritebackError: ((mapping: Mapping, pos: number, length: number, error: FsError) => void) | null = null;
  /** Told of an unexpected error that ended background work (readahead, the flusher): a bug or a store fault nobody waits for. */
  onBackgroundError: ((task: string, error: unknown) => void) | null = null;
  private readonly pool: FramePool;
  /** The clean pages of all mappings, least recently used first; those in flight are skipped by reclaim. */
  private readonly lru = new PageList();
  private readonly flusher: Flusher;
  private readonly background = new Set<Promise<unknown>>();
  /** Tasks in direct reclaim waiting for a page in flight to settle. */
  private roomWaiters: WaitQueue | null = null;
  private nextMappingId = 1;

  constructor(options: PageCacheOptions) {
    check(Number.isSafeInteger(options.cacheSize) && options.cacheSize >= 16 * PAGE_SIZE, 'EINVAL', 'cache_size below 64K');
    this.options = {
      dirtyBackgroundRatio: 0.1,
      dirtyRatio: 0.3,
      dirtyExpireMs: 30_000,
      writebackIntervalMs: 1000,
      coherence: 'locked',
      dioAlign: 512,
      readaheadMaxPages: 32,
      maxFileSize: Number.MAX_SAFE_INTEGER,
      unsafeDisableFaultChecks: false,
      ...options,
    };
    const { dirtyBackgroundRatio: bg, dirtyRatio, dioAlign } = this.options;
    check(bg > 0 && bg <= dirtyRatio && dirtyRatio < 1, 'EINVAL', 'need 0 < dirty_background_ratio <= dirty_ratio < 1');
    check(dioAlign > 0 && (dioAlign & (dioAlign - 1)) === 0 && dioAlign <= PAGE_SIZE, 'EINVAL', 'dio alignment must be a power of two up to 4096');
    this.capacityPages = Math.floor(options.cacheSize / PAGE_SIZE);
    this.stats = new PageCacheStats(() => ({
      residentBytes: this.nrPages * PAGE_SIZE,
      dirtyBytes: this.nrDirty * PAGE_SIZE,
      writebackBytes: this.nrWriteback * PAGE_SIZE,
      mappings: this.mappings.size,
    }));
    this.pool = new FramePool(this.capacityPages * PAGE_SIZE);
    this.flusher = new Flusher(this);
  }

  get dirtyBackgroundPages(): number {
    return Math.max(1, Math.floor(this.capacityPages * this.options.dirtyBackgroundRatio));
  }

  get dirtyLimitPages(): number {
    return Math.max(1, Math.floor(this.capacityPages * this.options.dirtyRatio));
  }

  createMapping(host: BackingStore, name?: string): Mapping {
    const id = this.nextMappingId++;
    const mapping = new Mapping(this, host, id, name ?? `mapping${id}`);
    this.mappings.add(mapping);
    return mapping;
  }

  /** Drop a mapping's clean pages and forget it. EBUSY while a page is dirty, locked or under writeback. */
  releaseMapping(mapping: Mapping): void {
    for (const page of mapping.pages.values()) check(!page.dirty && !page.writeback && !page.locked, 'EBUSY', `${mapping} has pages in use`);
    for (const page of [...mapping.pages.values()]) this.deletePage(page);
    this.mappings.delete(mapping);
  }

  /**
   * Make room for one page, then add a new locked, not-uptodate page at `index` (`added`), or find
   * that a page appeared there meanwhile (`exists`). Direct reclaim writes back the oldest idle dirty page, or sleeps until
   * a page in flight (locked, under writeback, pinned) settles. The cache never grows past its
   * bound: when writeback fails and nothing else makes room, the caller gets the writeback error,
   * so a writer hears that the disk is failing instead of the cache growing without end.
   * Context: the caller holds the mapping's add side and no page lock; may sleep in direct reclaim.
   */
  async addLockedPage(mapping: Mapping, index: number): Promise<Exclude<AddResult, { kind: 'no-room' }>> {
    assertHeld(mapping.lock, 'add');
    for (;;) {
      const result = this.tryAddLockedPage(mapping, index);
      if (result.kind !== 'no-room') return result;
      await this.shrinkOne();
    }
  }

  /**
   * Direct reclaim of one page: shrink_folio_list() on the oldest idle dirty page (write it back so
   * it can be evicted), or reclaim_throttle() when every page is in flight.
   * Context: holds no page lock while it sleeps; may sleep on writeback.
   */
  private async shrinkOne(): Promise<void> {
    const victim = this.oldestDirtyIdlePage();
    if (!victim) {
      this.stats.reclaimWaits++;
      await this.pageSettled();
      return;
    }
    const error = await writepage(victim);
    if (error && !this.hasRoom()) {
      throw new FsError(error.code, `no room in the page cache: writeback of ${victim.mapping} failed (${error.message})`);
    }
  }

  /** A page can be added now without sleeping: the bound is not reached, or a clean page can go. */
  hasRoom(): boolean {
    return this.nrPages < this.capacityPages || this.reclaimablePage() !== null;
  }

  /**
   * The oldest clean page that is idle (shrink_folio_list()'s pass over the LRU's old end): pages in
   * flight that it passes over go to the young end (the kernel keeps them, or activates them), so
   * the next scan starts past them. Null when every clean page is in flight.
   */
  private reclaimablePage(): Page | null {
    const { lru } = this;
    for (let left = lru.size; left > 0; left--) {
      const page = lru.first!;
      if (page.evictable) return page;
      lru.moveToTail(page);
    }
    return null;
  }

  /**
   * Sleep until a page in flight settles: a writeback ends, a page is unpinned or freed (the cache's
   * own points wake roomWaiters), or a locked page is unlocked. An unlock wakes only that page's
   * waiters, so the sleeper queues on each locked page, as a kernel task queues on a folio's wait
   * queue. Only when every page is in flight, so the walk over them is off the hot paths.
   */
  private pageSettled(): Promise<void> {
    const wakeups = [(this.roomWaiters ??= newWaitQueue()).promise];
    for (const page of this.lru) if (page.locked) wakeups.push(page.waitUnlocked());
    for (const mapping of this.dirtyMappings) for (const page of mapping.dirty) if (page.locked) wakeups.push(page.waitUnlocked());
    return Promise.race(wakeups);
  }

  /** Wake tasks sleeping in direct reclaim: a writeback ended, a page was unpinned or its frame freed. */
  private wakeRoomWaiters(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = null;
    waiters?.wake();
  }

  /**
   * The part of addLockedPage() that never sleeps: evict clean idle pages to make room (the bound is
   * kept here, where pages are added) and add the new locked page. Most misses end here, without a
   * promise per page.
   * Context: the caller holds the mapping's add side.
   */
  tryAddLockedPage(mapping: Mapping, index: number): AddResult {
    assertHeld(mapping.lock, 'add');
    while (this.nrPages >= this.capacityPages) {
      const victim = this.reclaimablePage();
      if (!victim) break;
      this.evict(victim);
    }
    if (mapping.pages.has(index)) return EXISTS;
    if (this.nrPages >= this.capacityPages) return NO_ROOM;
    return { kind: 'added', page: this.insertLockedPage(mapping, index) };
  }

  /**
   * Add the page; the caller found `index` free and room for it in the same synchronous step, so
   * racing tasks cannot both add it, nor both take the last room.
   */
  private insertLockedPage(mapping: Mapping, index: number): Page {
    const frame = this.pool.alloc();
    const recycled = reusePage();
    recycled?.reinit(mapping, index, frame);
    const page = recycled ?? new Page(mapping, index, frame);
    this.nrPages++;
    mapping.pages.set(index, page);
    page.trylock(); // a new page: nobody else can hold its lock yet
    this.lru.addTail(page);
    return page;
  }

  /**
   * The oldest dirty page, dirtied at or before `olderThan` (ms), that writeback may start on (not
   * locked, not already under writeback), if any: files in b_dirty order, each file's pages oldest first.
   */
  oldestDirtyIdlePage(olderThan = Infinity): Page | undefined {
    for (const mapping of this.dirtyMappings) {
      for (const page of mapping.dirty) {
        if (page.dirtiedAt > olderThan) break;
        if (!page.locked && !page.writeback) return page;
      }
    }
    return undefined;
  }

  /** mirrors filemap_remove_folio(): take the page out of its mapping; free its frame unless pinned. */
  deletePage(page: Page): void {
    if (!page.attached) return;
    folioReservationPut(page);
    page.attached = false;
    page.mapping.pages.delete(page.index);
    if (page.dirty) this.clearPageDirty(page);
    if (this.lru.has(page)) this.lru.remove(page);
    if (page.pinCount === 0) this.freeFrame(page);
  }

  /** Reclaim one evictable page (shrink_folio_list() for a clean folio). */
  private evict(page: Page): void {
    this.stats.evictions++;
    this.deletePage(page);
  }

  /** mirrors unpin_user_page(). */
  unpinPage(page: Page): void {
    page.pinCount--;
    if (page.pinCount > 0) return;
    if (!page.attached) this.freeFrame(page);
    else if (this.roomWaiters) this.wakeRoomWaiters();
  }

  /** mirrors pin_user_page(): reclaim passes over the page until it is unpinned. */
  pinPage(page: Page): void {
    page.pinCount++;
  }

  /** mirrors folio_start_writeback() with its NR_WRITEBACK count. Context: the caller holds the page lock. */
  startPageWriteback(page: Page): void {
    page.startWriteback();
    this.nrWriteback++;
  }

  /**
   * mirrors folio_end_writeback(): the page's waiters wake, and so do tasks in direct reclaim (as
   * acct_reclaim_writeback() wakes reclaim_throttle()'s sleepers): the page may be evicted now.
   */
  endPageWriteback(page: Page): void {
    this.nrWriteback--;
    page.endWriteback();
    if (this.roomWaiters) this.wakeRoomWaiters();
  }

  /** mark_page_accessed(): a hit moves the page to the young end. */
  markPageAccessed(page: Page): void {
    if (this.lru.has(page)) this.lru.moveToTail(page);
  }

  /** mirrors folio_mark_dirty(). */
  markPageDirty(page: Page): void {
    if (page.dirty) return;
    page.dirty = true;
    page.dirtiedAt = performance.now();
    if (this.lru.has(page)) this.lru.remove(page);
    const { mapping } = page;
    if (mapping.dirty.size === 0) this.dirtyMappings.add(mapping);
    mapping.dirty.addTail(page);
    if (++this.nrDirty > this.dirtyBackgroundPages) this.flusher.kick();
  }

  /** mirrors folio_clear_dirty_for_io(). */
  clearPageDirty(page: Page): void {
    if (!page.dirty) return;
    page.dirty = false;
    const { mapping } = page;
    mapping.dirty.remove(page);
    if (mapping.dirty.size === 0) this.dirtyMappings.delete(mapping);
    this.nrDirty--;
    if (page.attached) this.lru.addTail(page);
  }

  /** Run fn as a background task (readahead, flusher) that close() waits for. */
  runInBackground(name: string, fn: () => Promise<void>): void {
    // A kernel thread's work, even when a request's task started it.
    const work = asKernelThread(() => runTask(name, fn)).catch((err: unknown) => {
      this.stats.backgroundErrors++;
      this.onBackgroundError?.(name, err);
    });
    this.background.add(work);
    void work.finally(() => this.background.delete(work));
  }

  /**
   * Write back every mapping's dirty pages and sync every host (as a task: it holds pages across
   * awaits). Goes through every mapping whatever fails; throws the first host sync error at the end.
   */
  syncAll(): Promise<void> {
    return inTask('sync', async () => {
      let failure: unknown = null;
      for (const mapping of [...this.mappings]) {
        // A file evicted while an earlier one was being synced is gone: nothing of it to make durable.
        if (!this.mappings.has(mapping)) continue;
        await filemapWriteAndWaitRange(mapping, 0, Infinity);
        if (this.mappings.has(mapping)) await mapping.host.sync().catch((err: unknown) => (failure ??= err));
      }
      if (failure) throw failure;
    });
  }

  /**
   * Stop the flusher, wait for background work, write back everything. Throws UnwrittenData, naming
   * each file and its bytes, when dirty pages could not be written (nobody may be told "written
   * back" then), or the error that kept the hosts from syncing.
   */
  async close(): Promise<void> {
    this.flusher.stop();
    while (this.background.size > 0) await Promise.all(this.background);
    let syncFailure: unknown = null;
    await this.syncAll().catch((err: unknown) => (syncFailure = err));
    const unwritten = [...this.dirtyMappings].map((mapping) => ({ mapping, bytes: mapping.dirty.size * PAGE_SIZE, error: mapping.wbErr.latest }));
    if (unwritten.length > 0) throw new UnwrittenData(unwritten);
    if (syncFailure) throw syncFailure;
  }

  /** The page is out of its mapping and unpinned: its frame goes back to the pool, the Page to the recycler. */
  private freeFrame(page: Page): void {
    if (this.roomWaiters) this.wakeRoomWaiters();
    this.pool.release(page.data);
    page.data = EMPTY_FRAME;
    this.nrPages--;
    retirePage(page);
  }
}

const EMPTY_FRAME = new Uint8Array(0);
