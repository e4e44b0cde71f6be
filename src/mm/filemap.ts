/**
 * filemap: buffered IO through the cache (mm/filemap.c), plus truncate and fsync.
 * Buffered read and write hold the mapping's add side while they look up, add and fill pages.
 */
import type { ErrseqCursor } from './errseq.js';
import { assertHeld } from './lockdep.js';
import { pageCacheReadahead, readFolios } from './readahead.js';
import { folioReservationGet, folioReservationPut } from './reservation.js';
import { copyFromUser, copyToUser, faultInReadable, faultInWriteable, userBufferLength, type UserBuffer } from './iov-iter.js';
import type { Mapping } from './mapping.js';
import { PAGE_SIZE, type Page } from './page.js';
import { schedulePoint, type SchedulePoint } from './schedule-points.js';
import { balanceDirtyPages, filemapWriteAndWaitRange } from './writeback.js';
import { FsError, check } from '../util/errno.js';

/** Bytes copied per add-side hold when the user buffer is a mapped view (it may fault). */
const VIEW_CHUNK = 64 * 1024;

export function checkFileRange(mapping: Mapping, pos: number, length: number, write: boolean): void {
  check(Number.isSafeInteger(pos) && pos >= 0, 'EINVAL', `bad offset ${pos}`);
  if (write) check(pos + length <= mapping.cache.options.maxFileSize, 'EFBIG', `write past the largest file size`);
}

/** mirrors read_folio(): fill a locked, new page from the store (zeros past i_size). */
function readFolio(page: Page): Promise<void> {
  return readFolios([page]);
}

/** A full disk is no answer to a read: a reader that cannot get room in the cache gets EIO. */
function asReadError(err: unknown): never {
  throw err instanceof FsError && err.code === 'ENOSPC' ? new FsError('EIO', err.message) : err;
}

/** mirrors filemap_get_folio() without FGP_LOCK: the cached, uptodate, unlocked page, counted as a hit. */
export function findGetPage(mapping: Mapping, index: number): Page | undefined {
  const page = mapping.pages.get(index);
  if (!page?.uptodate || page.locked) return undefined;
  mapping.cache.stats.cacheHits++;
  mapping.cache.markPageAccessed(page);
  return page;
}

/**
 * mirrors filemap_get_pages(): the uptodate page at `index`, read into the cache on a miss. The
 * caller must check `page.attached` after awaiting (reclaim may have taken it meanwhile).
 * Context: the caller holds the mapping's add side; may sleep on the page lock and in the read.
 */
export async function filemapGetPage(mapping: Mapping, index: number, point: SchedulePoint): Promise<Page> {
  assertHeld(mapping.lock, 'add');
  const { cache } = mapping;
  for (;;) {
    const hit = findGetPage(mapping, index);
    if (hit) return hit;
    const page = mapping.pages.get(index);
    if (page?.locked) {
      await page.waitUnlocked();
      continue;
    }
    if (page) cache.deletePage(page);
    let added = cache.tryAddLockedPage(mapping, index);
    if (added.kind === 'no-room') added = await cache.addLockedPage(mapping, index).catch(asReadError);
    if (added.kind === 'exists') continue;
    const fresh = added.page;
    cache.stats.cacheMisses++;
    try {
      await schedulePoint(mapping, point);
      await readFolio(fresh);
    } catch (err) {
      cache.deletePage(fresh);
      throw err;
    } finally {
      fresh.unlock();
    }
    return fresh;
  }
}

/**
 * The loop of buffered read and write: per chunk, fault a mapped-view user buffer in with no lock
 * held (fault_in_iov_iter_writeable/readable), then copy under the add side without faulting; a
 * short copy goes round again. `copy` returns the bytes copied, or null at end of file.
 * Context: takes and releases the mapping's add side once per chunk; may sleep.
 */
async function copyLoop(
  mapping: Mapping,
  user: UserBuffer,
  userIsWritten: boolean,
  copy: (done: number, chunk: number) => Promise<number | null>,
  afterChunk: (done: number, copied: number) => Promise<void> | void,
): Promise<number> {
  const length = userBufferLength(user);
  const isView = !(user instanceof Uint8Array);
  let done = 0;
  while (done < length) {
    let chunk = isView ? Math.min(length - done, VIEW_CHUNK) : length - done;
    if (isView) {
      chunk = Math.min(chunk, await (userIsWritten ? faultInWriteable : faultInReadable)(user, done, chunk));
      if (chunk === 0 && done > 0) break;
      if (chunk === 0) throw new FsError('EFAULT', `user buffer not ${userIsWritten ? 'writeable' : 'readable'}`);
    }
    if (!mapping.lock.addTryGet()) await mapping.lock.addGet();
    let copied: number | null;
    try {
      copied = await copy(done, chunk);
    } catch (err) {
      // As filemap_read() and generic_perform_write(): bytes already moved are the answer, the error waits for the next call.
      if (done > 0) break;
      throw err;
    } finally {
      mapping.lock.addPut();
    }
    if (copied === null) break;
    await afterChunk(done, copied);
    done += copied;
  }
  return done;
}

/**
 * mirrors filemap_read() as bch2_read_iter() calls it: returns the bytes read, short at EOF.
 * Context: takes and releases the mapping's add side per chunk; may sleep.
 */
export async function filemapRead(mapping: Mapping, pos: number, dst: UserBuffer): Promise<number> {
  checkFileRange(mapping, pos, userBufferLength(dst), false);
  return copyLoop(
    mapping,
    dst,
    true,
    async (done, chunk) => {
      const available = mapping.host.size() - (pos + done);
      return available <= 0 ? null : copyPagesToUser(mapping, pos + done, dst, done, Math.min(chunk, available));
    },
    (done, copied) => {
      if (copied > 0) pageCacheReadahead(mapping, Math.floor((pos + done) / PAGE_SIZE), Math.floor((pos + done + copied - 1) / PAGE_SIZE));
    },
  );
}

/** Copy [pos, pos+length) of the file to dst at off; short if dst stops accepting (no faulting). */
async function copyPagesToUser(mapping: Mapping, pos: number, dst: UserBuffer, off: number, length: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const index = Math.floor((pos + done) / PAGE_SIZE);
    // Hits are copied without yielding; only a miss sleeps.
    const page = findGetPage(mapping, index) ?? (await filemapGetPage(mapping, index, 'buffered-read:after-miss'));
    if (!page.attached) continue;
    const inPage = (pos + done) % PAGE_SIZE;
    const want = Math.min(PAGE_SIZE - inPage, length - done);
    const copied = copyToUser(dst, off + done, page.bytes(inPage, inPage + want));
    done += copied;
    if (copied < want) break;
  }
  return done;
}

/**
 * mirrors generic_perform_write() under bch2_buffered_write(): returns the bytes written.
 * Context: takes and releases the mapping's add side per chunk; may sleep, may be throttled.
 */
export async function genericPerformWrite(mapping: Mapping, pos: number, src: UserBuffer): Promise<number> {
  checkFileRange(mapping, pos, userBufferLength(src), true);
  return copyLoop(
    mapping,
    src,
    false,
    (done, chunk) => copyUserToPages(mapping, pos + done, src, done, chunk),
    () => balanceDirtyPages(mapping.cache),
  );
}

/** Pages a buffered write keeps locked at once, so that it extends i_size once per batch. */
const WRITE_BATCH_PAGES = 32;

/** Copy src[off, off+length) into the pages at pos, a batch of locked pages at a time. */
async function copyUserToPages(mapping: Mapping, pos: number, src: UserBuffer, off: number, length: number): Promise<number> {
  let done = 0;
  while (done < length) {
    let batch: { bytes: number; short: boolean };
    try {
      batch = await copyBatch(mapping, pos + done, src, off + done, length - done);
    } catch (err) {
      if (done > 0) break;
      throw err;
    }
    done += batch.bytes;
    if (batch.short) break;
    await schedulePoint(mapping, 'buffered-write:after-copy');
  }
  return done;
}

/**
 * mirrors a run of write_begin(), copy, write_end(): the pages stay locked until i_size covers
 * what was copied, so writeback (which locks the page) never clamps the new bytes away. Each page
 * reserves its block before a byte is copied into it; a full filesystem ends the write there
 * (ENOSPC if nothing was written). Holding pages, it never sleeps for room in the cache (another
 * writer may hold the rest): it ends the batch instead, and the next one starts with none held.
 */
async function copyBatch(mapping: Mapping, pos: number, src: UserBuffer, off: number, length: number): Promise<{ bytes: number; short: boolean }> {
  const { cache, host } = mapping;
  const locked: Page[] = [];
  const written: Page[] = [];
  let done = 0;
  let short = false;
  try {
    while (done < length && locked.length < WRITE_BATCH_PAGES) {
      const inPage = (pos + done) % PAGE_SIZE;
      const want = Math.min(PAGE_SIZE - inPage, length - done);
      const index = Math.floor((pos + done) / PAGE_SIZE);
      const partial = want < PAGE_SIZE;
      if (locked.length > 0 && !mapping.pages.has(index) && !cache.hasRoom()) break;
      const page = tryGrabCachePage(mapping, index, partial) ?? (await grabCachePageWriteBegin(mapping, index, partial, locked.length > 0));
      if (!page) break;
      locked.push(page);
      const reservedBefore = page.reserved;
      try {
        folioReservationGet(page);
      } catch (err) {
        if (!page.uptodate) cache.deletePage(page);
        if (done === 0) throw err;
        short = true;
        break;
      }
      const copied = copyFromUser(src, off + done, page.bytes(inPage, inPage + want));
      if (!page.uptodate) {
        if (copied < want) {
          cache.deletePage(page);
          short = true;
          break;
        }
        page.uptodate = true;
      }
      if (copied > 0) written.push(page);
      // Nothing landed in a page that stays clean: the reservation just taken for it goes back.
      else if (!reservedBefore && !page.dirty) folioReservationPut(page);
      done += copied;
      if (copied < want) {
        short = true;
        break;
      }
    }
    if (pos + done > host.size()) await host.extendSize(pos + done);
  } finally {
    for (const page of written) if (page.attached) cache.markPageDirty(page);
    for (const page of locked) page.unlock();
  }
  return { bytes: done, short };
}

/**
 * The fast path of write_begin(), locked without sleeping: a cached page that is free, idle and
 * needs no read, or a new page that will be written whole when clean pages can make room. A write
 * streaming through a full cache takes every page here, with no promise per page.
 */
function tryGrabCachePage(mapping: Mapping, index: number, partial: boolean): Page | undefined {
  const { cache } = mapping;
  const page = mapping.pages.get(index);
  if (!page) {
    if (partial) return undefined;
    const added = cache.tryAddLockedPage(mapping, index);
    if (added.kind !== 'added') return undefined;
    cache.stats.cacheMisses++;
    return added.page;
  }
  if (page.writeback || (partial && !page.uptodate) || !page.trylock()) return undefined;
  cache.stats.cacheHits++;
  return page;
}

/**
 * mirrors write_begin(): the locked page at index, not under writeback (stable pages), read first
 * when only part of it will be written. Null when the cache has no room and the caller holds other
 * page locks (`holdingPages`): it ends its batch rather than sleep in direct reclaim.
 * Context: the caller holds the add side; returns with the page locked.
 */
async function grabCachePageWriteBegin(mapping: Mapping, index: number, partial: boolean, holdingPages: boolean): Promise<Page | null> {
  assertHeld(mapping.lock, 'add');
  const { cache } = mapping;
  for (;;) {
    let page = mapping.pages.get(index);
    if (page) {
      if (!page.trylock()) await page.lock();
      if (!page.attached) {
        page.unlock();
        continue;
      }
      if (page.writeback) await page.waitOnWriteback();
      cache.stats.cacheHits++;
    } else {
      let added = cache.tryAddLockedPage(mapping, index);
      // Holding page locks, never sleep in direct reclaim (its sleepers wait for those very pages).
      if (added.kind === 'no-room' && holdingPages) return null;
      if (added.kind === 'no-room') added = await cache.addLockedPage(mapping, index);
      if (added.kind === 'exists') continue;
      page = added.page;
      cache.stats.cacheMisses++;
    }
    if (!page.uptodate && partial) {
      try {
        await readFolio(page);
      } catch (err) {
        cache.deletePage(page);
        page.unlock();
        throw err;
      }
    }
    return page;
  }
}

/**
 * mirrors truncate_inode_pages_range(): drop the cached pages from index `first` on, dirty or not,
 * each once it is unlocked and out of writeback. The store is not touched.
 * Context: the caller holds the mapping's block side (nothing may add pages meanwhile).
 */
async function truncateInodePages(mapping: Mapping, first: number): Promise<void> {
  assertHeld(mapping.lock, 'block');
  for (const page of mapping.pagesInRange(first, Number.MAX_SAFE_INTEGER)) {
    await page.lock();
    await page.waitOnWriteback();
    mapping.cache.deletePage(page);
    page.unlock();
  }
}

/**
 * mirrors truncate_inode_pages_final(), as evict() calls it for an inode whose last link and last
 * opener are gone: every page leaves the cache unwritten (dirty ones too), and the file in the
 * store keeps its size and blocks for the fs layer to free.
 * Context: takes and releases the mapping's block side; may sleep on page locks and writeback.
 */
export function truncateInodePagesFinal(mapping: Mapping): Promise<void> {
  return mapping.lock.withBlockSide(() => truncateInodePages(mapping, 0));
}

/**
 * mirrors bch2_truncate() with truncate_pagecache(): drop the pages past the new end, zero the
 * partial page's tail, then set i_size in the store.
 * Context: takes and releases the mapping's block side; may sleep on page locks and writeback.
 */
export async function truncate(mapping: Mapping, size: number): Promise<void> {
  check(Number.isSafeInteger(size) && size >= 0, 'EINVAL', `bad size ${size}`);
  check(size <= mapping.cache.options.maxFileSize, 'EFBIG', 'size past the largest file size');
  const { host } = mapping;
  await mapping.lock.withBlockSide(async () => {
    const oldSize = host.size();
    await truncateInodePages(mapping, Math.ceil(size / PAGE_SIZE));
    // Zero the cached tail past the lower of the two sizes. That page stays locked until i_size is
    // set: a writeback starting in between would clamp to the old size and write past a new end.
    const zeroFrom = Math.min(size, oldSize);
    const tail = await lockPageForZeroing(mapping, zeroFrom);
    try {
      tail?.data.fill(0, zeroFrom % PAGE_SIZE);
      await schedulePoint(mapping, 'truncate:after-evict');
      await host.setSize(size);
    } finally {
      tail?.unlock();
    }
  });
}

/** The cached page holding byte `pos` mid-page, locked and out of writeback; none if pos is page aligned. */
async function lockPageForZeroing(mapping: Mapping, pos: number): Promise<Page | undefined> {
  const page = pos % PAGE_SIZE === 0 ? undefined : mapping.pages.get(Math.floor(pos / PAGE_SIZE));
  if (!page) return undefined;
  await page.lock();
  await page.waitOnWriteback();
  if (page.attached) return page;
  page.unlock();
  return undefined;
}

/**
 * mirrors bch2_fsync(): write back and wait for the mapping's dirty pages, report a writeback error
 * this file has not seen yet (file_check_and_advance_wb_err()), then have the store make data and
 * metadata durable.
 * Context: no pagecache_add_lock side; may sleep.
 */
export async function fsync(mapping: Mapping, file: ErrseqCursor): Promise<void> {
  await filemapWriteAndWaitRange(mapping, 0, Infinity);
  const error = mapping.wbErr.checkAndAdvance(file);
  if (error) throw error;
  await mapping.host.sync();
}

/**
 * mirrors nfs_file_flush(), the flush of close(2): write back the file's dirty pages and report a
 * writeback error this file has not seen yet, so a close that returns 0 means the data reached the
 * store (durable only after fsync: nothing is committed here).
 * Context: no pagecache_add_lock side; may sleep.
 */
export async function flush(mapping: Mapping, file: ErrseqCursor): Promise<void> {
  await filemapWriteAndWaitRange(mapping, 0, Infinity);
  const error = mapping.wbErr.checkAndAdvance(file);
  if (error) throw error;
}
