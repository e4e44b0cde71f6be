/**
 * FramePool: page frames carved from a few large ArrayBuffers, grown on demand, never a Buffer per
 * page (DESIGN §8: the frames could later live in one SharedArrayBuffer shared by workers).
 */
import { PAGE_SIZE } from './page.js';

const CHUNK_BYTES = 4 * 1024 * 1024;

export class FramePool {
  private readonly free: Uint8Array[] = [];
  private readonly chunkBytes: number;
  private totalFrames = 0;

  constructor(boundBytes: number) {
    this.chunkBytes = Math.max(PAGE_SIZE, Math.min(CHUNK_BYTES, Math.ceil(boundBytes / PAGE_SIZE) * PAGE_SIZE));
  }

  alloc(): Uint8Array {
    if (this.free.length === 0) this.grow();
    return this.free.pop()!;
  }

  release(frame: Uint8Array): void {
    this.free.push(frame);
  }

  /** Frames ever carved (in use or free). */
  get frames(): number {
    return this.totalFrames;
  }

  private grow(): void {
    const chunk = new ArrayBuffer(this.chunkBytes);
    for (let off = 0; off < this.chunkBytes; off += PAGE_SIZE) this.free.push(new Uint8Array(chunk, off, PAGE_SIZE));
    this.totalFrames += this.chunkBytes / PAGE_SIZE;
  }
}
