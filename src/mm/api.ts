/*
 * Lock ordering of a whole request (outermost first), in the style of the top of mm/filemap.c. The
 * ends live outside mm: the inode write lock in src/vfs/inode-write-lock.ts, the store lock in
 * src/fs/file-store.ts, the journal commit in src/fs/journal.ts.
 *
 *  inode write lock                      (vfs: an append, a write or a copy past EOF, a fallocate,
 *                                         a truncate; per coherefs inode)
 *    ->pagecache_add_lock, block side    (direct write; fallocate; copy_file_range, of its destination;
 *                                         truncate; a freed file's evict takes the block side with
 *                                         no inode write lock)
 *      ->page lock                       (invalidate_inode_pages2_range, truncate_pagecache(_range);
 *                                         fallocate's write back of its range; a copy's write back
 *                                         of its source, another mapping)
 *        ->writeback                     (folio_wait_writeback)
 *        ->store lock                    (truncate sets i_size with the partial page locked)
 *          ->journal commit              (growing over a shrunk tail commits the shrink first)
 *      ->store lock                      (the direct write's or the copy's store write; fallocate's
 *                                         block changes, after its page locks are released)
 *        ->journal commit                (allocation commits to free blocks pending in the journal)
 *
 *  inode write lock
 *    ->pagecache_add_lock, add side      (buffered read and write, fault, mkwrite, readahead)
 *      ->page lock                       (read_folio, write_begin, page_mkwrite)
 *        ->writeback                     (stable pages: a write waits for writeback to end)
 *        ->store lock                    (extendSize at write_end, the pages still locked)
 *          ->journal commit
 *
 *  writeback bit (no lock side; the page lock is dropped once the bit is set)
 *    ->store lock                        (the store write of a writeback batch)
 *      ->journal commit
 *
 *  mapping A block side
 *    ->mapping B add side                (a direct write into A pins a view of B; bch2_page_fault)
 *        only if A.id < B.id; otherwise B's add side is only tried, and on failure A's block side
 *        is dropped, B's add side awaited and released, A's block side retaken, and the write
 *        retries ("locks dropped"). A == B: never, the fault fails with EFAULT. This is the one
 *        place that drops and retakes a lock: the direct write re-evicts its range afterwards.
 *
 *  A store read (read_folio, a direct read) takes no store lock. No task takes the add side of one
 *  mapping while holding the add side of another (views are faulted in with no side held, before
 *  the add side is taken, and copied without faulting); a task may retake a side it already holds.
 *  Writeback and the flusher take page locks only, never a lock side. A buffered write holds a
 *  batch of page locks (ascending index) but never enters direct reclaim while it does: with no
 *  room in the cache it ends the batch first. A task in direct reclaim thus holds no page lock; it
 *  writes back a page it found unlocked, or sleeps until a page in flight settles. Functions whose
 *  `Context:` says the caller holds a side check it with assertHeld() (lockdep.ts) under tests.
 */

/**
 * The page-cache core: a page cache in user space that keeps direct IO coherent the bcachefs way.
 *
 * A `PageCache` holds 4 KiB pages of many files, bounded by bytes. Each file is a `Mapping` (the
 * kernel's address_space) over a `BackingStore` (the file in the layer below). Buffered reads and
 * writes go through the pages; dirty pages are written back by the flusher, by writers over the
 * dirty limit, by fsync and by reclaim. Direct reads and writes go to the store, and the coherence
 * mode decides how they keep the cache honest. In `locked` mode, everything that adds pages takes
 * the mapping's *add* side of its PagecacheAddLock and a direct write holds the *block* side from
 * before it flushes and evicts its range until it is done, so nothing can re-add old data.
 *
 * The catch is mmap: a direct write's source may be a `MappedView` of a file, and pinning it may
 * fault, which needs the add side. The writing task records its mapping in
 * `current().faultsDisabledMapping`; the fault handler refuses a fault on that same file (EFAULT)
 * and orders faults on other files by mapping id, dropping and retaking the write's lock and
 * telling it to retry when the order would be violated.
 *
 * Every call is async and runs as a Task (task_struct): pass work through `runTask(name, fn)` to
 * name it; a call made outside any task runs as a fresh one. Errors are FsError with an errno.
 * Tasks are also the readers of the page recycler's grace period: the Page object of an evicted
 * page is reused only after every task that was running at its eviction has ended (RCU-style), so
 * keep tasks short, as FUSE requests are, and use a Page (`mapping.pages`, a view's resident page)
 * only inside the task that looked it up.
 */
import { copyFileRange as copyRange } from './copy-range.js';
import { directRead as dioRead, directWrite as dioWrite } from './direct-io.js';
import type { ErrseqCursor } from './errseq.js';
import { filemapRead, flush as filemapFlush, fsync as filemapFsync, genericPerformWrite, truncate as filemapTruncate, truncateInodePagesFinal } from './filemap.js';
import { cachedRange, type CachedRange } from './fallocate.js';
import type { UserBuffer } from './iov-iter.js';
import type { Mapping } from './mapping.js';
import { MappedView } from './mapped-view.js';
import { PAGE_SIZE } from './page.js';
import { inTask } from './task.js';
import { check } from '../util/errno.js';

export type { BackingStore } from './backing-store.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export { PageCache, UnwrittenData, type CoherenceMode, type PageCacheOptions } from './page-cache.js';
export type { ErrseqCursor } from './errseq.js';
export type { Mapping } from './mapping.js';
export type { MappedView } from './mapped-view.js';
export type { UserBuffer } from './iov-iter.js';
export type { PagecacheAddLock, LockSide } from './pagecache-add-lock.js';
export type { SchedulePoint, ScheduleHook } from './schedule-points.js';
export type { PageCacheStats, CacheGauges, StatsSnapshot } from './stats.js';
export { PAGE_SIZE } from './page.js';
export { current, onBehalfOf, runTask, type Task } from './task.js';
export { reportWaitFor, type WaitForReport, type LockReport, type TaskName } from './watchdog.js';
export { seekHoleData, type BlockMapSeek, type CachedRange } from './fallocate.js';

/** Read into dst at file offset pos through the cache; returns the bytes read (short at EOF). */
export function bufferedRead(mapping: Mapping, pos: number, dst: UserBuffer): Promise<number> {
  return inTask('buffered-read', () => filemapRead(mapping, pos, dst));
}

/** Write src at pos through the cache (pages become dirty); extends the file; returns bytes written. */
export function bufferedWrite(mapping: Mapping, pos: number, src: UserBuffer): Promise<number> {
  return inTask('buffered-write', () => genericPerformWrite(mapping, pos, src));
}

/** O_DIRECT read: pos and length multiples of the cache's dioAlign; returns bytes read. */
export function directRead(mapping: Mapping, pos: number, dst: UserBuffer): Promise<number> {
  return inTask('direct-read', () => dioRead(mapping, pos, dst));
}

/** O_DIRECT write: pos and length multiples of the cache's dioAlign; returns bytes written. */
export function directWrite(mapping: Mapping, pos: number, src: UserBuffer): Promise<number> {
  return inTask('direct-write', () => dioWrite(mapping, pos, src));
}

/**
 * copy_file_range(2): copy `length` bytes from src at srcPos to dst at dstPos through the store,
 * the destination's cached range invalidated under its block side; returns the bytes copied.
 */
export function copyFileRange(src: Mapping, srcPos: number, dst: Mapping, dstPos: number, length: number): Promise<number> {
  return inTask('copy-file-range', () => copyRange(src, srcPos, dst, dstPos, length));
}

/** Set the file's size, dropping cached pages past it. */
export function truncate(mapping: Mapping, size: number): Promise<void> {
  return inTask('truncate', () => filemapTruncate(mapping, size));
}

/** Drop every page of a file whose last link and last opener are gone, dirty ones unwritten; the store is not touched. */
export function evictMapping(mapping: Mapping): Promise<void> {
  return inTask('evict', async () => {
    await truncateInodePagesFinal(mapping);
    mapping.cache.releaseMapping(mapping);
  });
}

/**
 * An open file's view of its mapping's writeback errors (struct file's f_wb_err, sampled at open):
 * pass it to fsync and flush so that each open file hears of each failure once.
 */
export function openFileErrors(mapping: Mapping): ErrseqCursor {
  return mapping.wbErr.sample();
}

/**
 * Write back the file's dirty pages, then make the store durable; throws a writeback error that
 * `file` has not seen (without a file: one not yet reported to fsync(mapping)).
 */
export function fsync(mapping: Mapping, file: ErrseqCursor = mapping.defaultCursor): Promise<void> {
  return inTask('fsync', () => filemapFsync(mapping, file));
}

/** close(2)'s flush: write back the file's dirty pages; throws a writeback error that `file` has not seen. */
export function flush(mapping: Mapping, file: ErrseqCursor): Promise<void> {
  return inTask('flush', () => filemapFlush(mapping, file));
}

/** Map [offset, offset+length) of the file (offset page aligned); accesses fault pages in. */
export function mmap(mapping: Mapping, offset: number, length: number): MappedView {
  check(Number.isSafeInteger(offset) && offset >= 0 && offset % PAGE_SIZE === 0, 'EINVAL', 'mmap offset must be page aligned');
  check(Number.isSafeInteger(length) && length > 0, 'EINVAL', 'mmap length must be positive');
  return new MappedView(mapping, offset, length);
}

/**
 * fallocate(2)'s work on the file's blocks, run by `work` under the mapping's block side; `work`
 * writes back the range's dirty pages before the store allocates under them, and drops the cached
 * range before the store punches or zeroes it (CachedRange).
 * Context: takes and releases the mapping's block side; may sleep on page locks and writeback.
 */
export function changeFileBlocks<T>(mapping: Mapping, work: (cached: CachedRange) => Promise<T>): Promise<T> {
  return inTask('fallocate', () => mapping.lock.withBlockSide(() => work(cachedRange(mapping))));
}
