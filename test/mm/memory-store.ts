/** An in-memory BackingStore for the mm tests; `yieldEvery` makes each call yield to the event loop. */
import type { BackingStore } from '../../src/mm/api.js';
import { PAGE_SIZE } from '../../src/mm/api.js';
import { ioVecGather, ioVecLength, ioVecScatter, type IoVec } from '../../src/util/iovec.js';

export class MemoryStore implements BackingStore {
  bytes = new Uint8Array(0);
  length = 0;
  syncs = 0;
  writes = 0;

  constructor(private readonly options: { yieldToEventLoop?: boolean } = {}) {}

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

  async write(pos: number, src: IoVec): Promise<void> {
    await this.pause();
    this.writes++;
    const end = pos + ioVecLength(src);
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
