/**
 * src/vfs — the virtual filesystem switch of coherefs, reduced to one filesystem: it turns the
 * requests that arrive from FUSE into calls on the page cache (src/mm) and the on-image filesystem
 * (src/fs). They name files two ways: by path and handle (the libfuse transport), or by inode number,
 * directory inode plus name (the *at calls) and handle (the kernel transport).
 *
 * The model:
 * - A path names an inode; the walk is one lookup per component (the kernel resolved symlinks).
 * - By inode: node ids are inode numbers. The kernel's references (lookup counts, until FORGET)
 *   keep an inode as an open does; new nodes belong to the calling task (a setgid directory passes
 *   its group on).
 * - Each regular file's inode has one Mapping, its page cache, for as long as the inode lives.
 * - open(2) makes a handle that remembers its flags. Every read and write on it takes the path those
 *   flags choose: O_DIRECT -> direct IO under the mount's coherence mode (none, evict or locked);
 *   otherwise buffered IO through the mapping's pages.
 * - Namespace operations and attributes go straight to the fs layer; data operations go through
 *   mm, which calls the fs layer's BackingStore for the file.
 * - fsync writes back the file's dirty pages, then commits the fs (data before metadata).
 * - The last release of an unlinked file drops its pages before its blocks are freed.
 * Errors are FsError with an errno; src/fuse turns them into negative return codes.
 */
export { Vfs, type InodeSetAttr, type PathOrIno, type VfsOptions, type VfsStats } from './vfs.js';
export type { Caller } from './caller.js';
export { O_DIRECT } from './open-flags.js';
/** Run a request's Vfs calls on behalf of its caller's thread: their mm tasks carry its pid. */
export { onBehalfOf } from '../mm/api.js';
