/** mkfs: lay out a fresh image (a sparse file) holding an empty root directory. */
import { open, stat, unlink } from 'node:fs/promises';
import { frameCheckpoint } from './checkpoint.js';
import { FileDevice, type ImageDevice } from './device.js';
import { ImageLock } from './image-lock.js';
import { S_IFDIR } from './inode.js';
import { BLOCK_SIZE, computeGeometry, encodeSuperblock, type Geometry, type GeometryOptions, MIN_IMAGE_SIZE, ROOT_INO } from './layout.js';
import { preallocate } from './preallocate.js';
import { encodeOps } from './records.js';
import { check } from '../util/errno.js';
import { currentTime } from '../util/file-time.js';

export interface MkfsOptions extends GeometryOptions {
  size: number;
  /** Overwrite an existing non-empty file. */
  force?: boolean;
  /** Have the host allocate the whole image now, so that it can never fill up under it. */
  preallocate?: boolean;
}

/** The layout of an image of `size` bytes, or EINVAL when one that small cannot hold the format. */
function checkedGeometry(size: number, options: GeometryOptions): Geometry {
  check(size >= MIN_IMAGE_SIZE, 'EINVAL', `an image needs at least ${MIN_IMAGE_SIZE} bytes`);
  const geometry = computeGeometry(size, options);
  check(geometry.dataBlocks >= 16, 'EINVAL', 'the image is too small for its log and checkpoints');
  return geometry;
}

/** Write the format onto a zeroed device of the given size. */
export async function mkfsDevice(device: ImageDevice, options: GeometryOptions = {}): Promise<Geometry> {
  const geometry = checkedGeometry(device.size, options);
  const now = currentTime();
  const root = { ino: ROOT_INO, mode: S_IFDIR | 0o755, nlink: 2, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0,
    rdev: 0, flags: 0, size: 0, atimeNs: now, mtimeNs: now, ctimeNs: now, target: '' };
  const epoch = 1;
  await device.write(geometry.checkpointStart[0] * BLOCK_SIZE, frameCheckpoint(epoch, encodeOps([{ kind: 'inode', attrs: root }])));
  const sb = encodeSuperblock({ geometry, generation: 1, activeSlot: 0, epoch });
  await device.write(0, sb);
  await device.write(BLOCK_SIZE, sb);
  await device.sync();
  return geometry;
}

/**
 * Create IMAGE as a sparse file of options.size bytes (rounded down to whole blocks) and format it.
 * Everything that can be refused is checked before the old file loses a byte: the geometry, the
 * lock, and whether this filesystem takes a file that long (an image that fails with EFBIG after being
 * emptied is lost to --force).
 */
export async function mkfs(imagePath: string, options: MkfsOptions): Promise<Geometry> {
  const size = Math.floor(options.size / BLOCK_SIZE) * BLOCK_SIZE;
  checkedGeometry(size, options);
  const existing = await stat(imagePath).catch(() => null);
  if (existing) {
    check(existing.isFile(), 'EINVAL', `${imagePath} is not a regular file`);
    check(existing.size === 0 || options.force === true, 'EEXIST', `${imagePath} exists and is not empty (use --force to overwrite it)`);
  }
  // The lock is on the image file itself, so a new image is created (empty) before it is locked.
  if (!existing) await (await open(imagePath, 'wx')).close();
  const lock = await ImageLock.acquire(imagePath);
  try {
    const handle = await open(imagePath, 'r+');
    try {
      // Growing to the new size first only adds a hole at the end: if the length is refused, the old
      // image is as it was. (Not longer than the old file: a file that long exists already.)
      if (size > (existing?.size ?? 0)) await handle.truncate(size);
      // Truncating to 0 then drops every old block: the new image starts all zeros, and sparse.
      await handle.truncate(0);
      await handle.truncate(size);
      if (options.preallocate) await preallocate(imagePath, size);
    } catch (err) {
      if (!existing) await unlink(imagePath).catch(() => undefined);
      throw err;
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
