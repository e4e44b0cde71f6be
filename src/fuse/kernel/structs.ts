/**
 * The structs of include/uapi/linux/fuse.h that coherefs speaks, at protocol 7.39 (the sizes are
 * the kernel's sizeof; layout.ts checks each). Names follow the header, in camelCase.
 */
import { struct, type ValueOf } from './layout.js';

/** Every request starts with this; `unique` is echoed in the reply, byte for byte. */
export const inHeader = struct({
  len: 'u32', opcode: 'u32', unique: 'u64n', nodeid: 'u64', uid: 'u32', gid: 'u32', pid: 'u32',
  /** Length of the extensions after the body, in 8-byte units. */
  totalExtlen: 'u16', padding: 2,
}, 40);

/** Every reply starts with this; `error` is 0 or a negative errno. */
export const outHeader = struct({ len: 'u32', error: 'i32', unique: 'u64n' }, 16);

export const initIn = struct({ major: 'u32', minor: 'u32', maxReadahead: 'u32', flags: 'u32', flags2: 'u32', unused: 44 }, 64);

export const initOut = struct({
  major: 'u32', minor: 'u32', maxReadahead: 'u32', flags: 'u32', maxBackground: 'u16', congestionThreshold: 'u16',
  maxWrite: 'u32', timeGran: 'u32', maxPages: 'u16', mapAlignment: 'u16', flags2: 'u32', unused: 28,
}, 64);

/**
 * struct fuse_attr: times are seconds plus nanoseconds (the header says u64, the kernel stores a
 * signed time64_t there: times before 1970 are negative); blocks in 512-byte units.
 */
export const attr = struct({
  ino: 'u64', size: 'u64', blocks: 'u64', atime: 'i64', mtime: 'i64', ctime: 'i64',
  atimensec: 'u32', mtimensec: 'u32', ctimensec: 'u32', mode: 'u32', nlink: 'u32', uid: 'u32', gid: 'u32',
  rdev: 'u32', blksize: 'u32', flags: 'u32',
}, 88);

/** The answer to LOOKUP and to every call that makes a name; each one counts as a lookup. */
export const entryOut = struct({
  nodeid: 'u64', generation: 'u64', entryValid: 'u64', attrValid: 'u64', entryValidNsec: 'u32', attrValidNsec: 'u32', attr,
}, 128);

export const attrOut = struct({ attrValid: 'u64', attrValidNsec: 'u32', dummy: 4, attr }, 104);

export const getattrIn = struct({ getattrFlags: 'u32', dummy: 4, fh: 'u64' }, 16);

export const setattrIn = struct({
  valid: 'u32', padding: 4, fh: 'u64', size: 'u64', lockOwner: 'u64n', atime: 'i64', mtime: 'i64', ctime: 'i64',
  atimensec: 'u32', mtimensec: 'u32', ctimensec: 'u32', mode: 'u32', unused4: 4, uid: 'u32', gid: 'u32', unused5: 4,
}, 88);

export const openIn = struct({ flags: 'u32', openFlags: 'u32' }, 8);

/** At 7.39 the last field is padding (later minors put a passthrough backing id there). */
export const openOut = struct({ fh: 'u64', openFlags: 'u32', padding: 4 }, 16);

export const createIn = struct({ flags: 'u32', mode: 'u32', umask: 'u32', openFlags: 'u32' }, 16);

export const mknodIn = struct({ mode: 'u32', rdev: 'u32', umask: 'u32', padding: 4 }, 16);

export const mkdirIn = struct({ mode: 'u32', umask: 'u32' }, 8);

export const renameIn = struct({ newdir: 'u64' }, 8);

export const rename2In = struct({ newdir: 'u64', flags: 'u32', padding: 4 }, 16);

export const linkIn = struct({ oldnodeid: 'u64' }, 8);

export const releaseIn = struct({ fh: 'u64', flags: 'u32', releaseFlags: 'u32', lockOwner: 'u64n' }, 24);

export const flushIn = struct({ fh: 'u64', unused: 4, padding: 4, lockOwner: 'u64n' }, 24);

export const readIn = struct({
  fh: 'u64', offset: 'u64', size: 'u32', readFlags: 'u32', lockOwner: 'u64n', flags: 'u32', padding: 4,
}, 40);

/** The data to write follows this struct in the request. */
export const writeIn = struct({
  fh: 'u64', offset: 'u64', size: 'u32', writeFlags: 'u32', lockOwner: 'u64n', flags: 'u32', padding: 4,
}, 40);

export const writeOut = struct({ size: 'u32', padding: 4 }, 8);

export const fsyncIn = struct({ fh: 'u64', fsyncFlags: 'u32', padding: 4 }, 16);

export const accessIn = struct({ mask: 'u32', padding: 4 }, 8);

export const getxattrIn = struct({ size: 'u32', padding: 4 }, 8);

export const getxattrOut = struct({ size: 'u32', padding: 4 }, 8);

/** FORGET: the kernel drops `nlookup` of its references to the header's nodeid. No reply. */
export const forgetIn = struct({ nlookup: 'u64' }, 8);

/** BATCH_FORGET: `count` fuse_forget_one records follow. No reply. */
export const batchForgetIn = struct({ count: 'u32', dummy: 4 }, 8);

export const forgetOne = struct({ nodeid: 'u64', nlookup: 'u64' }, 16);

export const interruptIn = struct({ unique: 'u64n' }, 8);

/** FALLOCATE: `mode` holds the FALLOC_FL_* bits (the kernel passes KEEP_SIZE, PUNCH_HOLE and ZERO_RANGE only). */
export const fallocateIn = struct({ fh: 'u64', offset: 'u64', length: 'u64', mode: 'u32', padding: 4 }, 32);

/** LSEEK: the kernel sends only SEEK_DATA and SEEK_HOLE; the offset is a signed loff_t. */
export const lseekIn = struct({ fh: 'u64', offset: 'i64', whence: 'u32', padding: 4 }, 24);

export const lseekOut = struct({ offset: 'i64' }, 8);

export const kstatfs = struct({
  blocks: 'u64', bfree: 'u64', bavail: 'u64', files: 'u64', ffree: 'u64', bsize: 'u32', namelen: 'u32', frsize: 'u32',
  padding: 4, spare: 24,
}, 80);

/** A directory entry in a READDIR reply; the name follows, and the record is padded to 8 bytes. */
export const dirent = struct({ ino: 'u64', off: 'u64', namelen: 'u32', type: 'u32' }, 24);

/** A READDIRPLUS record: the entry (one lookup each, except for . and ..) then the dirent. */
export const direntplus = struct({ entryOut, dirent }, 152);

/**
 * COPY_FILE_RANGE and COPY_FILE_RANGE_64: the header's nodeid is the source node; `flags` is
 * copy_file_range(2)'s (always 0 today).
 */
export const copyFileRangeIn = struct({
  fhIn: 'u64', offIn: 'u64', nodeidOut: 'u64', fhOut: 'u64', offOut: 'u64', len: 'u64', flags: 'u64',
}, 56);

/** COPY_FILE_RANGE_64's answer (7.45); plain COPY_FILE_RANGE answers with fuse_write_out. */
export const copyFileRangeOut = struct({ bytesCopied: 'u64' }, 8);

export type InHeader = ValueOf<typeof inHeader>;
export type InitIn = ValueOf<typeof initIn>;
export type InitOut = ValueOf<typeof initOut>;
export type FuseAttr = ValueOf<typeof attr>;
export type EntryOut = ValueOf<typeof entryOut>;
export type SetattrIn = ValueOf<typeof setattrIn>;
export type OpenOut = ValueOf<typeof openOut>;
export type Direntplus = ValueOf<typeof direntplus>;
