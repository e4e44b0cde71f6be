/**
 * Vfs: one mounted coherefs instance — the on-image filesystem below, the page cache above it, and
 * the open handles that choose, per request, between buffered and direct IO. Every data operation
 * runs as an mm Task so that lock holders and waiters have names in the watchdog and the stats.
 */
import { constants } from 'node:fs';
import { Filesystem, MAX_FILE_SIZE, RENAME_EXCHANGE, type Attr, type DirEntry, type ImageDevice, type MountOptions, type StatFs } from '../fs/api.js';
import {
  PageCache, UnwrittenData, bufferedRead, bufferedWrite, directRead, directWrite, flush, fsync, reportWaitFor, runTask, truncate,
  type CoherenceMode, type LockReport, type ScheduleHook, type StatsSnapshot,
} from '../mm/api.js';
import type { Logger } from '../util/logger.js';
import { FsError, check } from '../util/errno.js';
import { HandleTable } from './handles.js';
import { InodeTable } from './inode-table.js';
import { InodeWriteLocks } from './inode-write-lock.js';
import { ActiveOps } from './active-ops.js';
import { namesOf, walkParent, walkPath } from './path-walk.js';
import { initOwner, suidgidToKill, type Caller } from './caller.js';
import { LookupCounts } from './lookup-counts.js';
import { O_EXCL } from './open-flags.js';
import { fallocateFile, lseekFile } from './fallocate.js';
import { copyBetweenHandles } from './copy-range.js';

const { S_IFMT, S_IFREG, S_IFDIR } = constants;
/** chown(2)'s "leave unchanged", as libfuse hands it over: (uid_t)-1. */
const UNCHANGED_ID = 0xffffffff;

/** The dio_evict_delay_ms fault injection, at the schedule point where `evict` mode's race window is. */
function delayAfterEvict(ms: number): ScheduleHook {
  return (point) => (point === 'dio-write:after-evict' ? new Promise((resolve) => setTimeout(resolve, ms)) : undefined);
}

export interface VfsOptions {
  cacheSize: number;
  coherence: CoherenceMode;
  /** O_DIRECT logical block size: offsets and lengths must be multiples of it (EINVAL otherwise). */
  dioAlign: number;
  /** Fault injection: sleep this long between a direct write's eviction and its store write. */
  dioEvictDelayMs?: number;
  /** Owner of files created through the mount (fuse-native does not pass the caller's ids). */
  uid?: number;
  gid?: number;
  logger?: Logger;
}

/** A path (the libfuse transport) or an inode number (the kernel transport). */
export type PathOrIno = string | number;

/** SETATTR by inode: what to change; killSuidgid clears suid (and sgid on group-executables). */
export interface InodeSetAttr {
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  /** Nanoseconds since the epoch. */
  atimeNs?: bigint;
  mtimeNs?: bigint;
  killSuidgid?: boolean;
}

export interface VfsStats {
  cache: StatsSnapshot;
  openHandles: number;
  coherence: CoherenceMode;
  /** The pagecache_add_locks held or waited for now, with their tasks (the watchdog's report). */
  locks: LockReport[];
  /** The tasks of a wait-for cycle, when there is one. */
  deadlock?: string[];
}

export class Vfs {
  private readonly inodes: InodeTable;
  private readonly handles = new HandleTable();
  private readonly writeLocks = new InodeWriteLocks();
  private readonly active = new ActiveOps();
  private readonly lookups: LookupCounts;
  /** Who owns what the path-based (libfuse) calls create: they do not know the caller. */
  private readonly owner: Caller;

  private constructor(readonly fs: Filesystem, readonly cache: PageCache, private readonly options: VfsOptions) {
    this.inodes = new InodeTable(fs, cache);
    this.lookups = new LookupCounts(fs, (ino) => this.inodes.release(ino));
    this.owner = { uid: options.uid ?? process.getuid?.() ?? 0, gid: options.gid ?? process.getgid?.() ?? 0, pid: 0 };
  }

  /** Mount the image (taking its lock) and put a page cache over it. */
  static open(imagePath: string, options: VfsOptions): Promise<Vfs> {
    return Vfs.attach(() => Filesystem.mount(imagePath, { logger: options.logger }), options);
  }

  /** Mount a device already open (an image in memory, in tests), as open(). */
  static openDevice(device: ImageDevice, options: VfsOptions & MountOptions): Promise<Vfs> {
    return Vfs.attach(() => Filesystem.mountDevice(device, options), options);
  }

  private static async attach(mount: () => Promise<Filesystem>, options: VfsOptions): Promise<Vfs> {
    const cache = new PageCache({
      cacheSize: options.cacheSize, coherence: options.coherence, dioAlign: options.dioAlign, maxFileSize: MAX_FILE_SIZE,
    });
    if (options.dioEvictDelayMs) cache.scheduleHook = delayAfterEvict(options.dioEvictDelayMs);
    const log = options.logger;
    if (log) {
      cache.onWritebackError = (mapping, pos, length, error) =>
        log.warn({ file: mapping.name, pos, length, code: error.code, err: error.message }, 'writeback failed: the data stays dirty and the error goes to fsync and close');
      cache.onBackgroundError = (task, error) =>
        log.error({ task, err: error }, 'background work (readahead, the flusher) failed unexpectedly');
    }
    try {
      return new Vfs(await mount(), cache, options);
    } catch (err) {
      await cache.close();
      throw err;
    }
  }

  /**
   * Wait for the data operations in flight (new ones fail), then write back every dirty page, commit,
   * checkpoint and release the image. Throws, naming each file and how many bytes it lost, when dirty
   * data could not be written back; the image is released all the same, holding what was committed.
   */
  async close(): Promise<void> {
    await this.active.drain();
    await this.lookups.forgetAll();
    try {
      await this.cache.close();
    } catch (err) {
      if (!(err instanceof UnwrittenData)) throw err;
      const names = namesOf(this.fs, err.files.map((file) => this.inodes.inoOf(file.mapping)));
      const lost = err.files.map((file) => `${names.get(this.inodes.inoOf(file.mapping))}: ${file.bytes} bytes${file.error ? ` (${file.error.message})` : ''}`);
      throw new FsError('EIO', `dirty data could not be written back and is lost: ${lost.join('; ')}`);
    } finally {
      await this.fs.unmount();
    }
  }

  stats(): VfsStats {
    const { locks, deadlock } = reportWaitFor(this.cache.mappings);
    return {
      cache: this.cache.stats.snapshot(), openHandles: this.handles.size, coherence: this.options.coherence, locks, ...(deadlock && { deadlock }),
    };
  }

  // ---- attributes and names ----
  // Each call takes a path (the libfuse transport) or, as the *at calls, a directory inode and a name
  // (the kernel transport, whose new nodes belong to the calling task).

  getattr(at: PathOrIno): Attr {
    return this.fs.getattr(this.resolve(at));
  }

  /** The kernel's lookup: the inode `name` names in `parent`. The caller must holdNode() it if it hands it on. */
  lookup(parent: number, name: string): Attr {
    return this.fs.getattr(this.fs.lookup(parent, name));
  }

  /** The kernel now holds one more reference to `ino` (one entry reply); FORGET drops them. */
  holdNode(ino: number): void {
    this.lookups.hold(ino);
  }

  /**
   * The last reference to an unlinked file drops its pages, then the fs frees it. Resolves to
   * whether that was the kernel's last reference to `ino`.
   */
  forget(ino: number, nlookup: number): Promise<boolean> {
    return this.active.run(() => this.lookups.forget(ino, nlookup));
  }

  readdir(at: PathOrIno): DirEntry[] {
    return this.fs.readdir(this.resolve(at));
  }

  /** A directory's entries with '.' and '..' first, as getdents(2) lists them. */
  dirEntries(ino: number): DirEntry[] {
    const parent = this.fs.lookup(ino, '..');
    return [
      { name: '.', ino, mode: this.fs.getattr(ino).mode },
      { name: '..', ino: parent, mode: this.fs.getattr(parent).mode },
      ...this.fs.readdir(ino),
    ];
  }

  readlink(at: PathOrIno): string {
    return this.fs.readlink(this.resolve(at));
  }

  statfs(): StatFs {
    return this.fs.statfs();
  }

  /** The libfuse transport's mknod: regular files only (its binding passes no device number). */
  mknod(path: string, mode: number): void {
    check((mode & S_IFMT) === S_IFREG || (mode & S_IFMT) === 0, 'EPERM', 'the libfuse transport makes regular files, directories and symlinks only');
    const { parent, name } = walkParent(this.fs, path);
    this.mknodat(parent, name, mode, this.owner);
  }

  /** mknod(2): a regular file, or a fifo, socket, character or block device (with its device number). */
  mknodat(parent: number, name: string, mode: number, caller: Caller, rdev = 0): Attr {
    const type = (mode & S_IFMT) || S_IFREG;
    const owner = initOwner(this.fs.getattr(parent), type | (mode & 0o7777), caller);
    if (type !== S_IFREG) return this.fs.mknod(parent, name, owner.mode, rdev, owner.uid, owner.gid);
    return this.fs.create(parent, name, owner.mode, owner.uid, owner.gid);
  }

  mkdir(path: string, mode: number): void {
    const { parent, name } = walkParent(this.fs, path);
    this.mkdirat(parent, name, mode, this.owner);
  }

  mkdirat(parent: number, name: string, mode: number, caller: Caller): Attr {
    const owner = initOwner(this.fs.getattr(parent), S_IFDIR | (mode & 0o7777), caller);
    return this.fs.mkdir(parent, name, owner.mode, owner.uid, owner.gid);
  }

  symlink(target: string, path: string): void {
    const { parent, name } = walkParent(this.fs, path);
    this.symlinkat(target, parent, name, this.owner);
  }

  symlinkat(target: string, parent: number, name: string, caller: Caller): Attr {
    const owner = initOwner(this.fs.getattr(parent), 0o777, caller);
    return this.fs.symlink(parent, name, target, owner.uid, owner.gid);
  }

  link(from: string, to: string): void {
    const { parent, name } = walkParent(this.fs, to);
    this.linkat(walkPath(this.fs, from), parent, name);
  }

  linkat(ino: number, parent: number, name: string): Attr {
    return this.fs.link(ino, parent, name);
  }

  unlink(path: string): Promise<void> {
    const { parent, name } = walkParent(this.fs, path);
    return this.unlinkat(parent, name);
  }

  unlinkat(parent: number, name: string): Promise<void> {
    return this.active.run(async () => {
      await this.inodes.removeLink(this.fs.lookup(parent, name), () => this.fs.unlink(parent, name));
    });
  }

  rmdir(path: string): void {
    const { parent, name } = walkParent(this.fs, path);
    this.rmdirat(parent, name);
  }

  rmdirat(parent: number, name: string): void {
    this.fs.rmdir(parent, name);
  }

  rename(from: string, to: string): Promise<void> {
    const source = walkParent(this.fs, from);
    const target = walkParent(this.fs, to);
    return this.renameat(source.parent, source.name, target.parent, target.name);
  }

  /** renameat2(2); RENAME_EXCHANGE removes no name, so it drops no pages. */
  renameat(oldParent: number, oldName: string, newParent: number, newName: string, flags = 0): Promise<void> {
    return this.active.run(async () => {
      const sourceIno = this.fs.lookup(oldParent, oldName);
      const targetIno = flags & RENAME_EXCHANGE ? null : this.lookupOrNull(newParent, newName);
      const replaced = targetIno !== sourceIno ? targetIno : null;
      await this.inodes.removeLink(replaced, () => this.fs.rename(oldParent, oldName, newParent, newName, flags));
    });
  }

  chmod(path: string, mode: number): void {
    this.fs.setattr(walkPath(this.fs, path), { mode });
  }

  chown(path: string, uid: number, gid: number): void {
    this.fs.setattr(walkPath(this.fs, path), {
      uid: uid === UNCHANGED_ID ? undefined : uid,
      gid: gid === UNCHANGED_ID ? undefined : gid,
    });
  }

  /** Times in nanoseconds since the epoch. */
  utimens(path: string, atimeNs: bigint, mtimeNs: bigint): void {
    this.fs.setattr(walkPath(this.fs, path), { atimeNs, mtimeNs });
  }

  /**
   * The kernel's setattr: a new size first (truncate: the inode write lock, then the block side),
   * then mode, owner and times, and the suid/sgid bits the kernel asks to clear.
   */
  setattr(ino: number, changes: InodeSetAttr): Promise<Attr> {
    return this.active.run(async () => {
      if (changes.size !== undefined) await this.truncateInode(ino, changes.size);
      let mode = changes.mode;
      if (changes.killSuidgid) {
        const before = mode ?? this.fs.getattr(ino).mode;
        // Only a bit to clear makes a change (and a new ctime).
        if (suidgidToKill(before)) mode = before & ~suidgidToKill(before);
      }
      const { uid, gid, atimeNs, mtimeNs } = changes;
      const rest = { mode, uid, gid, atimeNs, mtimeNs };
      if (Object.values(rest).some((value) => value !== undefined)) this.fs.setattr(ino, rest);
      return this.fs.getattr(ino);
    });
  }

  /**
   * mirrors file_remove_privs(): what a write, or an O_TRUNC open, by a task without CAP_FSETID does:
   * clear suid (and sgid on a group-executable) when the file has them, and nothing otherwise.
   */
  async removePrivs(ino: number): Promise<void> {
    if (suidgidToKill(this.fs.getattr(ino).mode)) await this.setattr(ino, { killSuidgid: true });
  }

  // ---- file data ----

  /** open(2): a handle whose flags pick buffered or direct IO for every later read and write. */
  open(at: PathOrIno, flags: number): number {
    const ino = this.resolve(at);
    check((this.fs.getattr(ino).mode & S_IFMT) === S_IFREG, 'EISDIR', 'only regular files are opened for data');
    return this.handles.add(ino, this.inodes.open(ino), flags);
  }

  /** The kernel's atomic create-and-open (O_CREAT): opens an existing file unless O_EXCL. */
  createat(parent: number, name: string, mode: number, flags: number, caller: Caller): { attr: Attr; fh: number } {
    const existing = this.lookupOrNull(parent, name);
    check(existing === null || (flags & O_EXCL) === 0, 'EEXIST', `'${name}' exists`);
    const ino = existing ?? this.mknodat(parent, name, mode, caller).ino;
    const fh = this.open(ino, flags);
    return { attr: this.fs.getattr(ino), fh };
  }

  /** The inode a handle is open on. */
  inodeOf(fh: number): number {
    return this.handles.get(fh).ino;
  }

  release(fh: number): Promise<void> {
    return this.active.run(() => this.inodes.release(this.handles.remove(fh).ino));
  }

  /** read(2): O_DIRECT handles read the store (after writing back dirty pages); others the cache. */
  read(fh: number, pos: number, dst: Uint8Array): Promise<number> {
    const handle = this.handles.get(fh);
    return this.active.run(() => runTask(`read fh${fh}`, () => (handle.direct ? directRead : bufferedRead)(handle.mapping, pos, dst)));
  }

  /**
   * write(2): O_DIRECT handles go around the cache under the coherence mode; others dirty pages.
   * `viaPageCache` forces the buffered path: the kernel's writeback of its own cached pages (a shared
   * mmap) is not the handle's O_DIRECT write, and its EOF-cropped length is not dio-aligned. It still
   * sets mtime and ctime: without WRITEBACK_CACHE the kernel marks FUSE inodes S_NOCMTIME (fuse_iget()),
   * so its file_update_time() at the store to the mapping changes nothing and sends nothing: this
   * writeback is the only news of a shared-mmap store the daemon gets, so the times move here.
   * Context: an append, or a write past EOF, takes the inode's write lock (i_size must not move
   * between reading it and writing there).
   */
  write(fh: number, pos: number, src: Uint8Array, viaPageCache = false): Promise<number> {
    const handle = this.handles.get(fh);
    check(handle.writable, 'EBADF', 'handle not open for writing');
    const direct = handle.direct && !viaPageCache;
    const writeAt = (at: number): Promise<number> =>
      runTask(`write fh${fh}`, async () => {
        const written = await (direct ? directWrite : bufferedWrite)(handle.mapping, at, src);
        this.fs.fileUpdateTime(handle.ino);
        return written;
      });
    const host = handle.mapping.host;
    const sizeDependent = handle.append || pos + src.length > host.size();
    return this.active.run(() =>
      sizeDependent ? this.writeLocks.serialize(handle.ino, () => writeAt(handle.append ? host.size() : pos)) : writeAt(pos),
    );
  }

  /**
   * copy_file_range(2) from handle fhIn to handle fhOut (src/vfs/copy-range.ts). A caller other than
   * root clears the destination's suid (and group-executable sgid) first, as file_modified() does
   * for a task without CAP_FSETID (FUSE passes no capabilities: root stands for them).
   * Context: a copy that may end past the destination's EOF takes its inode write lock.
   */
  copyFileRange(fhIn: number, posIn: number, fhOut: number, posOut: number, length: number, flags = 0, caller?: Caller): Promise<number> {
    const input = this.handles.get(fhIn);
    const output = this.handles.get(fhOut);
    const copy = (): Promise<number> => copyBetweenHandles(input, posIn, output, posOut, length, flags, {
      removePrivs: caller && caller.uid !== 0 ? (ino) => this.removePrivs(ino) : null,
      fileUpdateTime: (ino) => this.fs.fileUpdateTime(ino),
    });
    const sizeDependent = posOut + length > output.mapping.host.size();
    return this.active.run(() => (sizeDependent ? this.writeLocks.serialize(output.ino, copy) : copy()));
  }

  /** fsync(2): write back the file's pages and commit the filesystem (data, then metadata). */
  fsync(fh: number): Promise<void> {
    const handle = this.handles.get(fh);
    return this.active.run(() => runTask(`fsync fh${fh}`, () => fsync(handle.mapping, handle.wbErr)));
  }

  /**
   * close(2) of a descriptor open for writing (FUSE FLUSH): write back the file's pages so that a
   * writeback failure reaches this close, and report one this handle has not heard of. Nothing is
   * committed.
   */
  flush(fh: number): Promise<void> {
    const handle = this.handles.get(fh);
    // As nfs_file_flush(): a reader's close neither writes back other writers' pages nor hears of their errors.
    if (!handle.writable) return Promise.resolve();
    return this.active.run(() => runTask(`flush fh${fh}`, () => flush(handle.mapping, handle.wbErr)));
  }

  /** fsync on a directory, or sync(2): commit everything. */
  syncAll(): Promise<void> {
    return this.active.run(async () => {
      await runTask('syncfs', () => this.cache.syncAll());
      await this.fs.sync();
    });
  }

  /** truncate(2) by path: takes the inode write lock, then the mapping's block side (no page may be re-added meanwhile). */
  truncate(path: string, size: number): Promise<void> {
    const ino = walkPath(this.fs, path);
    return this.truncateInode(ino, size);
  }

  ftruncate(fh: number, size: number): Promise<void> {
    return this.truncateInode(this.handles.get(fh).ino, size);
  }

  /**
   * fallocate(2) on an open handle (fallocate.ts): EBADF unless open for writing; mtime and ctime
   * move when the data or the size changed.
   * Context: takes the inode's write lock (the size may grow), then the mapping's block side.
   */
  fallocate(fh: number, mode: number, offset: number, length: number): Promise<void> {
    const handle = this.handles.get(fh);
    check(handle.writable, 'EBADF', 'handle not open for writing');
    return this.active.run(() => this.writeLocks.serialize(handle.ino, () => runTask(`fallocate fh${fh}`, async () => {
      if (await fallocateFile(this.fs, handle.ino, handle.mapping, mode, offset, length)) this.fs.fileUpdateTime(handle.ino);
    })));
  }

  /** lseek(2)'s SEEK_DATA and SEEK_HOLE (fallocate.ts). Context: no lock; the answer may be stale at once. */
  lseek(fh: number, offset: number, whence: number, unseenData = false): number {
    const handle = this.handles.get(fh);
    return lseekFile(this.fs, handle.ino, handle.mapping, offset, whence, unseenData);
  }

  /**
   * do_truncate(): under the inode's write lock, as the kernel holds i_rwsem, so that an append or a
   * write past EOF never reads i_size before a truncate and then writes there after it.
   * Context: takes the inode's write lock, then the mapping's block side.
   */
  private truncateInode(ino: number, size: number): Promise<void> {
    return this.active.run(() => this.writeLocks.serialize(ino, async () => {
      const mapping = this.inodes.mapping(ino);
      await runTask(`truncate ino${ino}`, () => truncate(mapping, size));
      this.fs.fileUpdateTime(ino);
    }));
  }

  private resolve(at: PathOrIno): number {
    return typeof at === 'number' ? at : walkPath(this.fs, at);
  }

  private lookupOrNull(parent: number, name: string): number | null {
    try {
      return this.fs.lookup(parent, name);
    } catch (err) {
      if (err instanceof FsError && err.code === 'ENOENT') return null;
      throw err;
    }
  }
}
