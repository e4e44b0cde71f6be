/**
 * The consistency rules of the metadata, checked by fsck and by every mount: names point at inodes,
 * link counts match names, directories form one tree, blocks lie in the data region and belong to
 * one file, no block lies past its file's end (unless the file has INODE_EOFBLOCKS: fallocate
 * kept its size), only devices have a device number, no unknown inode flag. Building the allocator is
 * part of the check.
 */
import { Allocator } from './allocator.js';
import { linkCounts } from './counts.js';
import { BLOCK_SIZE, type Geometry, ROOT_INO } from './layout.js';
import { isDevice, isDir, isLnk, isReg, isSpecial } from './inode.js';
import type { Metadata } from './metadata.js';
import { INODE_EOFBLOCKS, INODE_FLAGS } from './records.js';

export interface CheckResult {
  problems: string[];
  /** Inodes with no name and no link (unlinked while open when the image was last used); mount frees them. */
  orphans: number[];
  allocator: Allocator;
}

export function checkMetadata(meta: Metadata, g: Geometry): CheckResult {
  const problems: string[] = [];
  const orphans: number[] = [];
  const allocator = new Allocator(g.dataStart, g.dataBlocks);
  const links = linkCounts(meta);

  const root = meta.get(ROOT_INO);
  if (!root || !isDir(root.mode)) problems.push('root directory (inode 1) is missing or not a directory');
  for (const dir of meta.inodes.values()) {
    for (const [name, ino] of dir.entries ?? []) {
      const child = meta.get(ino);
      if (!child) problems.push(`directory ${dir.ino}: entry '${name}' names missing inode ${ino}`);
      else if (isDir(child.mode) && child.parent !== dir.ino) problems.push(`directory ${ino} has more than one name`);
    }
  }
  for (const inode of meta.inodes.values()) {
    const where = `inode ${inode.ino}`;
    const named = links.names(inode.ino);
    const expected = links.expected(inode);
    if (!isDir(inode.mode) && !isReg(inode.mode) && !isLnk(inode.mode) && !isSpecial(inode.mode)) problems.push(`${where}: unknown file type (mode ${inode.mode.toString(8)})`);
    if (named === 0 && inode.nlink === 0 && inode.ino !== ROOT_INO) {
      orphans.push(inode.ino);
    } else if (isDir(inode.mode)) {
      if (inode.ino !== ROOT_INO && named === 0) problems.push(`${where}: directory has no name`);
      else if (inode.nlink !== expected) problems.push(`${where}: directory link count ${inode.nlink}, expected ${expected}`);
    } else if (inode.nlink !== expected) {
      problems.push(`${where}: link count ${inode.nlink}, but ${named} names`);
    }
    if (isLnk(inode.mode) && inode.target === '') problems.push(`${where}: symlink with an empty target`);
    if (inode.rdev !== 0 && !isDevice(inode.mode)) problems.push(`${where}: device number ${inode.rdev} on a node that is not a device (mode ${inode.mode.toString(8)})`);
    if (inode.flags & ~INODE_FLAGS) problems.push(`${where}: unknown inode flags ${(inode.flags & ~INODE_FLAGS).toString(16)}`);
    const blocksPastEnd = isReg(inode.mode) && (inode.flags & INODE_EOFBLOCKS) !== 0;
    for (const e of inode.extents?.all() ?? []) {
      if (!allocator.claim(e.pblk, e.len)) problems.push(`${where}: blocks ${e.pblk}+${e.len} lie outside the data region or belong to another file`);
      if (!blocksPastEnd && (e.lblk + e.len - 1) * BLOCK_SIZE >= inode.size) problems.push(`${where}: block ${e.lblk + e.len - 1} mapped past the end of the file (size ${inode.size})`);
    }
  }
  // Every directory must lead up to the root: no cycles, no detached subtrees.
  for (const dir of meta.inodes.values()) {
    if (!isDir(dir.mode) || dir.nlink === 0) continue;
    let at = dir, steps = 0;
    while (at.ino !== ROOT_INO && steps++ <= meta.inodes.size) {
      const up = meta.get(at.parent);
      if (!up) break;
      at = up;
    }
    if (at.ino !== ROOT_INO) problems.push(`directory ${dir.ino} is not connected to the root`);
  }
  return { problems, orphans, allocator };
}
