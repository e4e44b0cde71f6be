/**
 * src/fs — the on-image filesystem: everything coherefs keeps lives inside one image file.
 *
 * The model, in the order a reader meets it:
 *
 * Image layout (4 KiB blocks; layout.ts). Two superblock copies, a metadata log, two checkpoint
 * slots, then data blocks. The superblocks describe the geometry and name the active checkpoint; each
 * carries a generation and a CRC32C, and mount takes the valid copy with the higher generation.
 *
 * Metadata lives in memory (inodes, directory entries, block maps; metadata.ts) and reaches the image
 * in two forms, both sequences of the same CRC'd records (records.ts), each setting a piece of state:
 *   - the log (log.ts): one commit record per transaction, appended, each with its own CRC;
 *   - checkpoints (checkpoint.ts): the whole metadata, written to the idle slot, then made current
 *     by rewriting the superblocks; a checkpoint starts a new log epoch.
 * Mount = newer valid superblock -> its checkpoint -> replay the log up to the first bad record ->
 * check the result and rebuild free space from the block maps -> free orphans -> rewrite the other
 * superblock copy if it is spoiled or older -> a fresh checkpoint.
 *
 * Ordered mode (journal.ts): data blocks are written before the records that map them, and a commit
 * syncs the data before it writes its record; freed blocks are reused only after the record freeing
 * them is durable. So after a crash at any point the image mounts, fsck is clean, every fsync'd byte is
 * there, and no file shows another file's data. fsync commits everything (one journal, as ext4's).
 * A commit timer (5 s) makes what nobody fsync'd durable too.
 *
 * The namespace works on inode numbers (the root is ROOT_INO = 1); operations change memory at once
 * and fail with FsError carrying the errno POSIX gives. Regular files' data goes through store(ino),
 * the BackingStore that src/mm's page cache sits on. Bad images raise ImageError (with an exit code)
 * and are never written to; a second mount of an image is refused through the image lock (src/fs/image-lock.ts).
 */
export { Filesystem, RENAME_EXCHANGE, RENAME_NOREPLACE } from './filesystem.js';
export type { Attr, DirEntry, MountOptions, SetAttr, StatFs } from './filesystem.js';
export { mkfs, mkfsDevice } from './mkfs.js';
export type { MkfsOptions } from './mkfs.js';
export { fsck } from './fsck.js';
export type { FsckOptions, FsckReport } from './fsck.js';
// fsck --repair: fixes in memory what it can (and upgrades an older format version, upgrade.ts), then
// writes it back as a fresh checkpoint, as mount does.
export { repair } from './repair.js';
export type { RepairOptions, RepairReport } from './repair.js';
export { FileDevice, MemoryDevice } from './device.js';
export type { ImageDevice } from './device.js';
export { ImageError } from './image-error.js';
export { BLOCK_SIZE, MAX_FILE_SIZE, MAX_NAME_BYTES, ROOT_INO } from './layout.js';
export type { Geometry, GeometryOptions } from './layout.js';
