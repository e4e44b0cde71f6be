/**
 * fsck --repair: load what can be loaded (load.ts, salvaging a damaged log up to its first bad
 * record), repair the metadata in memory (repair-namespace.ts, repair-blocks.ts), check it with the
 * rules mount applies, and write it back as mount does: the stale superblock copy first, then a fresh
 * checkpoint, which starts an empty log and switches both superblock copies to it.
 *
 * An image of an older format version (1 or 2) is upgraded on the way: read as that version, written
 * back as the current version (upgrade.ts).
 *
 * What repair cannot fix it refuses, writing nothing: an image it cannot load (not an image, another
 * format version, both superblock copies bad, a bad checkpoint, a truncated image) or damage left
 * after its passes (an unknown file type, a root that is not a directory). Nothing an inode still
 * references is dropped, except a block claimed twice when no free block is left to copy it to
 * (reported in bytes); a damaged log loses what its later records committed (reported).
 */
import { checkMetadata } from './check.js';
import { FileDevice, type ImageDevice } from './device.js';
import { ImageError } from './image-error.js';
import { ImageLock } from './image-lock.js';
import { Journal } from './journal.js';
import { BLOCK_SIZE, decodeSuperblock, FORMAT_VERSION } from './layout.js';
import { loadImage, type LoadedImage, type Progress } from './load.js';
import { repairBlocks, type BlockCopy } from './repair-blocks.js';
import { repairNamespace } from './repair-namespace.js';
import { repairInodeFields } from './repair-inodes.js';
import { upgradeRepair, versionToRead } from './upgrade.js';

export interface RepairReport {
  /** The image is clean now: it was already, or the repairs made it so. */
  clean: boolean;
  /** One line per repair made, in order; empty when nothing was written. */
  repairs: string[];
  /** Why the image was not repaired (nothing was written): what repair cannot fix. */
  problems: string[];
}

export interface RepairOptions {
  onProgress?: Progress;
}

/**
 * Repair an image file, or a device.
 * Context: takes the image lock for the whole repair (ImageError EBUSY when the image is mounted).
 */
export async function repair(target: string | ImageDevice, options: RepairOptions = {}): Promise<RepairReport> {
  if (typeof target !== 'string') return repairDevice(target, 'IMAGE', options);
  const lock = await ImageLock.acquire(target);
  try {
    const device = await FileDevice.open(target).catch((err: NodeJS.ErrnoException) => {
      throw new ImageError(`cannot open ${target}: ${err.message}`, err.code === 'ENOENT' ? 'ENOENT' : 'EIO');
    });
    try {
      return await repairDevice(device, target, options);
    } finally {
      await device.close();
    }
  } finally {
    await lock.release();
  }
}

async function repairDevice(device: ImageDevice, image: string, options: RepairOptions): Promise<RepairReport> {
  const version = await versionToRead(device);
  const loaded = await loadImage(device, options.onProgress, { salvageLog: true, version, image });
  const fatal = loaded.problems.filter((p) => !p.mountable);
  if (fatal.length || !('meta' in loaded)) {
    return { clean: false, repairs: [], problems: fatal.map((p) => `${p.where}: ${p.message}`) };
  }
  const { meta, sb } = loaded;
  const repairs = [
    ...(version === FORMAT_VERSION ? [] : [upgradeRepair(version)]),
    ...await superblockRepairs(device, loaded, version),
    ...logRepairs(loaded),
  ];
  const before = checkMetadata(meta, sb.geometry);
  if (repairs.length === 0 && before.problems.length === 0 && before.orphans.length === 0) {
    return { clean: true, repairs: [], problems: [] };
  }
  repairNamespace(meta, repairs);
  repairInodeFields(meta, repairs);
  const copies = repairBlocks(meta, sb.geometry, repairs);
  const after = checkMetadata(meta, sb.geometry);
  if (after.problems.length) return { clean: false, repairs: [], problems: after.problems };

  await copyBlocks(device, copies);
  const journal = new Journal(device, sb, meta, after.allocator, loaded.logEnd, loaded.logSeq);
  await journal.rewriteSuperblocks(loaded.staleCopies, version);
  await journal.checkpoint();
  repairs.push(`wrote a fresh checkpoint (epoch ${journal.sb.epoch}) and both superblock copies; the log starts empty`);
  return { clean: true, repairs, problems: [] };
}

/** A superblock copy that is spoiled, or older than the other: rewritten from the one in use. */
async function superblockRepairs(device: ImageDevice, loaded: LoadedImage, version: number): Promise<string[]> {
  const lines: string[] = [];
  for (const copy of loaded.staleCopies) {
    const buf = Buffer.alloc(BLOCK_SIZE);
    await device.read(copy * BLOCK_SIZE, buf);
    const decoded = decodeSuperblock(buf, version);
    const why = decoded.status === 'ok' ? `generation ${decoded.sb.generation}, older (a power cut between the two superblock writes)` : decoded.status;
    lines.push(`superblock copy ${'AB'[copy]}: ${why}: rewritten from copy ${'BA'[copy]}`);
  }
  return lines;
}

/** The log's end: a torn record is discarded, as mount would; so is a damaged one and all after it. */
function logRepairs(loaded: LoadedImage): string[] {
  const record = `log: record ${loaded.logSeq}`;
  switch (loaded.logTail) {
    case 'clean': return [];
    case 'torn': return [`${record} is incomplete (a crash during its commit): discarded, as mount would`];
    case 'damaged': return [`${record} is damaged and valid records follow it: it and every record after it are discarded (the changes they committed are lost)`];
  }
}

/**
 * Copy doubly claimed blocks into the free blocks their second owner now maps; the checkpoint that
 * maps them syncs the device first (ordered mode).
 */
async function copyBlocks(device: ImageDevice, copies: BlockCopy[]): Promise<void> {
  const buf = Buffer.alloc(BLOCK_SIZE);
  for (const { from, to } of copies) {
    await device.read(from * BLOCK_SIZE, buf);
    await device.write(to * BLOCK_SIZE, buf);
  }
}
