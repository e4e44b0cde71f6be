/**
 * The buffers READ replies are read into, reused: a new buffer per READ (up to 1 MiB, outside the V8
 * heap) made V8 count that much more external memory each time, which it answers with full mark-sweep
 * collections of the whole heap, the page cache's objects included: half the daemon's CPU on 1 MiB
 * direct reads. A buffer is lent to one request and comes back once its reply is written (writev
 * copies it into the reader's pages before returning), or once the request failed. Knows nothing of
 * the Vfs.
 */
import { MAX_WRITE } from './init.js';

/** Buffers kept for reuse: enough for the READs served at once; more are left to the collector. */
const KEPT = 8;

export class ReadBuffers {
  private readonly free: Buffer[] = [];
  private readonly lent = new Map<bigint, Buffer>();

  /** A buffer of `size` bytes for request `unique`; the kernel asks for at most max_pages (MAX_WRITE). */
  lend(unique: bigint, size: number): Buffer {
    if (size > MAX_WRITE) return Buffer.allocUnsafe(size);
    const buffer = this.free.pop() ?? Buffer.allocUnsafe(MAX_WRITE);
    this.lent.set(unique, buffer);
    return buffer.subarray(0, size);
  }

  /** Request `unique` is answered: its buffer (if it had one) may serve the next READ. */
  giveBack(unique: bigint): void {
    const buffer = this.lent.get(unique);
    if (!buffer) return;
    this.lent.delete(unique);
    if (this.free.length < KEPT) this.free.push(buffer);
  }
}
