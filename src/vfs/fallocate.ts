/**
 * fallocate(2) and lseek(2)'s SEEK_DATA/SEEK_HOLE on an open regular file: the modes the kernel
 * passes to FUSE (fuse_file_fallocate() refuses the others itself), each a change of the file's
 * blocks in the store (src/fs) kept coherent with the page cache (src/mm/fallocate.ts).
 */
import type { Filesystem } from '../fs/api.js';
import { changeFileBlocks, seekHoleData, type BlockMapSeek, type Mapping } from '../mm/api.js';
import { check, FsError } from '../util/errno.js';

/** include/uapi/linux/falloc.h */
export const FALLOC_FL_KEEP_SIZE = 0x01;
export const FALLOC_FL_PUNCH_HOLE = 0x02;
export const FALLOC_FL_ZERO_RANGE = 0x10;

/** lseek(2) whence values (include/uapi/linux/fs.h). */
export const SEEK_SET = 0;
export const SEEK_END = 2;
export const SEEK_DATA = 3;
export const SEEK_HOLE = 4;

/** The modes served: allocate (0), with KEEP_SIZE, punch (with KEEP_SIZE, as the VFS demands), zero with or without KEEP_SIZE. */
const SUPPORTED = new Set([0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, FALLOC_FL_ZERO_RANGE, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE]);

/**
 * One fallocate(2) call (mirrors bch2_fallocate_dispatch()). Allocation writes back the range's
 * dirty pages (those over holes use up their reservations, which the allocation would otherwise
 * take a second time), maps zeroed blocks over the holes left (ENOSPC, changing nothing, when the
 * image cannot hold them) and, without KEEP_SIZE, grows the file; a punch drops the range's cached pages (giving back the reservations of dirty
 * ones) and unmaps its blocks; a zero range allocates its holes first (so ENOSPC still changes
 * nothing), then drops the cached pages and zeroes the rest in place. Returns whether the file's
 * data or size changed (mtime and ctime then move).
 * Context: the caller holds the inode's write lock (i_size may grow); takes the mapping's block side.
 */
export async function fallocateFile(fs: Filesystem, ino: number, mapping: Mapping, mode: number, offset: number, length: number): Promise<boolean> {
  check(SUPPORTED.has(mode), 'EOPNOTSUPP', `fallocate mode ${mode.toString(16)} is not supported`);
  check(Number.isSafeInteger(offset) && offset >= 0 && Number.isSafeInteger(length) && length > 0, 'EINVAL', `bad range ${offset}+${length}`);
  const keepSize = (mode & FALLOC_FL_KEEP_SIZE) !== 0;
  const end = offset + length;
  check(end <= mapping.cache.options.maxFileSize, 'EFBIG', `range ${offset}+${length} ends past the largest file size`);
  const sizeBefore = mapping.host.size();
  await changeFileBlocks(mapping, async (cached) => {
    if (mode & FALLOC_FL_PUNCH_HOLE) {
      await fs.punchRange(ino, offset, length, () => cached.drop(offset, end));
      return;
    }
    await cached.writeBack(offset, end);
    await fs.allocateRange(ino, offset, length, keepSize);
    if (mode & FALLOC_FL_ZERO_RANGE) {
      await cached.drop(offset, end);
      await fs.zeroRange(ino, offset, length);
    }
  });
  return (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) !== 0 || mapping.host.size() !== sizeBefore;
}

/** A file seen as all data, as generic_file_llseek_size() answers SEEK_DATA and SEEK_HOLE. */
const NO_HOLES: BlockMapSeek = { nextData: (index) => index, nextHole: () => Infinity };

/**
 * lseek(2) as FUSE sends it: SEEK_DATA and SEEK_HOLE from the block map and the cache's unwritten
 * pages (ENXIO at or past EOF). The kernel answers SEEK_SET, SEEK_CUR and SEEK_END itself
 * (fuse_file_llseek()); asked anyway, SEEK_SET and SEEK_END are answered, and SEEK_CUR is EINVAL:
 * the file position is the kernel's, the daemon does not know it. `unseenData`: the file may have
 * data the daemon has not seen (dirty pages of a shared map in the kernel's cache, which
 * fuse_lseek() does not write back first), so it is answered as a file without holes.
 */
export function lseekFile(fs: Filesystem, ino: number, mapping: Mapping, offset: number, whence: number, unseenData = false): number {
  const map = unseenData
    ? NO_HOLES
    : { nextData: (index: number) => fs.nextDataBlock(ino, index), nextHole: (index: number) => fs.nextHoleBlock(ino, index) };
  switch (whence) {
    case SEEK_DATA: return seekHoleData(mapping, offset, 'data', map);
    case SEEK_HOLE: return seekHoleData(mapping, offset, 'hole', map);
    case SEEK_SET:
    case SEEK_END: {
      const to = offset + (whence === SEEK_END ? mapping.host.size() : 0);
      check(to >= 0, 'EINVAL', `seek to ${to}`);
      return to;
    }
    default: throw new FsError('EINVAL', `lseek whence ${whence} is the kernel's to answer`);
  }
}
