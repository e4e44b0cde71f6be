/**
 * A file held in memory, as the BackingStore of the deadlock demo: the deadlock lives entirely in
 * the page-cache core, so the demo needs no image (and a deadlocked task would hold an image forever).
 */
import { PAGE_SIZE, type BackingStore } from '../../mm/api.js';
import { ioVecGather, ioVecLength, ioVecScatter, type IoVec } from '../../util/iovec.js';

export class MemoryFileStore implements BackingStore {
  private bytes: Uint8Array;

  constructor(initial: Uint8Array) {
    this.bytes = initial.slice();
  }

  /** The file as stored (not as cached). */
  contents(): Uint8Array {
    return this.bytes.slice();
  }

  size(): number {
    return this.bytes.length;
  }

  async setSize(size: number): Promise<void> {
    const resized = new Uint8Array(size);
    resized.set(this.bytes.subarray(0, size));
    this.bytes = resized;
  }

  async extendSize(size: number): Promise<void> {
    if (size > this.bytes.length) await this.setSize(size);
  }

  async read(pos: number, dst: IoVec): Promise<void> {
    ioVecScatter(this.bytes.subarray(Math.min(pos, this.bytes.length)), dst);
  }

  async write(pos: number, src: IoVec): Promise<void> {
    const end = pos + ioVecLength(src);
    await this.extendSize(end);
    ioVecGather(src, this.bytes, pos);
  }

  async sync(): Promise<void> {}

  /** Memory has room for whatever the demo writes: nothing to hold. */
  reserve(): void {}

  unreserve(): void {}

  bmap(index: number): number | null {
    return index * PAGE_SIZE < this.bytes.length ? index : null;
  }
}

/** `pages` pages, page i filled with the byte (fill + i) & 0xff: any misplaced page shows. */
export function filledPages(pages: number, fill: number): Uint8Array {
  const bytes = new Uint8Array(pages * PAGE_SIZE);
  for (let i = 0; i < pages; i++) bytes.fill((fill + i) & 0xff, i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
  return bytes;
}
