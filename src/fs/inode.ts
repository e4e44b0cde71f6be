/** The in-memory inode: attributes as records carry them, plus the directory entries or block map. */
import { constants } from 'node:fs';
import { ExtentMap } from './extents.js';
import { ROOT_INO } from './layout.js';
import type { InodeAttrs } from './records.js';

export const { S_IFMT, S_IFDIR, S_IFREG, S_IFLNK } = constants;

export class Inode implements InodeAttrs {
  ino: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  target: string;
  /** Directories: name -> ino ('.' and '..' are implied, not stored). */
  readonly entries: Map<string, number> | null;
  /** Regular files: the block map. */
  readonly extents: ExtentMap | null;
  /** Directories: the one directory that names this one (root names itself). Derived, not stored. */
  parent: number;

  constructor(attrs: InodeAttrs) {
    this.ino = attrs.ino;
    this.mode = attrs.mode;
    this.nlink = attrs.nlink;
    this.uid = attrs.uid;
    this.gid = attrs.gid;
    this.size = attrs.size;
    this.atimeMs = attrs.atimeMs;
    this.mtimeMs = attrs.mtimeMs;
    this.ctimeMs = attrs.ctimeMs;
    this.target = attrs.target;
    this.parent = attrs.ino === ROOT_INO ? ROOT_INO : 0;
    this.entries = isDir(attrs.mode) ? new Map() : null;
    this.extents = isReg(attrs.mode) ? new ExtentMap() : null;
  }

  setAttrs(attrs: InodeAttrs): void {
    this.mode = attrs.mode;
    this.nlink = attrs.nlink;
    this.uid = attrs.uid;
    this.gid = attrs.gid;
    this.size = attrs.size;
    this.atimeMs = attrs.atimeMs;
    this.mtimeMs = attrs.mtimeMs;
    this.ctimeMs = attrs.ctimeMs;
    this.target = attrs.target;
  }
}

export const isDir = (mode: number): boolean => (mode & S_IFMT) === S_IFDIR;
export const isReg = (mode: number): boolean => (mode & S_IFMT) === S_IFREG;
export const isLnk = (mode: number): boolean => (mode & S_IFMT) === S_IFLNK;
