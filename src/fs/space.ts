/**
 * Space: what is free on the image, in data blocks and in metadata room, and what dirty pages and
 * writes in flight hold of it (bcachefs's disk reservations). statfs reports it; allocation and
 * every record that makes the metadata grow check it first, so a full image fails the system call
 * with ENOSPC instead of a later commit.
 */
import type { Allocator, Run } from './allocator.js';
import type { Journal } from './journal.js';
import { BLOCK_SIZE, MAX_NAME_BYTES } from './layout.js';
import type { Metadata } from './metadata.js';
import { RECORD_BYTES } from './records.js';
import { check, FsError } from '../util/errno.js';

export interface StatFs {
  bsize: number;
  frsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
  namemax: number;
}

const PER_FILE_BYTES = RECORD_BYTES.inode(0) + RECORD_BYTES.link(16);

export class Space {
  /** Metadata bytes held for extents whose data writes are in flight, and for the reserved blocks' extents. */
  private reservedBytes = 0;
  /** Data blocks held by reservations of dirty pages. */
  private reservedBlocks = 0;

  constructor(
    private readonly journal: Journal,
    private readonly meta: Metadata,
    private readonly allocator: Allocator,
  ) {}

  /**
   * Free blocks include those freed but not yet committed (the allocator commits to reclaim them)
   * and leave out those reserved by dirty pages. The inode count is exact; the free inodes are an
   * estimate of how many more small files the metadata area holds.
   */
  statfs(): StatFs {
    const free = this.freeBlocks();
    const ffree = Math.max(0, Math.floor((this.journal.metadataCapacity - this.meta.bytes - this.reservedBytes) / PER_FILE_BYTES));
    return {
      bsize: BLOCK_SIZE, frsize: BLOCK_SIZE, blocks: this.journal.sb.geometry.dataBlocks, bfree: free, bavail: free,
      files: this.meta.inodes.size + ffree, ffree, namemax: MAX_NAME_BYTES,
    };
  }

  /** ENOSPC unless a checkpoint can still hold `bytes` more metadata (beside what writes in flight hold). */
  reserveMetadata(bytes: number): void {
    check(this.meta.bytes + this.reservedBytes + bytes <= this.journal.metadataCapacity, 'ENOSPC', 'metadata space is full');
  }

  /** Hold `blocks` data blocks and the metadata to map them; ENOSPC, holding nothing, if there is no room. */
  reserveBlocks(blocks: number): void {
    check(this.freeBlocks() >= blocks, 'ENOSPC', `no room for ${blocks} more blocks`);
    this.reserveMetadata(blocks * RECORD_BYTES.map);
    this.reservedBlocks += blocks;
    this.reservedBytes += blocks * RECORD_BYTES.map;
  }

  unreserveBlocks(blocks: number): void {
    this.reservedBlocks -= blocks;
    this.reservedBytes -= blocks * RECORD_BYTES.map;
  }

  /** Hold metadata room for `extents` new extents while their data is written. */
  reserveExtents(extents: number): void {
    this.reserveMetadata(extents * RECORD_BYTES.map);
    this.reservedBytes += extents * RECORD_BYTES.map;
  }

  unreserveExtents(extents: number): void {
    this.reservedBytes -= extents * RECORD_BYTES.map;
  }

  /**
   * Allocate n data blocks, `fromReservation` of them paid for by the caller's reservations: their
   * blocks are used up on success, while the metadata room they hold stays held for the extents the
   * caller records next (it gives it back with unreserveExtents once they are recorded).
   * Commits first when only blocks freed by the running transaction would make room.
   * Context: may sleep on a commit.
   */
  async allocate(n: number, fromReservation: number): Promise<Run[]> {
    // Blocks others have reserved are not free for this allocation; its own reservations are.
    const available = (): number => this.allocator.free - (this.reservedBlocks - fromReservation);
    if (available() < n && this.journal.pendingFreeBlocks > 0) await this.journal.commit();
    const runs = available() >= n ? this.allocator.alloc(n) : null;
    if (!runs) throw new FsError('ENOSPC', `no room for ${n} blocks`);
    this.reservedBlocks -= fromReservation;
    return runs;
  }

  /** Give back blocks a failed write allocated, and to the caller the reserved blocks they used up. */
  unallocate(runs: Run[], fromReservation: number): void {
    this.allocator.release(runs);
    this.reservedBlocks += fromReservation;
  }

  /** Blocks a new reservation or an unreserved allocation may still take. */
  private freeBlocks(): number {
    return Math.max(0, this.allocator.free + this.journal.pendingFreeBlocks - this.reservedBlocks);
  }
}
