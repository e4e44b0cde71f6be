/**
 * Changes of a file's blocks that go around the page cache (fallocate: allocate, punch a hole, zero
 * a range) and lseek's SEEK_DATA/SEEK_HOLE, which must count what the cache holds and the store has
 * not seen yet. The store does the block work; this keeps the cache coherent with it, as truncate
 * does: the block side of the pagecache_add_lock is held throughout, so no page of the file can be
 * added or dirtied meanwhile.
 */
import { assertHeld } from './lockdep.js';
import type { Mapping } from './mapping.js';
import { PAGE_SIZE } from './page.js';
import { filemapWriteAndWaitRange } from './writeback.js';
import { FsError } from '../util/errno.js';

/** What fallocate's work does to the cached pages of the range it changes in the store (bytes, end exclusive). */
export interface CachedRange {
  /** truncate_pagecache_range(): before the store punches or zeroes [start, end). */
  drop(start: number, end: number): Promise<void>;
  /**
   * filemap_write_and_wait_range(): before the store allocates [start, end), so that dirty pages
   * over holes use up the reservations they hold instead of the allocation taking blocks twice.
   */
  writeBack(start: number, end: number): Promise<void>;
}

/** The CachedRange operations of `mapping`. Context: the caller holds the mapping's block side. */
export function cachedRange(mapping: Mapping): CachedRange {
  return {
    drop: (start, end) => truncatePagecacheRange(mapping, start, end),
    writeBack: (start, end) => (end > start ? filemapWriteAndWaitRange(mapping, start, end - 1) : Promise.resolve()),
  };
}

/**
 * mirrors truncate_pagecache_range(): drop the cached pages wholly inside [start, end), dirty or not
 * (a dropped dirty page gives its block reservation back), and zero the part of [start, end) in a
 * page at either edge, which stays as it was otherwise (dirty or clean): the store zeroes the same
 * bytes. Call it before the store punches or zeroes the range.
 * Context: the caller holds the mapping's block side; may sleep on page locks and writeback.
 */
export async function truncatePagecacheRange(mapping: Mapping, start: number, end: number): Promise<void> {
  assertHeld(mapping.lock, 'block');
  if (end <= start) return;
  for (const page of mapping.pagesInRange(Math.floor(start / PAGE_SIZE), Math.ceil(end / PAGE_SIZE) - 1)) {
    await page.lock();
    await page.waitOnWriteback();
    const from = Math.max(start, page.pos) - page.pos;
    const to = Math.min(end, page.pos + PAGE_SIZE) - page.pos;
    if (!page.attached) {
      // Reclaimed while this task slept: nothing left to drop.
    } else if ((from === 0 && to === PAGE_SIZE) || !page.uptodate) {
      mapping.cache.deletePage(page);
    } else {
      page.data.fill(0, from, to);
    }
    page.unlock();
  }
}

/** The block map's answers, in PAGE_SIZE units, that SEEK_DATA and SEEK_HOLE start from. */
export interface BlockMapSeek {
  /** The first mapped block at or after `index`, or null. */
  nextData(index: number): number | null;
  /** The first unmapped block at or after `index`. */
  nextHole(index: number): number;
}

/** A page whose data the store may not hold yet: dirty, or on its way there. */
const holdsUnwrittenData = (mapping: Mapping, index: number): boolean => {
  const page = mapping.pages.get(index);
  return page !== undefined && (page.dirty || page.writeback);
};

/**
 * lseek(2)'s SEEK_DATA and SEEK_HOLE: the block map's answer, with the pages that hold data the
 * store has not seen counted as data (mirrors iomap_seek_data()/iomap_seek_hole() with
 * page_cache_seek_hole_data() for the ranges the map calls holes). ENXIO at or past EOF, and for
 * SEEK_DATA when only a hole follows. Reads the map and the page flags in one synchronous step: a
 * writeback maps its block before it clears the page's writeback bit, so no data slips between.
 * Context: no lock; the answer may be stale as soon as it is given, as the kernel's is.
 */
export function seekHoleData(mapping: Mapping, pos: number, whence: 'data' | 'hole', map: BlockMapSeek): number {
  const size = mapping.host.size();
  if (pos < 0 || pos >= size) throw new FsError('ENXIO', `offset ${pos} is not before the end of the file (${size})`);
  const first = Math.floor(pos / PAGE_SIZE);
  const endIndex = Math.ceil(size / PAGE_SIZE);
  if (whence === 'hole') {
    let index = map.nextHole(first);
    while (index < endIndex && holdsUnwrittenData(mapping, index)) index = map.nextHole(index + 1);
    return Math.max(pos, Math.min(size, index * PAGE_SIZE));
  }
  let data = map.nextData(first) ?? Infinity;
  for (const page of mapping.pages.values()) {
    if (page.index >= first && page.index < data && (page.dirty || page.writeback)) data = page.index;
  }
  if (data >= endIndex) throw new FsError('ENXIO', `no data at or after offset ${pos}`);
  return Math.max(pos, data * PAGE_SIZE);
}
