/**
 * fsck: a read-only check of an image. Loads it as mount would (superblocks, checkpoint, log) and
 * applies the consistency rules; reports every problem found and writes nothing. An image file in use
 * (mounted, or being formatted) is refused: between commits it does not hold a consistent state.
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

/** Context: takes an image file's lock, shared, for the check (EBUSY while it is mounted). */
export async function fsck(target: string | ImageDevice, options: FsckOptions = {}): Promise<FsckReport> {
  const lock = typeof target === 'string' ? await ImageLock.acquire(target, { shared: true }) : null;
  const device = typeof target === 'string'
    ? await FileDevice.open(target, { readOnly: true }).catch(async (err: unknown) => {
      await lock?.release();
      throw err;
    })
    : target;
  try {
    const loaded = await loadImage(device, options.onProgress, { image: typeof target === 'string' ? target : undefined });
    const problems = loaded.problems.map((p) => `${p.where}: ${p.message}${p.remedy ? ` (${p.remedy})` : ''}`);
    if (!('meta' in loaded)) return { clean: false, problems, notes: [] };
    const checked = checkMetadata(loaded.meta, loaded.sb.geometry);
    problems.push(...checked.problems);
    const notes = [...loaded.notes];
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
    await lock?.release();
  }
}
