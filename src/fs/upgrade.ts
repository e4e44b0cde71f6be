/**
 * Upgrading an image of an older format version, as part of `coherefs fsck --repair` (repair.ts).
 * Version 1 held inode times as f64 milliseconds; version 2 holds them in nanoseconds, which every
 * millisecond converts to exactly. Repair reads a version 1 image with version 1's record decoding
 * (records.ts keeps it) and writes it back as it writes every repair: a fresh checkpoint of the
 * current format in the idle slot, then both superblocks. Data blocks are not touched.
 *
 * A crash at any point leaves an image that reads as one version or the other: until a superblock
 * names the new checkpoint, the old checkpoint and log are intact; once one does, the other copy
 * (still version 1) reads as spoiled, and mount or repair rewrites it. A copy already stale (a power
 * cut between two earlier superblock writes) names the slot the checkpoint overwrites, so repair
 * rewrites it first from the one in use, in the old version: a copy of the new version naming the
 * old checkpoint would be read with the new decoding.
 */
import type { ImageDevice } from './device.js';
import { BLOCK_SIZE, decodeSuperblock, FORMAT_VERSION } from './layout.js';
import { MS_TIMES_VERSION } from './records.js';

/**
 * The format version to read the image as: version 1 when no superblock copy is of the current
 * format and one is of version 1, else the current one (whose load reports whatever else is wrong).
 */
export async function versionToRead(device: ImageDevice): Promise<number> {
  const copies = [];
  for (const block of [0, 1]) {
    const buf = Buffer.alloc(BLOCK_SIZE);
    await device.read(block * BLOCK_SIZE, buf);
    copies.push(decodeSuperblock(buf));
  }
  const old = copies.every((c) => c.status !== 'ok') && copies.some((c) => c.status === 'bad-version' && c.version === MS_TIMES_VERSION);
  return old ? MS_TIMES_VERSION : FORMAT_VERSION;
}

/** The repair line of an upgrade from `version`. */
export const upgradeRepair = (version: number): string =>
  `format version ${version} upgraded to ${FORMAT_VERSION} (inode times kept exactly, now in nanoseconds)`;
