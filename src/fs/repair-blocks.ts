/**
 * fsck --repair's block-map pass: blocks mapped past a file's end, outside the data region, or
 * claimed twice (by two files, or twice by one). A block claimed twice stays with its first owner (the
 * lowest inode, then the lowest file block); the other claim gets a copy of its data in a free block,
 * or is unmapped when none is free, the loss reported in bytes (e2fsck's pass 1B-1D clones likewise).
 * Leaked blocks need nothing: free space is rebuilt from the block maps at every mount, so a block no
 * map names is already free.
 */
import { Allocator } from './allocator.js';
import { isReg, type Inode } from './inode.js';
import { BLOCK_SIZE, type Geometry } from './layout.js';
import type { Metadata } from './metadata.js';
import { INODE_EOFBLOCKS } from './records.js';

/** A data block to copy before the repaired metadata is written (`to` was free). */
export interface BlockCopy {
  from: number;
  to: number;
}

/** One bad claim: file block lblk of inode `ino` maps device block pblk. */
interface Claim {
  ino: number;
  lblk: number;
  pblk: number;
}

/** Repair the block maps; returns the copies to make. Each repair appends one line to `repairs`. */
export function repairBlocks(meta: Metadata, g: Geometry, repairs: string[]): BlockCopy[] {
  const files = [...meta.inodes.values()].filter((i) => isReg(i.mode)).sort((a, b) => a.ino - b.ino);
  for (const file of files) unmapPastEnd(meta, file, repairs);
  const allocator = new Allocator(g.dataStart, g.dataBlocks);
  const { outside, second } = claimAll(files, g, allocator);
  for (const run of runsOf(outside)) {
    const lost = run.reduce((n, c) => n + unmapBlock(meta, c), 0);
    repairs.push(`inode ${run[0]!.ino}: ${describe(run)}, outside the data region: unmapped, ${lost} bytes lost`);
  }
  const owners = firstOwners(files, new Set(second.map((c) => c.pblk)));
  return runsOf(second).flatMap((run) => {
    const copies = mapToFreeBlocks(meta, run, allocator);
    const lost = run.slice(copies.length).reduce((n, c) => n + unmapBlock(meta, c), 0);
    const others = [...new Set(run.map((c) => owners.get(c.pblk)!))].join(', ');
    const outcome = [
      copies.length ? `copied to free ${blockList(copies.map((c) => c.to))}` : '',
      copies.length < run.length ? `no free block for ${run.length - copies.length}: unmapped, ${lost} bytes lost` : '',
    ].filter(Boolean).join('; ');
    repairs.push(`inode ${run[0]!.ino}: ${describe(run)}, also claimed by inode ${others}, which keeps ${run.length === 1 ? 'it' : 'them'}: ${outcome}`);
    return copies;
  });
}

/** Claim every mapped block in order; returns the claims outside the data region and the second claims. */
function claimAll(files: Inode[], g: Geometry, allocator: Allocator): { outside: Claim[]; second: Claim[] } {
  const outside: Claim[] = [];
  const second: Claim[] = [];
  for (const file of files) {
    for (const e of file.extents!.all()) {
      for (let i = 0; i < e.len; i++) {
        const pblk = e.pblk + i;
        if (pblk < g.dataStart || pblk >= g.dataStart + g.dataBlocks) outside.push({ ino: file.ino, lblk: e.lblk + i, pblk });
        else if (!allocator.claim(pblk, 1)) second.push({ ino: file.ino, lblk: e.lblk + i, pblk });
      }
    }
  }
  return { outside, second };
}

/**
 * Map the claims of a run to free blocks, as many as there are free (the first ones); the copies to
 * make. The caller unmaps the rest.
 */
function mapToFreeBlocks(meta: Metadata, run: Claim[], allocator: Allocator): BlockCopy[] {
  const copies: BlockCopy[] = [];
  for (const claim of run) {
    const to = allocator.alloc(1)?.[0]?.pblk;
    if (to === undefined) break;
    meta.apply({ kind: 'map', ino: claim.ino, lblk: claim.lblk, pblk: to, len: 1 });
    copies.push({ from: claim.pblk, to });
  }
  return copies;
}

/** Unmap the blocks at or past the file's end: they hold nothing a read can see (unless fallocate kept them there). */
function unmapPastEnd(meta: Metadata, file: Inode, repairs: string[]): void {
  if (file.flags & INODE_EOFBLOCKS) return;
  const endBlock = Math.ceil(file.size / BLOCK_SIZE);
  const runs = file.extents!.all();
  const last = runs[runs.length - 1];
  if (!last || last.lblk + last.len <= endBlock) return;
  const freed = meta.apply({ kind: 'punch', ino: file.ino, lblk: endBlock }).reduce((n, e) => n + e.len, 0);
  repairs.push(`inode ${file.ino}: ${freed} blocks mapped past the end of the file (size ${file.size}): unmapped, no data lost`);
}

/** Unmap one file block, keeping the rest of the map. Returns the bytes of the file it held. */
function unmapBlock(meta: Metadata, claim: Claim): number {
  const file = meta.get(claim.ino)!;
  meta.apply({ kind: 'unmap', ino: claim.ino, lblk: claim.lblk, len: 1 });
  return Math.max(0, Math.min(BLOCK_SIZE, file.size - claim.lblk * BLOCK_SIZE));
}

/** The first claim of each block in `blocks`, in the order the claims were made, as 'INO'. */
function firstOwners(files: Inode[], blocks: Set<number>): Map<number, number> {
  const owners = new Map<number, number>();
  if (blocks.size === 0) return owners;
  for (const file of files) {
    for (const e of file.extents!.all()) {
      for (let p = e.pblk; p < e.pblk + e.len; p++) if (blocks.has(p) && !owners.has(p)) owners.set(p, file.ino);
    }
  }
  return owners;
}

/** Claims grouped into runs of one file, contiguous in file and on the device (one line each). */
function runsOf(claims: Claim[]): Claim[][] {
  const runs: Claim[][] = [];
  for (const c of claims) {
    const run = runs[runs.length - 1];
    const prev = run?.[run.length - 1];
    if (run && prev!.ino === c.ino && prev!.lblk + 1 === c.lblk && prev!.pblk + 1 === c.pblk) run.push(c); else runs.push([c]);
  }
  return runs;
}

function describe(run: Claim[]): string {
  const first = run[0]!, last = run[run.length - 1]!;
  return run.length === 1
    ? `file block ${first.lblk} maps device block ${first.pblk}`
    : `file blocks ${first.lblk}-${last.lblk} map device blocks ${first.pblk}-${last.pblk}`;
}

/** 'block 7' or 'blocks 7-9, 12': block numbers as ranges. */
function blockList(blocks: number[]): string {
  const ranges: string[] = [];
  for (let i = 0; i < blocks.length;) {
    let j = i;
    while (j + 1 < blocks.length && blocks[j + 1] === blocks[j]! + 1) j++;
    ranges.push(i === j ? `${blocks[i]}` : `${blocks[i]}-${blocks[j]}`);
    i = j + 1;
  }
  return `${blocks.length === 1 ? 'block' : 'blocks'} ${ranges.join(', ')}`;
}
