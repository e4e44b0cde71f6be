/**
 * Writeback: moving dirty pages to the store. A page under writeback is clean and marked
 * `writeback`; writers wait for it to end before touching it again (stable pages).
 */
import { PAGE_SHIFT, PAGE_SIZE, type Page } from './page.js';
import type { Mapping } from './mapping.js';
import type { PageCache } from './page-cache.js';
import { folioReservationPut, reservationsConsumed, reservedBlocks } from './reservation.js';
import { schedulePoint } from './schedule-points.js';
import { quiescentState } from './task.js';
import { FsError } from '../util/errno.js';
import { ioVecSlice } from '../util/iovec.js';

/**
 * Pages per store write of writeback: 128 KiB. Writeback's own unit, not a FUSE request's (the
 * kernel transport's requests are 1 MiB, libfuse's 128 KiB; writeback answers none of them). A
 * batch's pages stay under writeback, and the file's store lock held, until its store write is
 * done, and image writes are synchronous on the JS thread: a longer batch holds up re-dirtiers,
 * direct writes to the file and every other request for longer, to save syscalls 32 pages already
 * amortize. Change it only with a bench run.
 */
const WRITEBACK_BATCH = 32;

/**
 * mirrors writepage(): lock the page, mark it writeback, clear dirty, write it clamped to i_size,
 * end writeback. A failed write re-dirties the page and is reported to every open file; the caller
 * gets that error back too (null when the write succeeded or there was nothing to write).
 * Context: takes and releases the page lock; no pagecache_add_lock side needed.
 */
export function writepage(page: Page): Promise<FsError | null> {
  return writepages([page]);
}

/**
 * mirrors writepages(): write back `run`, pages of one mapping with consecutive indexes, as few
 * store writes as possible (one per WRITEBACK_BATCH, instead of one per page); a page that is no longer
 * dirty splits the run. Each page goes as in writepage().
 * Context: takes and releases each page lock in ascending index order; no lock side needed.
 */
export async function writepages(run: readonly Page[]): Promise<FsError | null> {
  let failure: FsError | null = null;
  let batch: Page[] = [];
  for (const page of run) {
    if (!page.trylock()) await page.lock();
    // Redirtied while under writeback (a direct read's destination, a failed write): one write of a
    // page at a time, or an older write could land last (as WB_SYNC_ALL waits in write_cache_pages()).
    while (page.writeback) {
      page.unlock();
      await page.waitOnWriteback();
      await page.lock();
    }
    if (!page.dirty || !page.attached) {
      page.unlock();
      failure ??= await writeBatch(batch);
      batch = [];
      continue;
    }
    page.mapping.cache.startPageWriteback(page);
    page.mapping.cache.clearPageDirty(page);
    page.unlock();
    batch.push(page);
  }
  return failure ?? (await writeBatch(batch));
}

/**
 * The store write of pages already under writeback, then their end of writeback. A failure leaves
 * the pages dirty, with their reservations, and is recorded on the mapping (mapping_set_error())
 * for every open file's next fsync and close.
 */
async function writeBatch(batch: readonly Page[]): Promise<FsError | null> {
  const first = batch[0];
  if (!first) return null;
  const { mapping } = first;
  const { cache } = mapping;
  const length = Math.min(batch.length * PAGE_SIZE, mapping.host.size() - first.pos);
  try {
    if (length > 0) {
      await schedulePoint(mapping, 'writeback:before-store-write');
      await writeGathered(mapping, first.pos, batch, length);
      reservationsConsumed(batch);
      for (const page of batch) page.blockNr = mapping.host.bmap(page.index);
    } else {
      for (const page of batch) folioReservationPut(page);
    }
    cache.stats.writebackPages += batch.length;
    return null;
  } catch (err) {
    const error = err instanceof FsError ? err : new FsError('EIO', String(err));
    cache.stats.writebackErrors++;
    mapping.wbErr.set(error);
    cache.onWritebackError?.(mapping, first.pos, Math.max(length, 0), error);
    for (const page of batch) if (page.attached) cache.markPageDirty(page);
    return error;
  } finally {
    for (const page of batch) cache.endPageWriteback(page);
  }
}

/** Write the first `length` bytes of consecutive pages at `pos` (never past it): one store write of their frames. */
function writeGathered(mapping: Mapping, pos: number, batch: readonly Page[], length: number): Promise<void> {
  return mapping.host.write(pos, ioVecSlice(batch.map((page) => page.data), 0, length), reservedBlocks(batch));
}

/** Split pages of one mapping, sorted by index, into runs of consecutive indexes, at most one batch long. */
function consecutiveRuns(pages: readonly Page[]): Page[][] {
  const runs: Page[][] = [];
  let run: Page[] = [];
  for (const page of pages) {
    const last = run[run.length - 1];
    if (last && (last.index + 1 !== page.index || run.length === WRITEBACK_BATCH)) {
      runs.push(run);
      run = [];
    }
    run.push(page);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/**
 * mirrors filemap_write_and_wait_range(): write back the dirty pages of [start, end] (bytes,
 * inclusive) and wait until none of them is under writeback.
 * Context: takes page locks; no pagecache_add_lock side needed.
 */
export async function filemapWriteAndWaitRange(mapping: Mapping, start: number, end: number): Promise<void> {
  const first = Math.floor(start / PAGE_SIZE);
  const last = end === Infinity ? Infinity : Math.floor(end / PAGE_SIZE);
  // A short range probes its indexes; a long one filters the dirty list (whichever visits fewer pages).
  const dirty =
    last - first < mapping.dirty.size
      ? mapping.pagesInRange(first, last).filter((page) => page.dirty)
      : [...mapping.dirty].filter((page) => page.index >= first && page.index <= last).sort((a, b) => a.index - b.index);
  for (const run of consecutiveRuns(dirty)) await writepages(run);
  const lastCached = last === Infinity ? Number.MAX_SAFE_INTEGER >> PAGE_SHIFT : last;
  for (const page of mapping.pagesInRange(first, lastCached)) if (page.writeback) await page.waitOnWriteback();
}

/**
 * mirrors invalidate_inode_pages2_range(): remove the pages with first <= index <= last, waiting
 * for page locks and writeback. Returns false (the kernel's -EBUSY) if a page was dirty and stays.
 * A pinned page leaves the mapping; its frame lives until it is unpinned.
 * Context: takes page locks; the caller usually holds the block side.
 */
export async function invalidateInodePages2Range(mapping: Mapping, first: number, last: number): Promise<boolean> {
  let clean = true;
  for (const page of mapping.pagesInRange(first, last)) {
    await page.lock();
    await page.waitOnWriteback();
    if (page.dirty) clean = false;
    else if (page.attached) {
      mapping.cache.deletePage(page);
      mapping.cache.stats.invalidatedPages++;
    }
    page.unlock();
  }
  return clean;
}

/** `first` and the dirty, idle pages right after it in its mapping, up to one batch. */
function followingDirtyRun(first: Page): Page[] {
  const run = [first];
  for (let index = first.index + 1; run.length < WRITEBACK_BATCH; index++) {
    const page = first.mapping.pages.get(index);
    if (!page?.dirty || page.writeback || page.locked) break;
    run.push(page);
  }
  return run;
}

/**
 * Write back the oldest dirty pages until at most `target` remain, nothing more can start, or a
 * write fails: failed pages are dirty again, and retrying them at once would spin (on ENOSPC, say)
 * without ever yielding; the flusher's next round tries again.
 */
async function writebackOldest(cache: PageCache, target: number, olderThan = Infinity, betweenRuns?: () => Promise<void>): Promise<void> {
  const errors = cache.stats.writebackErrors;
  while (cache.nrDirty > target && cache.stats.writebackErrors === errors) {
    const victim = cache.oldestDirtyIdlePage(olderThan);
    if (!victim) return;
    await writepages(followingDirtyRun(victim));
    if (betweenRuns) await betweenRuns();
  }
}

/**
 * mirrors balance_dirty_pages(): a writer that pushed the cache past the hard dirty limit writes
 * back the oldest dirty pages itself until it is under the limit again.
 * Context: call without holding any pagecache_add_lock side.
 */
export async function balanceDirtyPages(cache: PageCache): Promise<void> {
  if (cache.nrDirty <= cache.dirtyLimitPages) return;
  cache.stats.dirtyThrottles++;
  await writebackOldest(cache, cache.dirtyLimitPages);
}

/**
 * Pages the flusher goes below the background threshold once it has started, so that the next
 * dirtied page does not wake it again at once (the kernel writes a chunk of an inode before it
 * checks the threshold again). Measured with fio on the mount, together with the yield between
 * runs: 128k buffered writes 1.2-2.5x, 4k random buffered writes 1.05-1.65x, in paired runs.
 */
const BACKGROUND_CHUNK_PAGES = 128;

/**
 * Between two runs the flusher holds no page, a quiescent state for page reuse, and it lets the
 * requests that arrived meanwhile go first. In the kernel it is a thread of its own on another CPU;
 * here it shares the one JS thread, and store writes that complete at once would chain through
 * microtasks and hold every request back until the whole pass was done.
 */
async function flusherBetweenRuns(): Promise<void> {
  quiescentState();
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** The flusher thread (wb_workfn): on a timer and when kicked by dirty pressure. */
export class Flusher {
  private readonly timer: NodeJS.Timeout;
  private running = false;
  private stopped = false;

  constructor(private readonly cache: PageCache) {
    this.timer = setInterval(() => this.kick(), cache.options.writebackIntervalMs);
    this.timer.unref();
  }

  kick(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.cache.runInBackground('flusher', async () => {
      try {
        const { cache } = this;
        await writebackOldest(cache, 0, performance.now() - cache.options.dirtyExpireMs, flusherBetweenRuns);
        await writebackOldest(cache, Math.max(0, cache.dirtyBackgroundPages - BACKGROUND_CHUNK_PAGES), Infinity, flusherBetweenRuns);
      } finally {
        this.running = false;
      }
    });
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }
}
