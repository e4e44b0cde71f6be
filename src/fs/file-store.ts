/**
 * FileStore: the BackingStore of one regular file over the image (the address_space_operations of
 * this filesystem). Writes into holes allocate blocks and fill them whole (zeros around the data), so
 * a reused block never shows its previous owner's bytes; the block map changes only after the data
 * write has completed, which is what lets a commit order data before metadata.
 */
import type { BackingStore } from '../mm/backing-store.js';
import { BLOCK_SIZE, MAX_FILE_SIZE } from './layout.js';
import type { Inode } from './inode.js';
import type { Run } from './allocator.js';
import { check } from '../util/errno.js';

/** What a FileStore needs from its filesystem. */
export interface StoreHost {
  readonly device: { read(pos: number, buf: Uint8Array): Promise<void>; write(pos: number, buf: Uint8Array): Promise<void> };
  /** Allocate n data blocks, committing first to reclaim freed ones if needed; ENOSPC if there are none. */
  allocate(n: number, extraExtents: number): Promise<Run[]>;
  mapBlocks(inode: Inode, lblk: number, pblk: number, len: number): void;
  /** Give back blocks allocated for a write that failed before they were mapped. */
  unallocate(runs: Run[]): void;
  truncateBlocks(inode: Inode, fromLblk: number): void;
  touch(inode: Inode, size?: number): void;
  fsync(ino: number): Promise<void>;
}

export class FileStore implements BackingStore {
  private locked: Promise<unknown> = Promise.resolve();
  private busy = 0;
  private retired = false;

  constructor(private readonly host: StoreHost, private readonly inode: Inode) {}

  /** Context: takes and releases this file's store lock (block map changes are serialized per file). */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    check(!this.retired, 'ESTALE', `inode ${this.inode.ino} has been freed`);
    this.busy++;
    const run = this.locked.then(work).finally(() => this.busy--);
    this.locked = run.catch(() => undefined);
    return run;
  }

  /**
   * The inode is being freed: refuse new I/O (ESTALE) and report when the I/O in flight is done, so
   * its blocks are not handed to another file while a write to them may still land (mirrors the
   * inode_dio_wait() in evict()). Returns null when nothing is in flight.
   */
  retire(): Promise<unknown> | null {
    this.retired = true;
    return this.busy === 0 ? null : this.locked;
  }

  private get extents() {
    return this.inode.extents!;
  }

  size(): number {
    return this.inode.size;
  }

  async setSize(size: number): Promise<void> {
    check(Number.isSafeInteger(size) && size >= 0, 'EINVAL', `bad size ${size}`);
    check(size <= MAX_FILE_SIZE, 'EFBIG');
    return this.exclusive(async () => {
      if (size < this.inode.size) {
        const tail = size % BLOCK_SIZE;
        const lastBlock = this.extents.lookup(Math.floor(size / BLOCK_SIZE));
        if (tail !== 0 && lastBlock !== null) {
          await this.host.device.write(lastBlock * BLOCK_SIZE + tail, new Uint8Array(BLOCK_SIZE - tail));
        }
        this.host.truncateBlocks(this.inode, Math.ceil(size / BLOCK_SIZE));
      }
      this.host.touch(this.inode, size);
    });
  }

  async read(pos: number, dst: Uint8Array): Promise<void> {
    check(!this.retired, 'ESTALE', `inode ${this.inode.ino} has been freed`);
    const end = Math.min(pos + dst.length, this.inode.size);
    dst.fill(0);
    for (let at = pos; at < end;) {
      const lblk = Math.floor(at / BLOCK_SIZE);
      const inBlock = at % BLOCK_SIZE;
      const maxBlocks = Math.ceil((end - lblk * BLOCK_SIZE) / BLOCK_SIZE);
      const mapped = this.extents.mappedRun(lblk, maxBlocks);
      const runEnd = Math.min(end, (lblk + Math.max(mapped, 1)) * BLOCK_SIZE);
      if (mapped > 0) {
        const pblk = this.extents.lookup(lblk)!;
        await this.host.device.read(pblk * BLOCK_SIZE + inBlock, dst.subarray(at - pos, runEnd - pos));
      }
      at = runEnd;
    }
  }

  async write(pos: number, src: Uint8Array): Promise<void> {
    check(Number.isSafeInteger(pos) && pos >= 0, 'EINVAL', `bad position ${pos}`);
    check(pos + src.length <= MAX_FILE_SIZE, 'EFBIG');
    if (src.length === 0) return;
    return this.exclusive(async () => {
      const end = pos + src.length;
      const first = Math.floor(pos / BLOCK_SIZE);
      const last = Math.floor((end - 1) / BLOCK_SIZE);
      const holes: number[] = [];
      for (let b = first; b <= last; b++) if (this.extents.lookup(b) === null) holes.push(b);
      const runs = holes.length ? await this.host.allocate(holes.length, holes.length) : [];
      const newBlock = new Map<number, number>();
      let h = 0;
      for (const run of runs) for (let i = 0; i < run.len; i++) newBlock.set(holes[h++]!, run.pblk + i);

      const writes: Promise<void>[] = [];
      for (let b = first; b <= last;) {
        const isNew = newBlock.has(b);
        const pblk = isNew ? newBlock.get(b)! : this.extents.lookup(b)!;
        let n = 1;
        while (b + n <= last && newBlock.has(b + n) === isNew
          && (isNew ? newBlock.get(b + n) : this.extents.lookup(b + n)) === pblk + n) n++;
        const segStart = Math.max(pos, b * BLOCK_SIZE);
        const segEnd = Math.min(end, (b + n) * BLOCK_SIZE);
        const data = src.subarray(segStart - pos, segEnd - pos);
        if (isNew) {
          const whole = new Uint8Array(n * BLOCK_SIZE);
          whole.set(data, segStart - b * BLOCK_SIZE);
          writes.push(this.host.device.write(pblk * BLOCK_SIZE, whole));
        } else {
          writes.push(this.host.device.write(pblk * BLOCK_SIZE + (segStart - b * BLOCK_SIZE), data));
        }
        b += n;
      }
      try {
        await Promise.all(writes);
      } catch (err) {
        this.host.unallocate(runs);
        throw err;
      }
      for (let i = 0; i < holes.length;) {
        const lblk = holes[i]!, pblk = newBlock.get(lblk)!;
        let n = 1;
        while (i + n < holes.length && holes[i + n] === lblk + n && newBlock.get(lblk + n) === pblk + n) n++;
        this.host.mapBlocks(this.inode, lblk, pblk, n);
        i += n;
      }
      this.host.touch(this.inode, Math.max(end, this.inode.size));
    });
  }

  sync(): Promise<void> {
    return this.host.fsync(this.inode.ino);
  }

  bmap(index: number): number | null {
    return this.extents.lookup(index);
  }
}
