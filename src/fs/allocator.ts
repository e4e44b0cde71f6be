/**
 * The block allocator: one byte per data block (0 free, 1 used), rebuilt from the extent maps at
 * mount, so it is never written to the image and can never disagree with it.
 * Freed blocks do not come back here directly: the journal holds them until the record that frees
 * them is durable (otherwise a crash could leave the old owner pointing at a new owner's data).
 */
import type { Extent } from './extents.js';

export interface Run {
  pblk: number;
  len: number;
}

export class Allocator {
  private readonly used: Uint8Array;
  private cursor = 0;
  free: number;

  constructor(private readonly dataStart: number, readonly dataBlocks: number) {
    this.used = new Uint8Array(dataBlocks);
    this.free = dataBlocks;
  }

  /** Claim blocks that an extent map already uses (mount). False when a block is outside data or claimed twice. */
  claim(pblk: number, len: number): boolean {
    let ok = true;
    for (let b = pblk - this.dataStart; b < pblk - this.dataStart + len; b++) {
      if (b < 0 || b >= this.dataBlocks || this.used[b]) { ok = false; continue; }
      this.used[b] = 1;
      this.free--;
    }
    return ok;
  }

  /** Allocate n blocks, as few runs as possible, next-fit from the last allocation; null if not enough free. */
  alloc(n: number): Run[] | null {
    if (n > this.free) return null;
    const runs: Run[] = [];
    let need = n;
    let b = this.cursor;
    for (let scanned = 0; need > 0 && scanned < this.dataBlocks; scanned++, b++) {
      if (b === this.dataBlocks) b = 0;
      if (this.used[b]) continue;
      this.used[b] = 1;
      need--;
      const last = runs[runs.length - 1];
      const pblk = this.dataStart + b;
      if (last && last.pblk + last.len === pblk) last.len++; else runs.push({ pblk, len: 1 });
    }
    this.cursor = b;
    this.free -= n;
    return runs;
  }

  release(extents: readonly (Run | Extent)[]): void {
    for (const { pblk, len } of extents) {
      this.used.fill(0, pblk - this.dataStart, pblk - this.dataStart + len);
      this.free += len;
    }
  }
}
