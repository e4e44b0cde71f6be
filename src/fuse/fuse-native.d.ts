/**
 * Types for fuse-native 2.2 (it ships none), covering what coherefs uses.
 * Callbacks take a negative errno (Fuse.ENOENT = -2) or 0; read/write callbacks take the byte count.
 * Measured facts about the binding are in src/fuse/mount-options.ts.
 */
declare module 'fuse-native' {
  type Done = (err: number) => void;

  namespace Fuse {
    interface FuseStat {
      mode: number;
      uid: number;
      gid: number;
      size: number;
      dev?: number;
      nlink?: number;
      ino?: number;
      rdev?: number;
      blksize?: number;
      blocks?: number;
      /** Dates or milliseconds since the epoch. */
      atime: Date | number;
      mtime: Date | number;
      ctime: Date | number;
  }

  interface FuseStatfs {
    bsize: number;
    frsize: number;
    blocks: number;
    bfree: number;
    bavail: number;
    files: number;
    ffree: number;
    favail: number;
    fsid: number;
    flag: number;
    namemax: number;
  }

  interface FuseOperations {
    init?(cb: Done): void;
    getattr?(path: string, cb: (err: number, stat?: FuseStat) => void): void;
    /** fuse-native 2.2.6 routes fgetattr to `getattr` (a binding quirk); implement getattr. */
    fgetattr?(path: string, fd: number, cb: (err: number, stat?: FuseStat) => void): void;
    statfs?(path: string, cb: (err: number, statfs?: FuseStatfs) => void): void;
    access?(path: string, mode: number, cb: Done): void;
    readdir?(path: string, cb: (err: number, names?: string[], stats?: FuseStat[]) => void): void;
    /** `flags` are the open(2) flags (O_DIRECT = 0x4000 on x86-64); the returned fd becomes the handle. */
    open?(path: string, flags: number, cb: (err: number, fd?: number) => void): void;
    /** Receives no open flags (binding limitation): leave it out so the kernel falls back to mknod + open. */
    create?(path: string, mode: number, cb: (err: number, fd?: number) => void): void;
    mknod?(path: string, mode: number, dev: number, cb: Done): void;
    read?(path: string, fd: number, buf: Buffer, len: number, pos: number, cb: (bytes: number) => void): void;
    write?(path: string, fd: number, buf: Buffer, len: number, pos: number, cb: (bytes: number) => void): void;
    flush?(path: string, fd: number, cb: Done): void;
    fsync?(path: string, datasync: number, fd: number, cb: Done): void;
    fsyncdir?(path: string, datasync: number, fd: number, cb: Done): void;
    release?(path: string, fd: number, cb: Done): void;
    releasedir?(path: string, fd: number, cb: Done): void;
    opendir?(path: string, flags: number, cb: (err: number, fd?: number) => void): void;
    truncate?(path: string, size: number, cb: Done): void;
    ftruncate?(path: string, fd: number, size: number, cb: Done): void;
    utimens?(path: string, atime: number, mtime: number, cb: Done): void;
    chmod?(path: string, mode: number, cb: Done): void;
    chown?(path: string, uid: number, gid: number, cb: Done): void;
    unlink?(path: string, cb: Done): void;
    rename?(src: string, dest: string, cb: Done): void;
    link?(src: string, dest: string, cb: Done): void;
    symlink?(target: string, path: string, cb: Done): void;
    readlink?(path: string, cb: (err: number, target?: string) => void): void;
    mkdir?(path: string, mode: number, cb: Done): void;
    rmdir?(path: string, cb: Done): void;
  }

  /** The constructor options fuse-native turns into `-o` mount options (its `_fuseOptions()`). */
  interface FuseOptions {
    /** false = never answer ETIMEDOUT on its own; coherefs always passes false (DESIGN.md §5). */
    timeout?: number | false;
    debug?: boolean;
    force?: boolean;
    mkdir?: boolean;
    allowOther?: boolean;
    defaultPermissions?: boolean;
    maxRead?: number;
    fsname?: string;
    subtype?: string;
    autoUnmount?: boolean;
  }

  }

  class Fuse {
    constructor(mountpoint: string, ops: Fuse.FuseOperations, opts?: Fuse.FuseOptions);
    readonly mnt: string;
    mount(cb: (err: Error | null) => void): void;
    unmount(cb: (err: Error | null) => void): void;
    /** The `-o a,b,c` string handed to libfuse (internal, overridden to append options it lacks). */
    protected _fuseOptions(): string;
    static unmount(mountpoint: string, cb: (err: Error | null) => void): void;
    static readonly ENOENT: number;
    static readonly EIO: number;
    static readonly EBADF: number;
    static readonly EINVAL: number;
    static readonly ENOSPC: number;
    static readonly EEXIST: number;
    static readonly ENOTDIR: number;
    static readonly EISDIR: number;
    static readonly ENOTEMPTY: number;
    static readonly EPERM: number;
    static readonly EACCES: number;
    static readonly ENOSYS: number;
  }

  export = Fuse;
}
