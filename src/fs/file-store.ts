/**
 * FileStore: the BackingStore of one regular file over the image (the address_space_operations of
 * this filesystem). Writes into holes allocate blocks and fill them whole (zeros around the data), so
 * a reused block never shows its previous owner's bytes; the block map changes only after the data
 * write has completed, which is what lets a commit order data before metadata.
 *
 * The bytes from i_size to the end of its block are zeroed on the device when the file grows over
 * them, not when it shrinks (see setSize): before then nobody can see them, reads stop at i_size.
 */
import type { BackingStore } from '../mm/backing-store.js';
import { BLOCK_SIZE, MAX_FILE_SIZE } from './layout.js';
import type { Inode } from './inode.js';
import type { Run } from './allocator.js';
import { check } from '../util/errno.js';
import { ioVecLength, ioVecSlice, ioVecZero, type IoVec } from '../util/iovec.js';
import { SerialQueue } from '../util/serial-queue.js';

/** Read-only zeros: the padding of partly written fresh blocks, and the stale tail of the EOF block. */
const ZERO_BLOCK = new Uint8Array(BLOCK_SIZE);
/** Blocks of zeros one device write carries (a writev of ZERO_BLOCK views). */
const ZERO_WRITE_BLOCKS = 256;

/** What a FileStore needs from its filesystem. */
export interface StoreHost {
  readonly device: { read(pos: number, buf: IoVec): Promise<void>; write(pos: number, buf: IoVec): Promise<void> };
  /**
   * Allocate n data blocks, `fromReservation` of them paid for by reservations the caller holds: their
   * blocks are used up, their extent room stays held (give it back with unreserveExtents once the
   * maps are recorded); commits first to reclaim freed blocks if needed; ENOSPC if there are none.
   */
  allocate(n: number, fromReservation: number): Promise<Run[]>;
  /** Hold room for `blocks` data blocks and the metadata to map them; ENOSPC, holding nothing, if there is none. */
  reserveBlocks(blocks: number): void;
  unreserveBlocks(blocks: number): void;
  /** Hold metadata room for `extents` new extents while their data is written (ENOSPC if there is none). */
  reserveExtents(extents: number): void;
  unreserveExtents(extents: number): void;
  mapBlocks(inode: Inode, lblk: number, pblk: number, len: number): void;
  /** Give back blocks allocated for a write that failed before they were mapped, and the reserved blocks they used. */
  unallocate(runs: Run[], fromReservation: number): void;
  /** Unmap every block from fromLblk on; the file then holds no block past its end (INODE_EOFBLOCKS cleared). */
  truncateBlocks(inode: Inode, fromLblk: number): void;
  /** Unmap [lblk, lblk+len) (a hole punched mid-file); the caller holds room for the one extent a split adds (reserveExtents). */
  unmapBlocks(inode: Inode, lblk: number, len: number): void;
  /** Blocks were mapped past the file's end (fallocate KEEP_SIZE): set INODE_EOFBLOCKS. */
  markBlocksPastEnd(inode: Inode): void;
  /**
   * i_size becomes `size` (mirrors i_size_write() + mark_inode_dirty()). No time changes here: mtime
   * and ctime are the system call's (Filesystem.fileUpdateTime), not writeback's.
   */
  setSize(inode: Inode, size: number): void;
  fsync(ino: number): Promise<void>;
  /** The running transaction's id: a record made now is durable once it has committed. */
  runningTid(): number;
  /** Make transaction `tid` durable, committing only if it is not yet. */
  completeTransaction(tid: number): Promise<void>;
}

export class FileStore implements BackingStore {
  /** This file's store lock: block map changes and the I/O they cover run one at a time. */
  private readonly storeLock = new SerialQueue();
  private retired = false;
  /**
   * The device may hold old bytes between i_size and the end of its block: a shrink leaves them
   * there, and a store made at mount cannot know what an earlier mount's shrinks left.
   */
  private tailMayBeStale = true;
  /** The transaction that recorded the last shrink. */
  private shrinkTid = 0;

  constructor(private readonly host: StoreHost, private readonly inode: Inode) {}

  /** Context: takes and releases this file's store lock (block map changes are serialized per file). */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    check(!this.retired, 'ESTALE', `inode ${this.inode.ino} has been freed`);
    return this.storeLock.run(work);
  }

  /**
   * The inode is being freed: refuse new I/O (ESTALE) and report when the I/O in flight is done, so
   * its blocks are not handed to another file while a write to them may still land (mirrors the
   * inode_dio_wait() in evict()). Returns null when nothing is in flight.
   */
  retire(): Promise<unknown> | null {
    this.retired = true;
    return this.storeLock.size === 0 ? null : this.storeLock.idle();
  }

  private get extents() {
    return this.inode.extents!;
  }

  size(): number {
    return this.inode.size;
  }

  /**
   * i_size change (mirrors truncate_setsize() + ext4_truncate()). Shrinking unmaps the blocks wholly
   * past the new end and leaves the new last block as it is on the device: its tail holds fsync'd
   * bytes that the durable, old size still shows until the shrink commits, so zeroing them now would
   * let a crash bring back the old size with part of its data zeroed. They are zeroed when the file
   * grows over them (zeroStaleTail). Growing leaves a hole. A size that does not grow also frees
   * the blocks fallocate kept past the end, as ext4_setattr() calls ext4_truncate() "even if i_size
   * didn't change to truncate possible preallocated blocks" (an O_TRUNC open of an empty file).
   * Context: takes this file's store lock; growing may commit the journal.
   */
  async setSize(size: number): Promise<void> {
    check(Number.isSafeInteger(size) && size >= 0, 'EINVAL', `bad size ${size}`);
    check(size <= MAX_FILE_SIZE, 'EFBIG');
    return this.exclusive(async () => {
      const shrinking = size < this.inode.size;
      if (size <= this.inode.size) this.host.truncateBlocks(this.inode, Math.ceil(size / BLOCK_SIZE));
      else if (size > this.inode.size) await this.zeroStaleTail();
      this.host.setSize(this.inode, size);
      if (shrinking) {
        this.tailMayBeStale = true;
        this.shrinkTid = this.host.runningTid();
      }
    });
  }

  /**
   * i_size = max(i_size, size), decided under this file's store lock.
   * Context: takes the store lock; growing may commit the journal.
   */
  extendSize(size: number): Promise<void> {
    check(Number.isSafeInteger(size) && size >= 0, 'EINVAL', `bad size ${size}`);
    check(size <= MAX_FILE_SIZE, 'EFBIG');
    return this.exclusive(async () => {
      if (size <= this.inode.size) return;
      await this.zeroStaleTail();
      this.host.setSize(this.inode, size);
    });
  }

  /**
   * Before i_size grows: zero on the device the bytes from i_size to the end of its block, which a
   * shrink may have left holding old data (as xfs_file_write_checks() zeroes from the old EOF before
   * a write past it). Changing them is safe only once they are past the durable EOF, so the shrink
   * that put them there commits first, if it has not yet; the growth itself is recorded after this
   * write, and ordered mode makes the zeros durable before it.
   * Context: the caller holds this file's store lock; may commit the journal.
   */
  private async zeroStaleTail(): Promise<void> {
    if (!this.tailMayBeStale) return;
    const tail = this.inode.size % BLOCK_SIZE;
    const pblk = tail === 0 ? null : this.extents.lookup(Math.floor(this.inode.size / BLOCK_SIZE));
    if (pblk !== null) {
      await this.host.completeTransaction(this.shrinkTid);
      await this.host.device.write(pblk * BLOCK_SIZE + tail, ZERO_BLOCK.subarray(tail));
    }
    this.tailMayBeStale = false;
  }

  async read(pos: number, dst: IoVec): Promise<void> {
    check(!this.retired, 'ESTALE', `inode ${this.inode.ino} has been freed`);
    const length = ioVecLength(dst);
    const end = Math.max(pos, Math.min(pos + length, this.inode.size));
    ioVecZero(ioVecSlice(dst, end - pos, length));
    for (let at = pos; at < end;) {
      const lblk = Math.floor(at / BLOCK_SIZE);
      const inBlock = at % BLOCK_SIZE;
      const maxBlocks = Math.ceil((end - lblk * BLOCK_SIZE) / BLOCK_SIZE);
      const mapped = this.extents.mappedRun(lblk, maxBlocks);
      const runEnd = Math.min(end, (lblk + Math.max(mapped, 1)) * BLOCK_SIZE);
      const part = ioVecSlice(dst, at - pos, runEnd - pos);
      if (mapped > 0) await this.host.device.read(this.extents.lookup(lblk)! * BLOCK_SIZE + inBlock, part);
      else ioVecZero(part);
      at = runEnd;
    }
  }

  /** mirrors bch2_disk_reservation_get() for the blocks of dirty pages (see BackingStore.reserve). */
  reserve(blocks: number): void {
    this.host.reserveBlocks(blocks);
  }

  /** Also after the inode is freed: a dropped dirty page gives its reservation back to the filesystem. */
  unreserve(blocks: number): void {
    this.host.unreserveBlocks(blocks);
  }

  /**
   * Write data, allocating holes (mirrors ext4's writepages path); `reserved` blocks of the
   * caller's reservations pay for the allocation first, and what they do not cover is given back.
   * Context: takes this file's store lock.
   */
  async write(pos: number, src: IoVec, reserved = 0): Promise<void> {
    const length = ioVecLength(src);
    check(Number.isSafeInteger(pos) && pos >= 0, 'EINVAL', `bad position ${pos}`);
    check(pos + length <= MAX_FILE_SIZE, 'EFBIG');
    if (length === 0) return;
    return this.exclusive(async () => {
      const end = pos + length;
      const extending = end > this.inode.size;
      // Zeros first, then the data, so a write over part of the stale tail keeps its bytes.
      if (extending) await this.zeroStaleTail();
      const holes: number[] = [];
      for (let b = Math.floor(pos / BLOCK_SIZE); b <= Math.floor((end - 1) / BLOCK_SIZE); b++) {
        if (this.extents.lookup(b) === null) holes.push(b);
      }
      const fromReservation = Math.min(holes.length, reserved);
      const runs = holes.length ? await this.host.allocate(holes.length, fromReservation) : [];
      const fresh = new Map<number, number>();
      let h = 0;
      for (const run of runs) for (let i = 0; i < run.len; i++) fresh.set(holes[h++]!, run.pblk + i);
      // The new mappings: runs contiguous both in the file and on the device.
      const maps: Array<{ lblk: number; pblk: number; len: number }> = [];
      for (const lblk of holes) {
        const last = maps[maps.length - 1];
        const pblk = fresh.get(lblk)!;
        if (last && last.lblk + last.len === lblk && last.pblk + last.len === pblk) last.len++;
        else maps.push({ lblk, pblk, len: 1 });
      }
      // Each reservation used up already holds the room of one extent record: only the rest is new.
      const extraExtents = Math.max(0, maps.length - fromReservation);
      try {
        this.host.reserveExtents(extraExtents);
      } catch (err) {
        this.host.unallocate(runs, fromReservation);
        throw err;
      }
      try {
        await this.writeBlocks(pos, length, src, fresh);
      } catch (err) {
        this.host.unreserveExtents(extraExtents);
        this.host.unallocate(runs, fromReservation);
        // Part of the data may have landed past EOF in the EOF block; the next growth must not show it.
        if (extending) this.tailMayBeStale = true;
        throw err;
      }
      for (const m of maps) this.host.mapBlocks(this.inode, m.lblk, m.pblk, m.len);
      // The records hold their room now: give it back, with the reservations this write did not use.
      this.host.unreserveExtents(extraExtents + fromReservation);
      this.host.unreserveBlocks(reserved - fromReservation);
      if (end > this.inode.size) this.host.setSize(this.inode, end);
    });
  }

  /**
   * Write src at pos into mapped blocks in place and into the fresh blocks whole, zero-padded around
   * the data, one device write per run contiguous on the device.
   */
  private async writeBlocks(pos: number, length: number, src: IoVec, fresh: Map<number, number>): Promise<void> {
    const end = pos + length;
    const last = Math.floor((end - 1) / BLOCK_SIZE);
    const pblkOf = (b: number): number => fresh.get(b) ?? this.extents.lookup(b)!;
    for (let b = Math.floor(pos / BLOCK_SIZE); b <= last;) {
      const isFresh = fresh.has(b);
      const pblk = pblkOf(b);
      let n = 1;
      while (b + n <= last && fresh.has(b + n) === isFresh && pblkOf(b + n) === pblk + n) n++;
      const segStart = Math.max(pos, b * BLOCK_SIZE);
      const segEnd = Math.min(end, (b + n) * BLOCK_SIZE);
      const data = ioVecSlice(src, segStart - pos, segEnd - pos);
      if (isFresh) {
        const head = ZERO_BLOCK.subarray(0, segStart - b * BLOCK_SIZE);
        const tail = ZERO_BLOCK.subarray(0, (b + n) * BLOCK_SIZE - segEnd);
        await this.host.device.write(pblk * BLOCK_SIZE, [head, ...data, tail]);
      } else {
        await this.host.device.write(pblk * BLOCK_SIZE + (segStart - b * BLOCK_SIZE), data);
      }
      b += n;
    }
  }

  /**
   * fallocate's allocation (mode 0 or FALLOC_FL_KEEP_SIZE): map every hole of [pos, pos+length) to
   * blocks written with zeros first (no block shows its previous owner's bytes; ordered mode makes
   * the zeros durable before the maps). ENOSPC, changing nothing, when the image cannot hold them.
   * Without keepSize, i_size grows to pos+length; with it, blocks past the end mark the inode
   * INODE_EOFBLOCKS. Mirrors ext4_alloc_file_blocks() with zeroed blocks for unwritten extents.
   * Context: takes this file's store lock; may commit the journal.
   */
  allocateRange(pos: number, length: number, keepSize: boolean): Promise<void> {
    const end = this.checkRange(pos, length);
    return this.exclusive(async () => {
      const growing = !keepSize && end > this.inode.size;
      // Before any map: zeroing the tail may commit the shrink that left it, and that commit must
      // not carry maps past the end without the size that covers them (fsck's damage).
      if (growing) await this.zeroStaleTail();
      const holes = this.extents.holes(Math.floor(pos / BLOCK_SIZE), Math.ceil(end / BLOCK_SIZE));
      const needed = holes.reduce((n, h) => n + h.len, 0);
      const runs = needed ? await this.host.allocate(needed, 0) : [];
      const maps = pairRuns(holes, runs);
      try {
        this.host.reserveExtents(maps.length);
      } catch (err) {
        this.host.unallocate(runs, 0);
        throw err;
      }
      try {
        for (const m of maps) await this.writeZeros(m.pblk, m.len);
      } catch (err) {
        this.host.unreserveExtents(maps.length);
        this.host.unallocate(runs, 0);
        throw err;
      }
      for (const m of maps) this.host.mapBlocks(this.inode, m.lblk, m.pblk, m.len);
      this.host.unreserveExtents(maps.length);
      if (growing) {
        this.host.setSize(this.inode, end);
      } else if (maps.some((m) => (m.lblk + m.len - 1) * BLOCK_SIZE >= this.inode.size)) {
        // A block that starts at or past the end (check.ts's rule); the block holding the end is not one.
        this.host.markBlocksPastEnd(this.inode);
      }
    });
  }

  /**
   * FALLOC_FL_PUNCH_HOLE: unmap the blocks wholly inside [pos, pos+length) and zero in place the
   * part of a block at either edge; i_size is kept. Mirrors ext4_punch_hole(). `dropCached` drops
   * the range's cached pages (dirty ones too), so it runs only once the punch can no longer be
   * refused: after the range is checked and the metadata room of the extent a split adds is held.
   * EFBIG or ENOSPC thus change nothing, the cache included.
   * Context: takes this file's store lock, after `dropCached` (which takes page locks) has returned.
   */
  async punchRange(pos: number, length: number, dropCached: () => Promise<void>): Promise<void> {
    const end = this.checkRange(pos, length);
    // A hole inside one extent splits it in two: one extent record more, at most.
    this.host.reserveExtents(1);
    try {
      await dropCached();
      await this.exclusive(async () => {
        const first = Math.ceil(pos / BLOCK_SIZE), last = Math.floor(end / BLOCK_SIZE);
        if (last > first) this.host.unmapBlocks(this.inode, first, last - first);
        await this.zeroInPlace(pos, Math.min(end, first * BLOCK_SIZE));
        if (last >= first) await this.zeroInPlace(Math.max(pos, last * BLOCK_SIZE), end);
      });
    } finally {
      this.host.unreserveExtents(1);
    }
  }

  /**
   * FALLOC_FL_ZERO_RANGE, after allocateRange mapped its holes: zero the mapped bytes of
   * [pos, pos+length) in place.
   * Context: takes this file's store lock; the caller has dropped the range's cached pages.
   */
  zeroRange(pos: number, length: number): Promise<void> {
    const end = this.checkRange(pos, length);
    return this.exclusive(() => this.zeroInPlace(pos, end));
  }

  /**
   * SEEK_DATA and SEEK_HOLE as the block map answers them (the page cache adds its dirty pages):
   * the first mapped block at or after block `index` (null: none), and the first hole.
   */
  nextDataBlock(index: number): number | null {
    return this.extents.nextMapped(index);
  }

  nextHoleBlock(index: number): number {
    return this.extents.nextUnmapped(index);
  }

  private checkRange(pos: number, length: number): number {
    check(Number.isSafeInteger(pos) && pos >= 0 && Number.isSafeInteger(length) && length > 0, 'EINVAL', `bad range ${pos}+${length}`);
    check(pos + length <= MAX_FILE_SIZE, 'EFBIG');
    return pos + length;
  }

  /** Write zeros over the mapped bytes of [from, to) (holes read as zeros already). */
  private async zeroInPlace(from: number, to: number): Promise<void> {
    for (let at = from; at < to;) {
      const lblk = Math.floor(at / BLOCK_SIZE);
      const pblk = this.extents.lookup(lblk);
      const blockEnd = Math.min(to, (lblk + 1) * BLOCK_SIZE);
      if (pblk !== null) {
        const run = Math.min(this.extents.mappedRun(lblk, ZERO_WRITE_BLOCKS), Math.ceil((to - lblk * BLOCK_SIZE) / BLOCK_SIZE));
        const runEnd = Math.min(to, (lblk + run) * BLOCK_SIZE);
        const inBlock = at - lblk * BLOCK_SIZE;
        const zeros = Array.from({ length: run }, (_, i) => ZERO_BLOCK.subarray(i === 0 ? inBlock : 0, Math.min(BLOCK_SIZE, runEnd - (lblk + i) * BLOCK_SIZE)));
        await this.host.device.write(pblk * BLOCK_SIZE + inBlock, zeros);
        at = runEnd;
      } else {
        at = blockEnd;
      }
    }
  }

  /** Fill `len` blocks from pblk with zeros. */
  private async writeZeros(pblk: number, len: number): Promise<void> {
    for (let done = 0; done < len; done += ZERO_WRITE_BLOCKS) {
      const n = Math.min(ZERO_WRITE_BLOCKS, len - done);
      await this.host.device.write((pblk + done) * BLOCK_SIZE, Array.from({ length: n }, () => ZERO_BLOCK));
    }
  }

  /** The fs half of fsync. A freed file has nothing left to make durable (its blocks are being freed). */
  async sync(): Promise<void> {
    if (this.retired) return;
    return this.host.fsync(this.inode.ino);
  }

  /** Mirrors bmap(): the extent lookup, no I/O. */
  bmap(index: number): number | null {
    return this.extents.lookup(index);
  }
}

/** Pair file holes with allocated device runs: mappings contiguous in the file and on the device. */
function pairRuns(holes: ReadonlyArray<{ lblk: number; len: number }>, runs: readonly Run[]): Array<{ lblk: number; pblk: number; len: number }> {
  const maps: Array<{ lblk: number; pblk: number; len: number }> = [];
  let r = 0, usedOfRun = 0;
  for (const hole of holes) {
    for (let done = 0; done < hole.len;) {
      const run = runs[r]!;
      const len = Math.min(hole.len - done, run.len - usedOfRun);
      maps.push({ lblk: hole.lblk + done, pblk: run.pblk + usedOfRun, len });
      done += len;
      usedOfRun += len;
      if (usedOfRun === run.len) { r++; usedOfRun = 0; }
    }
  }
  return maps;
}
