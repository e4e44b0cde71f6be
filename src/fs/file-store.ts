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
  truncateBlocks(inode: Inode, fromLblk: number): void;
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
   * grows over them (zeroStaleTail). Growing leaves a hole.
   * Context: takes this file's store lock; growing may commit the journal.
   */
  async setSize(size: number): Promise<void> {
    check(Number.isSafeInteger(size) && size >= 0, 'EINVAL', `bad size ${size}`);
    check(size <= MAX_FILE_SIZE, 'EFBIG');
    return this.exclusive(async () => {
      const shrinking = size < this.inode.size;
      if (shrinking) this.host.truncateBlocks(this.inode, Math.ceil(size / BLOCK_SIZE));
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
