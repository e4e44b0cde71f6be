/**
 * Namespace: names and attributes. Operations work on inode numbers and change memory at once, as
 * records added to the running transaction; each checks everything first, so one that fails with an
 * errno has changed nothing. An inode whose last name goes is freed by OpenFiles once nothing else
 * holds it.
 */
import { nextIno } from './counts.js';
import { Inode, isDevice, isDir, isLnk, isSpecial, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from './inode.js';
import type { Journal } from './journal.js';
import { BLOCK_SIZE, MAX_NAME_BYTES, MAX_SYMLINK_BYTES, ROOT_INO } from './layout.js';
import type { Metadata } from './metadata.js';
import type { OpenFiles } from './open-files.js';
import { RECORD_BYTES, type InodeAttrs } from './records.js';
import type { Space } from './space.js';
import { check, FsError } from '../util/errno.js';
import { currentTime } from '../util/file-time.js';

/** What stat(2) shows: the inode's attributes, and st_blocks in 512-byte units. */
export interface Attr extends Omit<InodeAttrs, 'target' | 'flags'> {
  blocks: number;
}

export interface SetAttr {
  mode?: number;
  uid?: number;
  gid?: number;
  atimeNs?: bigint;
  mtimeNs?: bigint;
}

export interface DirEntry {
  name: string;
  ino: number;
  mode: number;
}

/** renameat2() flags. */
export const RENAME_NOREPLACE = 1;
export const RENAME_EXCHANGE = 2;

function checkName(name: string): void {
  check(name.length > 0 && !name.includes('/') && !name.includes('\0'), 'EINVAL', `bad name '${name}'`);
  check(Buffer.byteLength(name) <= MAX_NAME_BYTES, 'ENAMETOOLONG');
}

export class Namespace {
  private nextIno: number;

  constructor(
    private readonly journal: Journal,
    private readonly meta: Metadata,
    private readonly space: Space,
    private readonly files: OpenFiles,
  ) {
    this.nextIno = nextIno(meta);
  }

  // ---- lookups and attributes ----

  private dir(ino: number): Inode & { entries: Map<string, number> } {
    const inode = this.meta.inode(ino);
    check(inode.entries !== null, 'ENOTDIR');
    return inode as Inode & { entries: Map<string, number> };
  }

  /** The inode `name` names in directory `parent` ('.' and '..' included). ENOENT, ENOTDIR, ENAMETOOLONG. */
  lookup(parent: number, name: string): number {
    const dir = this.dir(parent);
    if (name === '.') return dir.ino;
    if (name === '..') return dir.parent;
    check(Buffer.byteLength(name) <= MAX_NAME_BYTES, 'ENAMETOOLONG');
    const ino = dir.entries.get(name);
    if (ino === undefined) throw new FsError('ENOENT', `no '${name}' in directory ${parent}`);
    return ino;
  }

  getattr(ino: number): Attr {
    const i = this.meta.inode(ino);
    return {
      ino: i.ino, mode: i.mode, nlink: i.nlink, uid: i.uid, gid: i.gid, rdev: i.rdev,
      size: isDir(i.mode) ? BLOCK_SIZE : i.size,
      blocks: (i.extents?.blocks ?? 0) * (BLOCK_SIZE / 512),
      atimeNs: i.atimeNs, mtimeNs: i.mtimeNs, ctimeNs: i.ctimeNs,
    };
  }

  /** chmod/chown/utimes; ctime becomes now. The size changes through store(ino).setSize (truncate). */
  setattr(ino: number, changes: SetAttr): Attr {
    const inode = this.meta.inode(ino);
    if (changes.mode !== undefined) inode.mode = (inode.mode & S_IFMT) | (changes.mode & 0o7777);
    if (changes.uid !== undefined) inode.uid = changes.uid;
    if (changes.gid !== undefined) inode.gid = changes.gid;
    if (changes.atimeNs !== undefined) inode.atimeNs = changes.atimeNs;
    if (changes.mtimeNs !== undefined) inode.mtimeNs = changes.mtimeNs;
    inode.ctimeNs = currentTime();
    this.journal.markDirty(inode);
    return this.getattr(ino);
  }

  /**
   * The file's data changed (a write or truncate system call): mtime and ctime become now. Only the
   * system call does this; the store's writeback, later, changes no time (mirrors file_update_time()).
   */
  fileUpdateTime(ino: number): void {
    const inode = this.meta.inode(ino);
    inode.mtimeNs = inode.ctimeNs = currentTime();
    this.journal.markDirty(inode);
  }

  /** The stored entries; '.' and '..' are not among them (lookup resolves them). */
  readdir(ino: number): DirEntry[] {
    const dir = this.dir(ino);
    return [...dir.entries].map(([name, child]) => ({ name, ino: child, mode: this.meta.inode(child).mode }));
  }

  readlink(ino: number): string {
    const inode = this.meta.inode(ino);
    check(isLnk(inode.mode), 'EINVAL', 'not a symlink');
    return inode.target;
  }

  // ---- names ----

  private newName(parent: number, name: string): Inode & { entries: Map<string, number> } {
    const dir = this.dir(parent);
    check(dir.nlink > 0, 'ENOENT', 'the directory has been removed');
    check(name !== '.' && name !== '..', 'EEXIST');
    checkName(name);
    check(!dir.entries.has(name), 'EEXIST', `'${name}' exists`);
    return dir;
  }

  private touchDir(dir: Inode, now: bigint): void {
    dir.mtimeNs = dir.ctimeNs = now;
    this.journal.markDirty(dir);
  }

  private makeInode(parent: number, name: string, mode: number, uid: number, gid: number, target = '', rdev = 0): Attr {
    const dir = this.newName(parent, name);
    this.space.reserveMetadata(RECORD_BYTES.inode(Buffer.byteLength(target)) + RECORD_BYTES.link(Buffer.byteLength(name)));
    const now = currentTime();
    const inode = new Inode({
      ino: this.nextIno++, mode, nlink: isDir(mode) ? 2 : 1, uid, gid, rdev, flags: 0, size: Buffer.byteLength(target),
      atimeNs: now, mtimeNs: now, ctimeNs: now, target,
    });
    this.journal.record({ kind: 'inode', attrs: inode });
    this.journal.record({ kind: 'link', parent, name, ino: inode.ino });
    if (isDir(mode)) dir.nlink++;
    this.touchDir(dir, now);
    return this.getattr(inode.ino);
  }

  /** A new regular file (mode: permission bits, with or without S_IFREG). EEXIST, ENOTDIR, ENOSPC, ... */
  create(parent: number, name: string, mode: number, uid: number, gid: number): Attr {
    const type = mode & S_IFMT;
    check(type === 0 || type === S_IFREG, 'EINVAL', 'only regular files can be created');
    return this.makeInode(parent, name, S_IFREG | (mode & 0o7777), uid, gid);
  }

  /**
   * mknod(2) of a fifo, socket, character or block device (`mode` holds the type); `rdev` is kept for
   * devices only. Regular files go through create. EINVAL for another type.
   */
  mknod(parent: number, name: string, mode: number, rdev: number, uid: number, gid: number): Attr {
    check(isSpecial(mode), 'EINVAL', `mknod of type ${(mode & S_IFMT).toString(8)}`);
    return this.makeInode(parent, name, (mode & S_IFMT) | (mode & 0o7777), uid, gid, '', isDevice(mode) ? rdev : 0);
  }

  mkdir(parent: number, name: string, mode: number, uid: number, gid: number): Attr {
    return this.makeInode(parent, name, S_IFDIR | (mode & 0o7777), uid, gid);
  }

  symlink(parent: number, name: string, target: string, uid: number, gid: number): Attr {
    check(target.length > 0, 'ENOENT', 'empty symlink target');
    check(Buffer.byteLength(target) <= MAX_SYMLINK_BYTES, 'ENAMETOOLONG');
    return this.makeInode(parent, name, S_IFLNK | 0o777, uid, gid, target);
  }

  /** A hard link; EPERM for a directory. */
  link(ino: number, newParent: number, newName: string): Attr {
    const inode = this.meta.inode(ino);
    check(!isDir(inode.mode), 'EPERM', 'hard links to directories are not allowed');
    const dir = this.newName(newParent, newName);
    this.space.reserveMetadata(RECORD_BYTES.link(Buffer.byteLength(newName)));
    const now = currentTime();
    this.journal.record({ kind: 'link', parent: newParent, name: newName, ino });
    inode.nlink++;
    inode.ctimeNs = now;
    this.journal.markDirty(inode);
    this.touchDir(dir, now);
    return this.getattr(ino);
  }

  /** Remove a name (EISDIR for a directory); the inode goes with its last name, once closed. */
  unlink(parent: number, name: string): void {
    const dir = this.dir(parent);
    check(name !== '.' && name !== '..', 'EISDIR');
    const child = this.meta.inode(this.lookup(parent, name));
    check(!isDir(child.mode), 'EISDIR');
    const now = currentTime();
    this.journal.record({ kind: 'unlink', parent, name });
    this.dropLink(child, now);
    this.touchDir(dir, now);
  }

  /** Remove an empty directory: ENOTDIR, ENOTEMPTY, EINVAL for '.'. */
  rmdir(parent: number, name: string): void {
    const dir = this.dir(parent);
    check(name !== '.', 'EINVAL', "cannot remove '.'");
    check(name !== '..', 'ENOTEMPTY');
    const child = this.meta.inode(this.lookup(parent, name));
    check(isDir(child.mode), 'ENOTDIR');
    check(child.entries!.size === 0, 'ENOTEMPTY');
    const now = currentTime();
    this.journal.record({ kind: 'unlink', parent, name });
    dir.nlink--;
    this.dropLink(child, now);
    this.touchDir(dir, now);
  }

  /** One name fewer; a directory loses both its links. Frees the inode when nothing holds it. */
  private dropLink(inode: Inode, now: bigint): void {
    inode.nlink = isDir(inode.mode) ? 0 : inode.nlink - 1;
    inode.ctimeNs = now;
    this.journal.markDirty(inode);
    this.files.maybeFree(inode);
  }

  /** True when dir is `ino` itself or lies below it. */
  private isWithin(dirIno: number, ino: number): boolean {
    for (let at = this.meta.inode(dirIno); ; at = this.meta.inode(at.parent)) {
      if (at.ino === ino) return true;
      if (at.ino === ROOT_INO) return false;
    }
  }

  /** rename(2) / renameat2(2) with RENAME_NOREPLACE or RENAME_EXCHANGE, by POSIX rules. */
  rename(oldParent: number, oldName: string, newParent: number, newName: string, flags = 0): void {
    check((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) === 0 && flags !== (RENAME_NOREPLACE | RENAME_EXCHANGE), 'EINVAL', 'bad rename flags');
    for (const name of [oldName, newName]) {
      check(name !== '.' && name !== '..', 'EBUSY');
      checkName(name);
    }
    const from = this.dir(oldParent);
    const to = this.dir(newParent);
    check(to.nlink > 0, 'ENOENT', 'the target directory has been removed');
    const src = this.meta.inode(this.lookup(oldParent, oldName));
    const dstIno = to.entries.get(newName);
    const dst = dstIno === undefined ? undefined : this.meta.inode(dstIno);
    if (flags & RENAME_EXCHANGE) check(dst !== undefined, 'ENOENT');
    if (flags & RENAME_NOREPLACE) check(dst === undefined, 'EEXIST');
    if (dst === src) return;
    if (isDir(src.mode)) check(!this.isWithin(newParent, src.ino), 'EINVAL', 'cannot move a directory into itself');
    if (dst && flags & RENAME_EXCHANGE) {
      if (isDir(dst.mode)) check(!this.isWithin(oldParent, dst.ino), 'EINVAL', 'cannot move a directory into itself');
    } else if (dst) {
      if (isDir(src.mode)) {
        check(isDir(dst.mode), 'ENOTDIR');
        check(dst.entries!.size === 0, 'ENOTEMPTY');
      } else {
        check(!isDir(dst.mode), 'EISDIR');
      }
    }
    // Only a move to a new, longer name makes the metadata grow: an exchange keeps both names, and
    // replacing a name drops one (so a save by rename-over still works on a full metadata area).
    if (!dst) this.space.reserveMetadata(Math.max(0, RECORD_BYTES.link(Buffer.byteLength(newName)) - RECORD_BYTES.link(Buffer.byteLength(oldName))));
    const now = currentTime();
    this.journal.record({ kind: 'link', parent: newParent, name: newName, ino: src.ino });
    if (dst && flags & RENAME_EXCHANGE) {
      this.journal.record({ kind: 'link', parent: oldParent, name: oldName, ino: dst.ino });
      if (oldParent !== newParent && isDir(src.mode) !== isDir(dst.mode)) {
        const delta = isDir(src.mode) ? 1 : -1;
        to.nlink += delta;
        from.nlink -= delta;
      }
      dst.ctimeNs = now;
      this.journal.markDirty(dst);
    } else {
      this.journal.record({ kind: 'unlink', parent: oldParent, name: oldName });
      if (dst) {
        if (isDir(dst.mode)) to.nlink--;
        this.dropLink(dst, now);
      }
      if (isDir(src.mode) && oldParent !== newParent) {
        from.nlink--;
        to.nlink++;
      }
    }
    src.ctimeNs = now;
    this.journal.markDirty(src);
    this.touchDir(from, now);
    this.touchDir(to, now);
  }
}
