/** The in-memory inode: attributes as records carry them, plus the directory entries or block map. */
import { constants } from 'node:fs';
import { ExtentMap } from './extents.js';
import { ROOT_INO } from './layout.js';
import type { InodeAttrs } from './records.js';

export const { S_IFMT, S_IFDIR, S_IFREG, S_IFLNK, S_IFIFO, S_IFSOCK, S_IFCHR, S_IFBLK } = constants;

export class Inode implements InodeAttrs {
  // The InodeAttrs fields, set by setAttrs (from the constructor, and by replayed inode records).
  ino!: number; mode!: number; nlink!: number; uid!: number; gid!: number; rdev!: number; flags!: number;
  size!: number; atimeNs!: bigint; mtimeNs!: bigint; ctimeNs!: bigint; target!: string;
  /** Directories: name -> ino ('.' and '..' are implied, not stored). */
  readonly entries: Map<string, number> | null;
  /** Regular files: the block map. */
  readonly extents: ExtentMap | null;
  /** Directories: the one directory that names this one (root names itself). Derived, not stored. */
  parent: number;

  constructor(attrs: InodeAttrs) {
    this.setAttrs(attrs);
    this.parent = attrs.ino === ROOT_INO ? ROOT_INO : 0;
    this.entries = isDir(attrs.mode) ? new Map() : null;
    this.extents = isReg(attrs.mode) ? new ExtentMap() : null;
  }

  setAttrs(attrs: InodeAttrs): void {
    ({ ino: this.ino, mode: this.mode, nlink: this.nlink, uid: this.uid, gid: this.gid, rdev: this.rdev, flags: this.flags, size: this.size,
      atimeNs: this.atimeNs, mtimeNs: this.mtimeNs, ctimeNs: this.ctimeNs, target: this.target } = attrs);
  }
}

export const isDir = (mode: number): boolean => (mode & S_IFMT) === S_IFDIR;
export const isReg = (mode: number): boolean => (mode & S_IFMT) === S_IFREG;
export const isLnk = (mode: number): boolean => (mode & S_IFMT) === S_IFLNK;
export const isDevice = (mode: number): boolean => (mode & S_IFMT) === S_IFCHR || (mode & S_IFMT) === S_IFBLK;
/** The types mknod(2) makes besides regular files: fifos, sockets, character and block devices. */
export const isSpecial = (mode: number): boolean => (mode & S_IFMT) === S_IFIFO || (mode & S_IFMT) === S_IFSOCK || isDevice(mode);
