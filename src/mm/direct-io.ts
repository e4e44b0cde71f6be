/**
 * Direct IO (bcachefs fs-io-direct.c): reads and writes that bypass the cache, kept coherent with
 * it according to the cache's coherence mode:
 *   none    store only; the cache is ignored (stale reads both ways);
 *   evict   write back (and, for writes, evict) the range first, no lock: a buffered read or a
 *           fault can re-add old data while the write is in flight;
 *   locked  the write holds the block side from before its first flush until it completes.
 */
import { checkFileRange } from './filemap.js';
import { pinUserPages, unpinUserPages, userBufferLength, type PinnedPages, type UserBuffer } from './iov-iter.js';
import { assertHeld } from './lockdep.js';
import type { Mapping } from './mapping.js';
import { PAGE_SIZE } from './page.js';
import { schedulePoint } from './schedule-points.js';
import { current } from './task.js';
import { filemapWriteAndWaitRange, invalidateInodePages2Range } from './writeback.js';
import { FsError, check } from '../util/errno.js';
import { ioVecSlice } from '../util/iovec.js';

/**
 * Bytes per pin-and-write round: one bio, at most BIO_MAX_VECS (256) pages. 1 MiB is also the
 * largest FUSE request of the kernel transport (MAX_PAGES; the libfuse one's are 128 KiB), so a
 * direct write from FUSE is one round and one store write.
 */
const DIO_CHUNK = 1024 * 1024;
/** Rounds of write back + invalidate before giving up on a range that keeps getting dirtied. */
const WRITE_INVALIDATE_LIMIT = 32;

function checkDirect(mapping: Mapping, pos: number, length: number, write: boolean): void {
  checkFileRange(mapping, pos, length, write);
  const align = mapping.cache.options.dioAlign;
  check(pos % align === 0 && length % align === 0, 'EINVAL', `O_DIRECT offset and length must be multiples of ${align}`);
}

/**
 * mirrors bch2_write_invalidate_inode_pages_range(): write back and evict [start, end] (bytes,
 * inclusive) until no page is left there. Bounded, unlike the kernel's loop (its XXX).
 * Context: in locked mode the caller holds the block side; may sleep.
 */
export async function writeInvalidateInodePagesRange(mapping: Mapping, start: number, end: number): Promise<void> {
  if (mapping.cache.options.coherence === 'locked') assertHeld(mapping.lock, 'block');
  for (let round = 0; ; round++) {
    mapping.cache.stats.invalidateLoops++;
    if (mapping.nrpages === 0) return;
    await filemapWriteAndWaitRange(mapping, start, end);
    await schedulePoint(mapping, 'dio-write:after-flush');
    if (mapping.nrpages === 0) return;
    if (await invalidateInodePages2Range(mapping, Math.floor(start / PAGE_SIZE), Math.floor(end / PAGE_SIZE))) return;
    check(round < WRITE_INVALIDATE_LIMIT, 'EBUSY', `${mapping}: pages keep being dirtied under a direct write`);
  }
}

/**
 * mirrors bch2_direct_write(): returns the bytes written (short only if the source stops being
 * readable part way). The source may be plain memory or a mapped view (pinned through faults).
 * Context: locked mode takes the block side for the whole write and releases it at the end.
 */
export async function directWrite(mapping: Mapping, pos: number, src: UserBuffer): Promise<number> {
  const length = userBufferLength(src);
  checkDirect(mapping, pos, length, true);
  if (length === 0) return 0;
  const { cache } = mapping;
  const mode = cache.options.coherence;
  cache.stats.dioWrites++;
  if (mode === 'locked') await mapping.lock.blockGet();
  // inode_dio_begin() for writes: how many share the block side (when the kernel lets them in together).
  cache.stats.dioWritesInFlightPeak = Math.max(cache.stats.dioWritesInFlightPeak, ++mapping.dioWritesInFlight);
  try {
    if (mode !== 'none') await writeInvalidateInodePagesRange(mapping, pos, pos + length - 1);
    await schedulePoint(mapping, 'dio-write:after-evict');
    const written = await dioWriteLoop(mapping, pos, src, length);
    await schedulePoint(mapping, 'dio-write:after-store-write');
    cache.stats.dioBytesWritten += written;
    return written;
  } finally {
    mapping.dioWritesInFlight--;
    if (mode === 'locked') mapping.lock.blockPut();
  }
}

/**
 * mirrors bch2_dio_write_loop(): per chunk, pin the source with faults_disabled_mapping set only
 * around the pinning; if the fault handler dropped our locks, re-evict what is left and retry the
 * chunk from the same position.
 */
async function dioWriteLoop(mapping: Mapping, pos: number, src: UserBuffer, length: number): Promise<number> {
  const { cache } = mapping;
  const task = current();
  const locked = cache.options.coherence === 'locked';
  let done = 0;
  while (done < length) {
    let pinned: PinnedPages;
    let dropped: boolean;
    if (locked) task.faultsDisabledMapping = mapping;
    try {
      pinned = await pinUserPages(src, done, Math.min(length - done, DIO_CHUNK), false);
    } finally {
      dropped = task.fdmDroppedLocks;
      task.faultsDisabledMapping = null;
      task.fdmDroppedLocks = false;
    }
    if (dropped) {
      cache.stats.dioRetries++;
      try {
        await writeInvalidateInodePagesRange(mapping, pos + done, pos + length - 1);
      } catch (err) {
        unpinUserPages(pinned);
        throw err;
      }
      if (pinned.bytes === 0) continue;
    }
    const bytes = pinned.bytes - (pinned.bytes % cache.options.dioAlign);
    try {
      if (bytes > 0) await mapping.host.write(pos + done, ioVecSlice(pinned.segments, 0, bytes));
    } finally {
      unpinUserPages(pinned);
    }
    if (bytes === 0) {
      if (done > 0) break;
      throw pinned.error ?? new FsError('EFAULT', 'direct write source not readable');
    }
    done += bytes;
  }
  return done;
}

/**
 * mirrors bch2_read_iter() for IOCB_DIRECT: no lock; write back dirty pages in range (no eviction),
 * then read the store. Returns the bytes read, short at EOF.
 * Context: takes no pagecache_add_lock side; pinning a mapped-view destination goes through
 * page_mkwrite (the add side of that view's file).
 */
export async function directRead(mapping: Mapping, pos: number, dst: UserBuffer): Promise<number> {
  checkDirect(mapping, pos, userBufferLength(dst), false);
  const { cache, host } = mapping;
  cache.stats.dioReads++;
  const length = Math.min(userBufferLength(dst), host.size() - pos);
  if (length <= 0) return 0;
  if (cache.options.coherence !== 'none' && mapping.nrpages > 0) await filemapWriteAndWaitRange(mapping, pos, pos + length - 1);
  await schedulePoint(mapping, 'dio-read:after-writeback');
  const pinned = await pinUserPages(dst, 0, length, true);
  try {
    if (pinned.bytes === 0) throw pinned.error ?? new FsError('EFAULT', 'direct read destination not writeable');
    await host.read(pos, pinned.segments);
  } finally {
    unpinUserPages(pinned);
  }
  cache.stats.dioBytesRead += pinned.bytes;
  return pinned.bytes;
}
