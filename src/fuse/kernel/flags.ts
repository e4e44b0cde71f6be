/** Flag bits of include/uapi/linux/fuse.h that coherefs reads or sends. */

/** INIT flags (fuse_init_in/out.flags); bits 32 and up are in flags2 and need INIT_EXT. */
export const InitFlag = {
  ASYNC_READ: 1 << 0,
  BIG_WRITES: 1 << 5,
  DONT_MASK: 1 << 6,
  DO_READDIRPLUS: 1 << 13,
  ASYNC_DIO: 1 << 15,
  WRITEBACK_CACHE: 1 << 16,
  PARALLEL_DIROPS: 1 << 18,
  MAX_PAGES: 1 << 22,
  HANDLE_KILLPRIV_V2: 1 << 28,
  INIT_EXT: 1 << 30,
} as const;

/** INIT flags2: bit N here is bit 32+N of the 64-bit flag set. */
export const InitFlag2 = {
  /** MAP_SHARED on FOPEN_DIRECT_IO files (7.39). */
  DIRECT_IO_ALLOW_MMAP: 1 << 4,
} as const;

/** fuse_setattr_in.valid: which fields to change. */
export const Fattr = {
  MODE: 1 << 0, UID: 1 << 1, GID: 1 << 2, SIZE: 1 << 3, ATIME: 1 << 4, MTIME: 1 << 5,
  ATIME_NOW: 1 << 7, MTIME_NOW: 1 << 8, KILL_SUIDGID: 1 << 11,
} as const;

/** fuse_open_out.open_flags. */
export const Fopen = {
  DIRECT_IO: 1 << 0,
  /** Direct writes of this file that neither append nor pass EOF take the inode lock shared (7.38; older kernels ignore the bit). */
  PARALLEL_DIRECT_WRITES: 1 << 6,
} as const;

/** fuse_open_in/create_in.open_flags: clear suid/sgid (an O_TRUNC open without CAP_FSETID). */
export const FUSE_OPEN_KILL_SUIDGID = 1 << 0;

/** fuse_read_in.read_flags. */
export const ReadFlag = {
  /** lock_owner is valid: a read(2) on behalf of a task's file (fuse_direct_io), never a page-cache fill. */
  LOCKOWNER: 1 << 1,
} as const;

/** fuse_write_in.write_flags. */
export const WriteFlag = {
  /** The kernel's writeback of cached (mmap) pages, not a write(2) of a task. */
  CACHE: 1 << 0,
  KILL_SUIDGID: 1 << 2,
} as const;
