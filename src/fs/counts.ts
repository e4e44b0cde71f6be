/**
 * What the metadata implies about its inodes, for the checker, for repair and for mount: the link
 * count each inode should have, and the next free inode number.
 */
import { type Inode, isDir } from './inode.js';
import { ROOT_INO } from './layout.js';
import type { Metadata } from './metadata.js';

export interface LinkCounts {
  /** The directory entries naming the inode. */
  names(ino: number): number;
  /** The directories among the directory's entries (each one's '..' links to it). */
  subdirs(ino: number): number;
  /** The nlink the entries give: a directory has 2 ('.' and its name) + one per subdirectory, any other inode its names. */
  expected(inode: Inode): number;
}

/** Count the names of every inode and the subdirectories of every directory; entries naming a missing inode count for nothing. */
export function linkCounts(meta: Metadata): LinkCounts {
  const names = new Map<number, number>();
  const subdirs = new Map<number, number>();
  for (const dir of meta.inodes.values()) {
    for (const ino of dir.entries?.values() ?? []) {
      const child = meta.get(ino);
      if (!child) continue;
      names.set(ino, (names.get(ino) ?? 0) + 1);
      if (isDir(child.mode)) subdirs.set(dir.ino, (subdirs.get(dir.ino) ?? 0) + 1);
    }
  }
  const counts: LinkCounts = {
    names: (ino) => names.get(ino) ?? 0,
    subdirs: (ino) => subdirs.get(ino) ?? 0,
    expected: (inode) => (isDir(inode.mode) ? 2 + counts.subdirs(inode.ino) : counts.names(inode.ino)),
  };
  return counts;
}

/** The inode number after the highest in use (after the root's on an empty image). */
export function nextIno(meta: Metadata): number {
  let max = ROOT_INO;
  for (const ino of meta.inodes.keys()) max = Math.max(max, ino);
  return max + 1;
}
