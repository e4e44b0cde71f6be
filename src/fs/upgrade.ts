/**
 * Upgrading an image of an older format version, as part of `coherefs fsck --repair` (repair.ts).
 * Version 1 held inode times as f64 milliseconds; version 2 holds them in nanoseconds, which every
 * millisecond converts to exactly. Version 3 adds a device number and flags to the inode record
 * (both 0 for what an older version stored) and a ranged unmap record. Repair reads an old image
 * with its version's record decoding (records.ts keeps them) and writes it back as it writes every
 * repair: a fresh checkpoint of the current format in the idle slot, then both superblocks. Data
 * blocks are not touched.
 *
 * A crash at any point leaves an image that reads as one version or the other: until a superblock
 * names the new checkpoint, the old checkpoint and log are intact; once one does, the other copy
 * (still the old version) reads as spoiled, and mount or repair rewrites it. A copy already stale (a power
 * cut between two earlier superblock writes) names the slot the checkpoint overwrites, so repair
 * rewrites it first from the one in use, in the old version: a copy of the new version naming the
 * old checkpoint would be read with the new decoding.
 */
import type { ImageDevice } from './device.js';
import { BLOCK_SIZE, decodeSuperblock, FORMAT_VERSION } from './layout.js';
import { MS_TIMES_VERSION } from './records.js';

/** A version fsck --repair upgrades (every one older than the current). */
export const isUpgradable = (version: number): boolean => version >= MS_TIMES_VERSION && version < FORMAT_VERSION;

/**
 * The format version to read the image as: an older one when no superblock copy is of the current
 * format and one is of that version, else the current one (whose load reports whatever else is wrong).
 */
export async function versionToRead(device: ImageDevice): Promise<number> {
  const copies = [];
  for (const block of [0, 1]) {
    const buf = Buffer.alloc(BLOCK_SIZE);
    await device.read(block * BLOCK_SIZE, buf);
    copies.push(decodeSuperblock(buf));
  }
  if (copies.some((c) => c.status === 'ok')) return FORMAT_VERSION;
  const old = copies.find((c) => c.status === 'bad-version' && isUpgradable(c.version));
  return old?.status === 'bad-version' ? old.version : FORMAT_VERSION;
}

/** What an upgrade from each older version changes, for its repair line. */
const UPGRADE_CHANGES = new Map([
  [1, 'inode times kept exactly, now in nanoseconds; inodes gain device numbers and flags'],
  [2, 'inodes gain device numbers and flags; files kept as they were'],
]);

/** The repair line of an upgrade from `version`. */
export const upgradeRepair = (version: number): string =>
  `format version ${version} upgraded to ${FORMAT_VERSION} (${UPGRADE_CHANGES.get(version)})`;
