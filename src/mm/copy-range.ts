/**
 * copy_file_range through the store: the destination changes below its page cache, as a direct
 * write changes it, so it is kept coherent the same way (bcachefs's bch2_remap_file_range() takes
 * the block side of the destination and invalidates its range; it shares extents where this copies
 * bytes). The source is read as a direct read reads: its dirty pages in range are written back
 * first, so data written with write(2) and not yet fsync'd is what gets copied.
 * The coherence mode applies as to direct IO: `none` skips the write back and the invalidation (the
 * bug at its plainest), `evict` does both without the lock, `locked` holds the block side throughout.
 */
import { writeInvalidateInodePagesRange } from './direct-io.js';
import { checkFileRange } from './filemap.js';
import { assertHeld } from './lockdep.js';
import type { Mapping } from './mapping.js';
import { PAGE_SIZE } from './page.js';
import { schedulePoint } from './schedule-points.js';
import { filemapWriteAndWaitRange } from './writeback.js';
import { check } from '../util/errno.js';

/** Bytes per store read and write of a copy (one 1 MiB bounce buffer per call). */
const COPY_CHUNK = 2 ** 20;

/** The holes among the store blocks (PAGE_SIZE each) under [pos, pos + length): blocks a write there allocates. */
function holesUnder(mapping: Mapping, pos: number, length: number): number {
  let holes = 0;
  for (let index = Math.floor(pos / PAGE_SIZE); index <= Math.floor((pos + length - 1) / PAGE_SIZE); index++) {
    if (mapping.host.bmap(index) === null) holes++;
  }
  return holes;
}

/**
 * mirrors the generic part of vfs_copy_file_range() (generic_copy_file_checks: the copy stops at
 * the source's EOF, and what is left of it may not overlap its source within one file) with the
 * locking of bch2_remap_file_range().
 * Returns the bytes copied: 0 at or past the source's EOF, short at the largest file size (EFBIG
 * only when the destination offset is there already), or when a store write failed after earlier
 * chunks landed (the next call reports the error). The blocks the destination range
 * lacks are reserved before a byte moves, so a full filesystem fails the call with ENOSPC, having
 * changed nothing.
 * Context: in locked mode takes the destination's block side for the whole copy; takes page locks
 * of both files (write back, invalidation); call with no lock side held.
 */
export async function copyFileRange(src: Mapping, srcPos: number, dst: Mapping, dstPos: number, length: number): Promise<number> {
  checkFileRange(src, srcPos, 0, false);
  checkFileRange(dst, dstPos, 0, false);
  check(Number.isSafeInteger(length) && length >= 0, 'EINVAL', `bad length ${length}`);
  // generic_write_check_limits(): EFBIG only at or past the largest size; a copy running past it is cut short.
  const room = dst.cache.options.maxFileSize - dstPos;
  check(room > 0, 'EFBIG', `copy destination offset ${dstPos} is past the largest file size`);
  const mode = dst.cache.options.coherence;
  if (mode === 'locked') await dst.lock.blockGet();
  try {
    if (mode !== 'none' && src.nrpages > 0 && length > 0) await filemapWriteAndWaitRange(src, srcPos, srcPos + length - 1);
    const count = Math.min(length, src.host.size() - srcPos, room);
    if (count <= 0) return 0;
    check(src !== dst || dstPos + count <= srcPos || srcPos + count <= dstPos, 'EINVAL', 'copy_file_range within one file: the ranges overlap');
    if (mode !== 'none') await writeInvalidateInodePagesRange(dst, dstPos, dstPos + count - 1);
    await schedulePoint(dst, 'copy-range:after-invalidate');
    return await copyThroughStore(src, srcPos, dst, dstPos, count);
  } finally {
    if (mode === 'locked') dst.lock.blockPut();
  }
}

/**
 * Read the source store and write the destination store chunk by chunk, the destination's missing
 * blocks paid for by one reservation taken up front.
 * Context: in locked mode the caller holds the destination's block side.
 */
async function copyThroughStore(src: Mapping, srcPos: number, dst: Mapping, dstPos: number, count: number): Promise<number> {
  if (dst.cache.options.coherence === 'locked') assertHeld(dst.lock, 'block');
  let held = holesUnder(dst, dstPos, count);
  dst.host.reserve(held);
  const buffer = new Uint8Array(Math.min(count, COPY_CHUNK));
  let done = 0;
  try {
    while (done < count) {
      const chunk = buffer.subarray(0, Math.min(count - done, COPY_CHUNK));
      await src.host.read(srcPos + done, chunk);
      const paid = Math.min(held, holesUnder(dst, dstPos + done, chunk.length));
      await dst.host.write(dstPos + done, chunk, paid);
      held -= paid;
      done += chunk.length;
    }
  } catch (err) {
    if (done === 0) throw err;
  } finally {
    dst.host.unreserve(held);
  }
  dst.cache.stats.copyRangeBytes += done;
  return done;
}
