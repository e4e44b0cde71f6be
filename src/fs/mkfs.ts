/** mkfs: lay out a fresh image (a sparse file) holding an empty root directory. */
import { open, stat } from 'node:fs/promises';
import { frameCheckpoint } from './checkpoint.js';
import { FileDevice, type ImageDevice } from './device.js';
import { ImageLock } from './image-lock.js';
import { S_IFDIR } from './inode.js';
import { BLOCK_SIZE, computeGeometry, encodeSuperblock, type Geometry, type GeometryOptions, MIN_IMAGE_SIZE, ROOT_INO } from './layout.js';
import { encodeOps } from './records.js';
import { check } from '../util/errno.js';

export interface MkfsOptions extends GeometryOptions {
  size: number;
  /** Overwrite an existing non-empty file. */
  force?: boolean;
}

/** Write the format onto a zeroed device of the given size. */
export async function mkfsDevice(device: ImageDevice, options: GeometryOptions = {}): Promise<Geometry> {
  check(device.size >= MIN_IMAGE_SIZE, 'EINVAL', `an image needs at least ${MIN_IMAGE_SIZE} bytes`);
  const geometry = computeGeometry(device.size, options);
  check(geometry.dataBlocks >= 16, 'EINVAL', 'the image is too small for its log and checkpoints');
  const now = Date.now();
  const root = { ino: ROOT_INO, mode: S_IFDIR | 0o755, nlink: 2, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0,
    size: 0, atimeMs: now, mtimeMs: now, ctimeMs: now, target: '' };
  const epoch = 1;
  await device.write(geometry.checkpointStart[0] * BLOCK_SIZE, frameCheckpoint(epoch, encodeOps([{ kind: 'inode', attrs: root }])));
  const sb = encodeSuperblock({ geometry, generation: 1, activeSlot: 0, epoch });
  await device.write(0, sb);
  await device.write(BLOCK_SIZE, sb);
  await device.sync();
  return geometry;
}

/** Create IMAGE as a sparse file of options.size bytes (rounded down to whole blocks) and format it. */
export async function mkfs(imagePath: string, options: MkfsOptions): Promise<Geometry> {
  const size = Math.floor(options.size / BLOCK_SIZE) * BLOCK_SIZE;
  check(size >= MIN_IMAGE_SIZE, 'EINVAL', `size must be at least ${MIN_IMAGE_SIZE} bytes`);
  const existing = await stat(imagePath).catch(() => null);
  if (existing) {
    check(existing.isFile(), 'EINVAL', `${imagePath} is not a regular file`);
    check(existing.size === 0 || options.force === true, 'EEXIST', `${imagePath} exists and is not empty (use --force to overwrite it)`);
  }
  const lock = await ImageLock.acquire(imagePath);
  try {
    const handle = await open(imagePath, existing ? 'r+' : 'wx');
    try {
      // Truncating to 0 first drops every old block: the new image starts all zeros, and sparse.
      await handle.truncate(0);
      await handle.truncate(size);
    } finally {
      await handle.close();
    }
    const device = await FileDevice.open(imagePath);
    try {
      return await mkfsDevice(device, options);
    } finally {
      await device.close();
    }
  } finally {
    await lock.release();
  }
}
