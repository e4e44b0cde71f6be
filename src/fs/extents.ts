/**
 * ExtentMap: one file's block map, file block -> device block, as sorted runs (ext4's extent tree
 * flattened into an array: files here have few extents, and a binary search finds one).
 */
export interface Extent {
  lblk: number;
  pblk: number;
  len: number;
}

export class ExtentMap {
  private runs: Extent[] = [];
  /** Blocks mapped, for st_blocks. */
  blocks = 0;

  get count(): number {
    return this.runs.length;
  }

  all(): readonly Extent[] {
    return this.runs;
  }

  /** Index of the last run starting at or before lblk, or -1. */
  private find(lblk: number): number {
    let lo = 0, hi = this.runs.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.runs[mid]!.lblk <= lblk) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }

  /** bmap: the device block behind file block lblk, or null for a hole. */
  lookup(lblk: number): number | null {
    const run = this.runs[this.find(lblk)];
    return run && lblk < run.lblk + run.len ? run.pblk + (lblk - run.lblk) : null;
  }

  /** The mapped length starting at lblk (0 in a hole), capped at max. */
  mappedRun(lblk: number, max: number): number {
    const run = this.runs[this.find(lblk)];
    return run && lblk < run.lblk + run.len ? Math.min(max, run.lblk + run.len - lblk) : 0;
  }

  /** Map [lblk, lblk+len) to [pblk, ...); whatever was mapped there is replaced (replay may repeat a map). */
  map(lblk: number, pblk: number, len: number): void {
    this.remove(lblk, lblk + len);
    let at = this.find(lblk) + 1;
    this.runs.splice(at, 0, { lblk, pblk, len });
    this.blocks += len;
    // Merge with neighbours that continue on disk, so sequential writes stay one extent.
    const next = this.runs[at + 1];
    if (next && next.lblk === lblk + len && next.pblk === pblk + len) {
      this.runs[at]!.len += next.len;
      this.runs.splice(at + 1, 1);
    }
    const prev = this.runs[at - 1];
    if (prev && prev.lblk + prev.len === lblk && prev.pblk + prev.len === pblk) {
      prev.len += this.runs[at]!.len;
      this.runs.splice(at, 1);
      at -= 1;
    }
  }

  /** Unmap every block from lblk on (truncate); returns the device ranges freed. */
  punchFrom(lblk: number): Extent[] {
    return this.remove(lblk, Infinity);
  }

  /** Unmap [lblk, lblk+len) (a hole punched mid-file); returns the device ranges freed. */
  punchRange(lblk: number, len: number): Extent[] {
    return this.remove(lblk, lblk + len);
  }

  /** The first mapped file block at or after lblk, or null when none is (SEEK_DATA's answer from the map). */
  nextMapped(lblk: number): number | null {
    const at = this.find(lblk);
    const run = this.runs[at];
    if (run && lblk < run.lblk + run.len) return lblk;
    return this.runs[at + 1]?.lblk ?? null;
  }

  /** The first unmapped file block at or after lblk (SEEK_HOLE's answer from the map). */
  nextUnmapped(lblk: number): number {
    let at = this.find(lblk);
    let end = lblk;
    for (let run = this.runs[at]; run && run.lblk <= end && end < run.lblk + run.len; run = this.runs[++at]) end = run.lblk + run.len;
    return end;
  }

  /** The holes of [lblk, end) as runs, in order. */
  holes(lblk: number, end: number): Array<{ lblk: number; len: number }> {
    const found: Array<{ lblk: number; len: number }> = [];
    for (let at = lblk; at < end;) {
      const hole = this.nextUnmapped(at);
      if (hole >= end) break;
      const next = Math.min(end, this.nextMapped(hole) ?? end);
      found.push({ lblk: hole, len: next - hole });
      at = next;
    }
    return found;
  }

  private remove(start: number, end: number): Extent[] {
    const freed: Extent[] = [];
    const replacement: Extent[] = [];
    const first = Math.max(0, this.find(start));
    let last = first;
    for (; last < this.runs.length && this.runs[last]!.lblk < end; last++) {
      const run = this.runs[last]!;
      const runEnd = run.lblk + run.len;
      if (runEnd <= start) { replacement.push(run); continue; }
      if (run.lblk < start) replacement.push({ lblk: run.lblk, pblk: run.pblk, len: start - run.lblk });
      const cutStart = Math.max(start, run.lblk), cutEnd = Math.min(end, runEnd);
      freed.push({ lblk: cutStart, pblk: run.pblk + (cutStart - run.lblk), len: cutEnd - cutStart });
      if (runEnd > end) replacement.push({ lblk: end, pblk: run.pblk + (end - run.lblk), len: runEnd - end });
    }
    if (freed.length === 0) return freed;
    this.runs.splice(first, last - first, ...replacement);
    for (const f of freed) this.blocks -= f.len;
    return freed;
  }
}
