/**
 * fsck --repair's pass over the inode fields format version 3 added: a device number on a node that
 * is not a device is cleared, and so are inode flags this version does not know. Neither holds data.
 */
import { isDevice } from './inode.js';
import type { Metadata } from './metadata.js';
import { INODE_FLAGS } from './records.js';

/** Each repair appends one line to `repairs`. */
export function repairInodeFields(meta: Metadata, repairs: string[]): void {
  for (const inode of meta.inodes.values()) {
    if (inode.rdev !== 0 && !isDevice(inode.mode)) {
      repairs.push(`inode ${inode.ino}: device number ${inode.rdev} on a node that is not a device: cleared`);
      inode.rdev = 0;
    }
    const unknown = inode.flags & ~INODE_FLAGS;
    if (unknown) {
      repairs.push(`inode ${inode.ino}: unknown inode flags ${unknown.toString(16)}: cleared`);
      inode.flags &= INODE_FLAGS;
    }
  }
}
