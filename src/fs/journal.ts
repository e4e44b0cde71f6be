/**
 * The journal: the running transaction and the commit protocol (ordered mode, as ext4's
 * data=ordered: data reaches the disk before the metadata that points at it).
 *
 * commit():
 *   1. take the running transaction (its records are serialized before the first await, so later
 *      operations go to the next transaction);
 *   2. sync the device: every data block those records map was written before they were recorded,
 *      so now it is durable;
 *   3. append one commit record to the log and sync again (or, when the log is full or the record
 *      too big, write a whole checkpoint and switch the superblock to it);
 *   4. only now hand the blocks the transaction freed back to the allocator, so a crash can never
 *      leave a durable block map pointing at a block that already holds another file's data.
 * Commits run one at a time. A commit whose record or checkpoint write finds the image or the host
 * full (ENOSPC) fails and keeps its records for the next one. After a failed device sync or any other
 * I/O error the journal is aborted: every later commit fails with EIO (mirrors jbd2_journal_abort()),
 * because memory no longer matches what the image can replay.
 */
import { Allocator } from './allocator.js';
import { CHECKPOINT_HEADER_BYTES, frameCheckpoint } from './checkpoint.js';
import { BLOCK_SIZE, encodeSuperblock, FORMAT_VERSION, type Superblock } from './layout.js';
import { frameRecord, MAX_RECORD_BYTES, recordBytes } from './log.js';
import { encodeOps, type Op } from './records.js';
import type { Extent } from './extents.js';
import type { ImageDevice } from './device.js';
import type { Inode } from './inode.js';
import type { Metadata } from './metadata.js';
import { check, FsError } from '../util/errno.js';
import { SerialQueue } from '../util/serial-queue.js';

export class Journal {
  private ops: Op[] = [];
  private dirty = new Set<number>();
  private freed: Extent[] = [];
  /** The blocks of `freed`, counted as they are freed (a reservation asks for it per page). */
  private freedBlocks = 0;
  /** Blocks the commit in flight frees when it completes: still pending, so no reservation fails meanwhile. */
  private committingFreeBlocks = 0;
  private readonly commits = new SerialQueue();
  private aborted: Error | null = null;
  /** The running transaction's id; ids grow by one per commit (jbd2's tids). */
  private tid = 1;
  /** The last transaction known durable. */
  private committedTid = 0;

  constructor(
    private readonly device: ImageDevice,
    public sb: Superblock,
    private readonly meta: Metadata,
    private readonly allocator: Allocator,
    private logEnd: number,
    private logSeq: number,
  ) {}

  /** Apply a record to the metadata and add it to the running transaction. */
  record(op: Op): void {
    for (const extent of this.meta.apply(op)) {
      this.freed.push(extent);
      this.freedBlocks += extent.len;
    }
    if (op.kind === 'inode') this.dirty.add(op.attrs.ino);
    this.ops.push(op);
  }

  /** The inode's attributes changed: the transaction will carry them as they are at commit. */
  markDirty(inode: Inode): void {
    if (this.dirty.has(inode.ino)) return;
    this.dirty.add(inode.ino);
    this.ops.push({ kind: 'inode', attrs: inode });
  }

  /** Blocks freed by records not yet durable: free once the next commit completes. */
  get pendingFreeBlocks(): number {
    return this.freedBlocks + this.committingFreeBlocks;
  }

  /** The id of the running transaction: a record added now is durable once it has committed. */
  get runningTid(): number {
    return this.tid;
  }

  /**
   * Make transaction `tid` durable, committing only if it is not yet (mirrors
   * jbd2_complete_transaction()). Context: as commit().
   */
  completeTransaction(tid: number): Promise<void> {
    return tid <= this.committedTid ? Promise.resolve() : this.commit();
  }

  get hasChanges(): boolean {
    return this.ops.length > 0;
  }

  /** Bytes of metadata a checkpoint can hold; operations that would pass it fail with ENOSPC. */
  get metadataCapacity(): number {
    return this.sb.geometry.checkpointBlocks * BLOCK_SIZE - CHECKPOINT_HEADER_BYTES;
  }

  /**
   * Make every record so far durable (mirrors jbd2_journal_commit_transaction()).
   * Context: serialized with other commits; may sleep on device I/O.
   */
  commit(): Promise<void> {
    return this.serialize(() => this.commitNow(false));
  }

  /** Commit by writing a whole checkpoint (mount, unmount, full log; mirrors jbd2_log_do_checkpoint()). Context: as commit(). */
  checkpoint(): Promise<void> {
    return this.serialize(() => this.commitNow(true));
  }

  /**
   * Rewrite the superblock copies mount found stale (spoiled, or older) from the one in use, each
   * synced, before any checkpoint is written: a copy left older by a power cut names the previous
   * slot, which is the idle slot the next checkpoint overwrites. Were another power cut to tear the
   * up-to-date copy during that checkpoint, the stale copy would be the only one left, naming a slot
   * that now holds another epoch. `version`: the format of the image as it is (repair's upgrade).
   * Context: as commit().
   */
  rewriteSuperblocks(copies: number[], version = FORMAT_VERSION): Promise<void> {
    return this.serialize(async () => {
      const sbBytes = encodeSuperblock(this.sb, version);
      for (const copy of copies) {
        await this.device.write(copy * BLOCK_SIZE, sbBytes);
        await this.barrier();
      }
    });
  }

  /**
   * Run a commit after the ones before it. A full image or host (ENOSPC) fails this commit and
   * leaves the journal as it was, to be tried again; any other I/O error aborts it.
   */
  private serialize(work: () => Promise<void>): Promise<void> {
    return this.commits.run(() => {
      if (this.aborted) throw new FsError('EIO', `journal aborted after an I/O error: ${this.aborted.message}`);
      return work().catch((err: Error) => {
        if (!(err instanceof FsError && err.code === 'ENOSPC')) this.aborted = err;
        throw err;
      });
    });
  }

  private async commitNow(asCheckpoint: boolean): Promise<void> {
    const { ops, dirty, freed, freedBlocks } = this;
    const tid = this.tid++;
    this.ops = [];
    this.dirty = new Set();
    this.freed = [];
    this.freedBlocks = 0;
    this.committingFreeBlocks = freedBlocks;
    try {
      await this.writeTransaction(ops, asCheckpoint);
    } catch (err) {
      this.committingFreeBlocks = 0;
      // Nothing of it is durable: the superblock still names the old state and replay stops at a
      // torn record. Its records go back in front of those added meanwhile, for the next commit.
      this.ops = [...ops, ...this.ops];
      for (const ino of this.dirty) dirty.add(ino);
      this.dirty = dirty;
      this.freed = [...freed, ...this.freed];
      this.freedBlocks += freedBlocks;
      throw err;
    }
    this.committedTid = tid;
    this.committingFreeBlocks = 0;
    this.allocator.release(freed);
  }

  /**
   * A device sync (fdatasync). Its failure aborts the journal whatever the errno: the host may have
   * dropped the data it could not write and reports that only once, so a later sync that succeeds
   * would let a commit point metadata at data that never reached the disk.
   */
  private async barrier(): Promise<void> {
    try {
      await this.device.sync();
    } catch (err) {
      throw new FsError('EIO', `image sync failed: ${(err as Error).message}`);
    }
  }

  /** Write one transaction's records: a log record, or a whole checkpoint. */
  private async writeTransaction(ops: Op[], asCheckpoint: boolean): Promise<void> {
    if (ops.length === 0 && !asCheckpoint) {
      await this.barrier();
      return;
    }
    const payload = encodeOps(ops);
    const logBytes = this.sb.geometry.logBlocks * BLOCK_SIZE;
    const size = recordBytes(payload.length);
    if (asCheckpoint || size > MAX_RECORD_BYTES || this.logEnd + size > logBytes) {
      await this.writeCheckpoint();
    } else {
      const record = frameRecord(this.sb.epoch, this.logSeq, payload);
      await this.barrier();
      await this.device.write(this.sb.geometry.logStart * BLOCK_SIZE + this.logEnd, record);
      await this.barrier();
      this.logEnd += record.length;
      this.logSeq++;
    }
  }

  /** Write the whole metadata to the idle slot, then switch both superblock copies to it, one at a time. */
  private async writeCheckpoint(): Promise<void> {
    const payload = encodeOps(this.meta.snapshot());
    check(payload.length <= this.metadataCapacity, 'ENOSPC', 'metadata no longer fits a checkpoint slot');
    const g = this.sb.geometry;
    const next: Superblock = { ...this.sb, generation: this.sb.generation + 1, activeSlot: 1 - this.sb.activeSlot, epoch: this.sb.epoch + 1 };
    await this.barrier();
    await this.device.write(g.checkpointStart[next.activeSlot]! * BLOCK_SIZE, frameCheckpoint(next.epoch, payload));
    await this.barrier();
    const sbBytes = encodeSuperblock(next);
    try {
      await this.device.write(0, sbBytes);
      await this.barrier();
      await this.device.write(BLOCK_SIZE, sbBytes);
      await this.barrier();
    } catch (err) {
      // A copy may already name the new slot: retrying on the old one could lose commits, so abort (EIO).
      throw new FsError('EIO', `superblock write failed: ${(err as Error).message}`);
    }
    this.sb = next;
    this.logEnd = 0;
    this.logSeq = 0;
  }
}
