/**
 * A file held in memory, as a BackingStore: for the mm tests, the core bench and the deadlock demo,
 * which exercise the page-cache core alone (a deadlocked task would hold an image forever).
 * `initial` is the file's first contents; `yieldToEventLoop` makes each call yield to the event loop;
 * `capacityBlocks` makes it a store that can fill up (reservations and writes get ENOSPC).
 */
import type { BackingStore } from './backing-store.js';
import { PAGE_SIZE } from './page.js';
import { FsError } from '../util/errno.js';
import { ioVecGather, ioVecLength, ioVecScatter, type IoVec } from '../util/iovec.js';

export interface MemoryStoreOptions {
  initial?: Uint8Array;
  yieldToEventLoop?: boolean;
  capacityBlocks?: number;
}

export class MemoryStore implements BackingStore {
  bytes = new Uint8Array(0);
  length = 0;
  syncs = 0;
  writes = 0;
  /** Blocks held by reservations of dirty pages. */
  reservedBlocks = 0;

  constructor(private readonly options: MemoryStoreOptions = {}) {
    if (options.initial) {
      this.bytes = options.initial.slice();
      this.length = options.initial.length;
    }
  }

  /** Blocks the file's bytes take (the store has no holes: everything below its length is allocated). */
  get usedBlocks(): number {
    return Math.ceil(this.length / PAGE_SIZE);
  }

  reserve(blocks: number): void {
    const capacity = this.options.capacityBlocks ?? Infinity;
    if (this.usedBlocks + this.reservedBlocks + blocks > capacity) throw new FsError('ENOSPC', 'memory store full');
    this.reservedBlocks += blocks;
  }

  unreserve(blocks: number): void {
    this.reservedBlocks -= blocks;
  }

  size(): number {
    return this.length;
  }

  async setSize(size: number): Promise<void> {
    await this.pause();
    this.ensure(size);
    if (size < this.length) this.bytes.fill(0, size, this.length);
    this.length = size;
  }

  async extendSize(size: number): Promise<void> {
    await this.pause();
    if (size <= this.length) return;
    this.ensure(size);
    this.length = size;
  }

  async read(pos: number, dst: IoVec): Promise<void> {
    await this.pause();
    ioVecScatter(this.bytes.subarray(Math.min(pos, this.length), this.length), dst);
  }

  async write(pos: number, src: IoVec, reserved = 0): Promise<void> {
    await this.pause();
    const end = pos + ioVecLength(src);
    const newBlocks = Math.max(0, Math.ceil(end / PAGE_SIZE) - this.usedBlocks);
    const capacity = this.options.capacityBlocks ?? Infinity;
    if (this.usedBlocks + this.reservedBlocks - reserved + newBlocks > capacity) throw new FsError('ENOSPC', 'memory store full');
    this.reservedBlocks -= reserved;
    this.writes++;
    this.ensure(end);
    ioVecGather(src, this.bytes, pos);
    this.length = Math.max(this.length, end);
  }

  async sync(): Promise<void> {
    await this.pause();
    this.syncs++;
  }

  bmap(index: number): number | null {
    return index * PAGE_SIZE < this.length ? index : null;
  }

  /** The file's current contents in the store (not the cache). */
  contents(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }

  private ensure(size: number): void {
    if (size <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(size, this.bytes.length * 2));
    grown.set(this.bytes);
    this.bytes = grown;
  }

  private pause(): Promise<void> {
    return this.options.yieldToEventLoop ? new Promise((resolve) => setImmediate(resolve)) : Promise.resolve();
  }
}
