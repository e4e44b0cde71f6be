/**
 * fsck: a read-only check of an image. Loads it as mount would (superblocks, checkpoint, log) and
 * applies the consistency rules; reports every problem found and writes nothing.
 */
import { checkMetadata } from './check.js';
import { FileDevice, type ImageDevice } from './device.js';
import { ImageLock } from './image-lock.js';
import { isDir, isLnk, isReg } from './inode.js';
import { loadImage, type Progress } from './load.js';

export interface FsckReport {
  clean: boolean;
  /** Damage: each one makes the report unclean. */
  problems: string[];
  /** Facts worth knowing that are not damage (e.g. a torn log tail after a crash). */
  notes: string[];
  summary?: { files: number; directories: number; symlinks: number; usedBlocks: number; freeBlocks: number; dataBlocks: number };
}

export interface FsckOptions {
  onProgress?: Progress;
}

export async function fsck(target: string | ImageDevice, options: FsckOptions = {}): Promise<FsckReport> {
  const device = typeof target === 'string' ? await FileDevice.open(target, { readOnly: true }) : target;
  try {
    const loaded = await loadImage(device, options.onProgress);
    const problems = loaded.problems.map((p) => `${p.where}: ${p.message}`);
    if (!('meta' in loaded)) return { clean: false, problems, notes: [] };
    const checked = checkMetadata(loaded.meta, loaded.sb.geometry);
    problems.push(...checked.problems);
    const notes = [...loaded.notes];
    const owner = typeof target === 'string' ? await ImageLock.holder(target) : null;
    if (owner !== null) notes.push(`mounted by process ${owner}: this is the image as of its last commit`);
    for (const ino of checked.orphans) notes.push(`inode ${ino}: unlinked while open, not yet freed (mount frees it)`);
    const inodes = [...loaded.meta.inodes.values()];
    const g = loaded.sb.geometry;
    return {
      clean: problems.length === 0,
      problems,
      notes,
      summary: {
        files: inodes.filter((i) => isReg(i.mode)).length,
        directories: inodes.filter((i) => isDir(i.mode)).length,
        symlinks: inodes.filter((i) => isLnk(i.mode)).length,
        usedBlocks: g.dataBlocks - checked.allocator.free,
        freeBlocks: checked.allocator.free,
        dataBlocks: g.dataBlocks,
      },
    };
  } finally {
    if (typeof target === 'string') await device.close();
  }
}
