/**
 * A file held in memory, as the BackingStore of the deadlock demo: the deadlock lives entirely in
 * the page-cache core, so the demo needs no image (and a deadlocked task would hold an image forever).
 */
import { PAGE_SIZE, type BackingStore } from '../../mm/api.js';

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

  async read(pos: number, dst: Uint8Array): Promise<void> {
    dst.fill(0);
    dst.set(this.bytes.subarray(pos, Math.min(this.bytes.length, pos + dst.length)));
  }

  async write(pos: number, src: Uint8Array): Promise<void> {
    if (pos + src.length > this.bytes.length) await this.setSize(pos + src.length);
    this.bytes.set(src, pos);
  }

  async sync(): Promise<void> {}

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
