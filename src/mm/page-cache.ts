/**
 * PageCache: the global cache of pages of all mappings, bounded by bytes (cache_size).
 *
 * Only evictable pages (clean, uptodate, unlocked, not under writeback, unpinned) sit on the LRU,
 * an intrusive list like the kernel's (a hash-map LRU cost a sixth of a buffered write's CPU);
 * evicting one removes it from its mapping and returns its frame to the pool. Dirty pages are never
 * dropped, only written back: by the flusher (expiry age, background ratio), by writers throttled
 * at the hard ratio (balance_dirty_pages), and by direct reclaim when the cache is full. The cache
 * holds at most its bound plus the pages in flight (locked, under writeback, pinned).
 */
import type { BackingStore } from './backing-store.js';
import { FramePool } from './frame-pool.js';
import { Mapping } from './mapping.js';
import { PAGE_SIZE, Page } from './page.js';
import { PageList } from './page-list.js';
import { retirePage, reusePage } from './page-recycler.js';
import type { ScheduleHook } from './schedule-points.js';
import { PageCacheStats } from './stats.js';
import { inTask, runTask } from './task.js';
import { Flusher, filemapWriteAndWaitRange, writepage } from './writeback.js';
import { check } from '../util/errno.js';

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
  /** Largest file size (default 2^44 bytes); writes and truncates past it fail with EFBIG. */
  maxFileSize?: number;
  /**
   * Tests and the deadlock demonstration only: the fault handler ignores faults_disabled_mapping,
   * so a direct write from a mapped view of a locked file deadlocks, as it would without bcachefs's
   * checks.
   */
  unsafeDisableFaultChecks?: boolean;
}

/** Write back at most this many dirty pages to make room for one new page before going over. */
const RECLAIM_WRITEBACK_TRIES = 8;

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
  private readonly pool: FramePool;
  /** The evictable pages, least recently used first. */
  private readonly lru = new PageList();
  private readonly flusher: Flusher;
  private readonly background = new Set<Promise<unknown>>();
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
      maxFileSize: 2 ** 44,
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
   * Make room for one page, then add a new locked, not-uptodate page at `index`; null if a page
   * appeared there meanwhile. Writes back dirty pages to make room (direct reclaim); goes over the
   * bound only when every page is in flight or keeps being redirtied.
   * Context: the caller holds the mapping's add side; may sleep in direct reclaim.
   */
  async addLockedPage(mapping: Mapping, index: number): Promise<Page | null> {
    for (let tries = 0; ; tries++) {
      const page = this.tryAddLockedPage(mapping, index);
      if (page !== undefined) return page;
      const victim = this.oldestDirtyIdlePage();
      if (victim && tries < RECLAIM_WRITEBACK_TRIES) {
        await writepage(victim);
        continue;
      }
      return this.insertLockedPage(mapping, index);
    }
  }

  /**
   * The part of addLockedPage() that never sleeps: evict clean pages to make room and add the new
   * locked page; null if a page is already at `index`, undefined if room needs writeback first.
   * Most misses end here, without a promise per page.
   * Context: the caller holds the mapping's add side.
   */
  tryAddLockedPage(mapping: Mapping, index: number): Page | null | undefined {
    while (this.nrPages >= this.capacityPages && this.lru.first) this.evict(this.lru.first);
    if (mapping.pages.has(index)) return null;
    if (this.nrPages >= this.capacityPages) return undefined;
    return this.insertLockedPage(mapping, index);
  }

  /**
   * Add the page; the caller found `index` free in the same synchronous step, so racing tasks
   * cannot both add it, nor both take the last room.
   */
  private insertLockedPage(mapping: Mapping, index: number): Page {
    const frame = this.pool.alloc();
    const recycled = reusePage();
    recycled?.reinit(mapping, index, frame);
    const page = recycled ?? new Page(mapping, index, frame);
    this.nrPages++;
    mapping.pages.set(index, page);
    page.trylock(); // a new page: nobody else can hold its lock yet
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
    if (page.pinCount === 0 && !page.attached) this.freeFrame(page);
    else this.updateLru(page);
  }

  pinPage(page: Page): void {
    page.pinCount++;
    this.updateLru(page);
  }

  /** Keep the LRU holding exactly the evictable pages; trim to the bound when a page goes idle. */
  updateLru(page: Page): void {
    if (!page.evictable) {
      if (this.lru.has(page)) this.lru.remove(page);
      return;
    }
    if (!this.lru.has(page)) this.lru.addTail(page);
    while (this.nrPages > this.capacityPages && this.lru.first) this.evict(this.lru.first);
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
    this.updateLru(page);
  }

  /** Pages in flight (locked, under writeback or pinned): the only excess allowed over the bound. */
  pagesInFlight(): number {
    let n = 0;
    for (const mapping of this.mappings)
      for (const page of mapping.pages.values()) if (page.locked || page.writeback || page.pinCount > 0) n++;
    return n;
  }

  /** Run fn as a background task (readahead, flusher) that close() waits for. */
  runInBackground(name: string, fn: () => Promise<void>): void {
    const work = runTask(name, fn).catch(() => undefined);
    this.background.add(work);
    void work.finally(() => this.background.delete(work));
  }

  /** Write back every mapping's dirty pages and sync every host (as a task: it holds pages across awaits). */
  syncAll(): Promise<void> {
    return inTask('sync', async () => {
      for (const mapping of [...this.mappings]) {
        // A file evicted while an earlier one was being synced is gone: nothing of it to make durable.
        if (!this.mappings.has(mapping)) continue;
        await filemapWriteAndWaitRange(mapping, 0, Infinity);
        if (this.mappings.has(mapping)) await mapping.host.sync();
      }
    });
  }

  /** Stop the flusher, wait for background work, write back everything. */
  async close(): Promise<void> {
    this.flusher.stop();
    while (this.background.size > 0) await Promise.all(this.background);
    await this.syncAll();
  }

  /** The page is out of its mapping and unpinned: its frame goes back to the pool, the Page to the recycler. */
  private freeFrame(page: Page): void {
    this.pool.release(page.data);
    page.data = EMPTY_FRAME;
    this.nrPages--;
    retirePage(page);
  }
}

const EMPTY_FRAME = new Uint8Array(0);
