/**
 * The image layout: where each region lives, and the superblock that describes them.
 *
 *   block 0            superblock copy A
 *   block 1            superblock copy B
 *   log                append-only metadata log (commit records, 512-byte aligned)
 *   checkpoint slot 0  a full metadata snapshot
 *   checkpoint slot 1  the other snapshot (the superblock names the newer one)
 *   data               file blocks
 *
 * Both superblock copies carry a generation and a CRC32C: a torn write can spoil one copy, never both,
 * because they are written one after the other with a device sync in between (mirrors ext4's backup
 * superblocks, kept here for crash safety rather than for media errors). A power cut between the two
 * writes leaves B valid but older, naming the previous slot; mount rewrites such a copy before its own
 * checkpoint overwrites that slot.
 */
import { crc32c } from '@node-rs/crc32';

export const BLOCK_SIZE = 4096;
/** Log records start on sector boundaries, so a scan for later records after a damaged one is cheap. */
export const SECTOR_SIZE = 512;
/**
 * 3: inode records carry a device number and flags, and a ranged unmap record punches holes mid-file.
 * 2: inode times in nanoseconds (version 1 held milliseconds). fsck --repair upgrades 1 and 2.
 */
export const FORMAT_VERSION = 3;
export const MAGIC = 'COHEREFS';
export const MAX_NAME_BYTES = 255;
export const MAX_SYMLINK_BYTES = 4095;
/** ext4's limit with 4 KiB blocks; sparse files may be this long whatever the image's size. */
export const MAX_FILE_SIZE = 2 ** 44;
export const ROOT_INO = 1;
export const MIN_IMAGE_SIZE = 2 * 2 ** 20;

export interface Geometry {
  blockSize: number;
  totalBlocks: number;
  logStart: number;
  logBlocks: number;
  checkpointStart: [number, number];
  checkpointBlocks: number;
  dataStart: number;
  dataBlocks: number;
}

export interface Superblock {
  geometry: Geometry;
  /** Bumped by every superblock write; mount takes the valid copy with the higher one. */
  generation: number;
  /** The checkpoint slot (0 or 1) holding the newer snapshot. */
  activeSlot: number;
  /** The active checkpoint's epoch; only log records of this epoch follow it. */
  epoch: number;
}

export interface GeometryOptions {
  /** Log region size in bytes (default: 1/32 of the image, 256K to 64M). */
  logSize?: number;
  /** Each checkpoint slot's size in bytes (default: 1/32 of the image, 256K to 256M). */
  checkpointSize?: number;
}

const clampBlocks = (blocks: number, min: number, max: number): number => Math.min(max, Math.max(min, blocks));

export function computeGeometry(size: number, options: GeometryOptions = {}): Geometry {
  const totalBlocks = Math.floor(size / BLOCK_SIZE);
  const logBlocks = options.logSize
    ? Math.ceil(options.logSize / BLOCK_SIZE)
    : clampBlocks(Math.floor(totalBlocks / 32), 64, 16384);
  const checkpointBlocks = options.checkpointSize
    ? Math.ceil(options.checkpointSize / BLOCK_SIZE)
    : clampBlocks(Math.floor(totalBlocks / 32), 64, 65536);
  const logStart = 2;
  const slot0 = logStart + logBlocks;
  const slot1 = slot0 + checkpointBlocks;
  const dataStart = slot1 + checkpointBlocks;
  return {
    blockSize: BLOCK_SIZE,
    totalBlocks,
    logStart,
    logBlocks,
    checkpointStart: [slot0, slot1],
    checkpointBlocks,
    dataStart,
    dataBlocks: totalBlocks - dataStart,
  };
}

const SB_BYTES = 128;
const SB_CRC_AT = SB_BYTES - 4;

export function encodeSuperblock(sb: Superblock, version = FORMAT_VERSION): Buffer {
  const buf = Buffer.alloc(SB_BYTES);
  const g = sb.geometry;
  buf.write(MAGIC, 0, 'latin1');
  buf.writeUInt32LE(version, 8);
  buf.writeUInt32LE(g.blockSize, 12);
  const fields = [g.totalBlocks, g.logStart, g.logBlocks, g.checkpointStart[0], g.checkpointStart[1],
    g.checkpointBlocks, g.dataStart, g.dataBlocks, sb.generation, sb.activeSlot, sb.epoch];
  fields.forEach((value, i) => buf.writeDoubleLE(value, 16 + 8 * i));
  buf.writeUInt32LE(crc32c(buf.subarray(0, SB_CRC_AT)), SB_CRC_AT);
  return buf;
}

export type SuperblockCopy =
  | { status: 'ok'; sb: Superblock }
  | { status: 'no-magic' | 'bad-crc' | 'bad-geometry' }
  | { status: 'bad-version'; version: number };

/**
 * Decode one superblock copy of format `version` (the superblock itself is the same in every
 * version), saying precisely what is wrong with it.
 */
export function decodeSuperblock(buf: Buffer, version = FORMAT_VERSION): SuperblockCopy {
  if (buf.length < SB_BYTES || buf.toString('latin1', 0, 8) !== MAGIC) return { status: 'no-magic' };
  if (crc32c(buf.subarray(0, SB_CRC_AT)) !== buf.readUInt32LE(SB_CRC_AT)) return { status: 'bad-crc' };
  const found = buf.readUInt32LE(8);
  if (found !== version) return { status: 'bad-version', version: found };
  const f = (i: number): number => buf.readDoubleLE(16 + 8 * i);
  const geometry: Geometry = {
    blockSize: buf.readUInt32LE(12),
    totalBlocks: f(0),
    logStart: f(1),
    logBlocks: f(2),
    checkpointStart: [f(3), f(4)],
    checkpointBlocks: f(5),
    dataStart: f(6),
    dataBlocks: f(7),
  };
  const sb: Superblock = { geometry, generation: f(8), activeSlot: f(9), epoch: f(10) };
  return geometryIsSane(geometry) && (sb.activeSlot === 0 || sb.activeSlot === 1)
    ? { status: 'ok', sb }
    : { status: 'bad-geometry' };
}

function geometryIsSane(g: Geometry): boolean {
  return g.blockSize === BLOCK_SIZE && g.logStart === 2 && g.checkpointStart[0] === g.logStart + g.logBlocks
    && g.checkpointStart[1] === g.checkpointStart[0] + g.checkpointBlocks
    && g.dataStart === g.checkpointStart[1] + g.checkpointBlocks && g.dataStart + g.dataBlocks === g.totalBlocks
    && g.dataBlocks > 0;
}
