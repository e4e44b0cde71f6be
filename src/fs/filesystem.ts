/**
 * Filesystem: a mounted image. Namespace operations work on inode numbers and change memory only,
 * as records added to the running transaction; commits (fsync, sync, the commit timer, unmount;
 * durability.ts) make them durable. Regular files' data goes through store(ino), the BackingStore of src/mm (open-files.ts).
 */
import { Allocator } from './allocator.js';
import { checkMetadata } from './check.js';
import { FileDevice, type ImageDevice } from './device.js';
import { Durability } from './durability.js';
import { ImageError } from './image-error.js';
import { ImageLock } from './image-lock.js';
import { Inode, isDir, isLnk, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from './inode.js';
import { Journal } from './journal.js';
import { BLOCK_SIZE, MAX_NAME_BYTES, MAX_SYMLINK_BYTES, ROOT_INO, type Geometry } from './layout.js';
import { loadImage } from './load.js';
import type { Metadata } from './metadata.js';
import { RECORD_BYTES, type InodeAttrs } from './records.js';
import { OpenFiles } from './open-files.js';
import { Space, type StatFs } from './space.js';
import type { BackingStore } from '../mm/backing-store.js';
import { check, FsError } from '../util/errno.js';
import { currentTime } from '../util/file-time.js';
import type { Logger } from '../util/logger.js';

export type { StatFs } from './space.js';

export interface MountOptions {
  /** How often the commit timer makes changes not fsync'd durable (ms; 0 turns it off). Default 5000. */
  commitIntervalMs?: number;
  logger?: Logger;
}

/** What stat(2) shows: the inode's attributes, and st_blocks in 512-byte units. */
export interface Attr extends Omit<InodeAttrs, 'target'> {
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

export class Filesystem {
  private nextIno: number;
  private readonly durability: Durability;
  private readonly space: Space;
  private readonly files: OpenFiles;

  private constructor(
    device: ImageDevice,
    private readonly journal: Journal,
    private readonly meta: Metadata,
    allocator: Allocator,
    lock: ImageLock | null,
  ) {
    this.durability = new Durability(device, journal, meta, lock);
    this.space = new Space(journal, meta, allocator);
    this.files = new OpenFiles(device, journal, meta, this.space, this.durability);
    let max = ROOT_INO;
    for (const ino of meta.inodes.keys()) max = Math.max(max, ino);
    this.nextIno = max + 1;
  }

  /**
   * Mount the image file, as mountDevice. Refusals leave the image untouched.
   * Context: takes the image lock (held until unmount; released on refusal).
   */
  static async mount(imagePath: string, options: MountOptions = {}): Promise<Filesystem> {
    const lock = await ImageLock.acquire(imagePath);
    try {
      const device = await FileDevice.open(imagePath).catch((err: NodeJS.ErrnoException) => {
        throw new ImageError(`cannot open ${imagePath}: ${err.message}`, err.code === 'ENOENT' ? 'ENOENT' : 'EIO');
      });
      try {
        return await Filesystem.attach(device, options, lock, imagePath);
      } catch (err) {
        await device.close();
        throw err;
      }
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  /**
   * Mount over a device: load the newer checkpoint, replay the log, check the result and rebuild free
   * space from the block maps, free orphans, rewrite a stale superblock copy, then write a checkpoint (a
   * new log epoch, so no record of a crashed session can ever be mistaken for a new one). Nothing is
   * written before all checks pass.
   * Mirrors ext4_fill_super() with jbd2_journal_recover().
   */
  static mountDevice(device: ImageDevice, options: MountOptions = {}): Promise<Filesystem> {
    return Filesystem.attach(device, options, null);
  }

  private static async attach(device: ImageDevice, options: MountOptions, lock: ImageLock | null, image?: string): Promise<Filesystem> {
    const loaded = await loadImage(device, undefined, { image });
    const refusal = loaded.problems.find((p) => !p.mountable);
    if (refusal || !('meta' in loaded)) {
      const p = refusal ?? loaded.problems[0]!;
      throw new ImageError(`cannot mount: ${p.where}: ${p.message} (${p.remedy ?? 'run coherefs fsck for a full report'})`);
    }
    const checked = checkMetadata(loaded.meta, loaded.sb.geometry);
    if (checked.problems.length) {
      throw new ImageError(`cannot mount: inconsistent metadata: ${checked.problems[0]} (run coherefs fsck for a full report)`);
    }
    const journal = new Journal(device, loaded.sb, loaded.meta, checked.allocator, loaded.logEnd, loaded.logSeq);
    const fs = new Filesystem(device, journal, loaded.meta, checked.allocator, lock);
    for (const ino of checked.orphans) fs.files.maybeFree(loaded.meta.get(ino)!);
    await journal.rewriteSuperblocks(loaded.staleCopies);
    await journal.checkpoint();
    const interval = options.commitIntervalMs ?? 5000;
    if (interval > 0) fs.durability.startCommitTimer(interval, options.logger);
    return fs;
  }

  get geometry(): Geometry {
    return this.journal.sb.geometry;
  }

  // ---- lookups and attributes ----

  private inode(ino: number): Inode {
    const inode = this.meta.get(ino);
    if (!inode) throw new FsError('ENOENT', `no inode ${ino}`);
    return inode;
  }

  private dir(ino: number): Inode & { entries: Map<string, number> } {
    const inode = this.inode(ino);
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
    const i = this.inode(ino);
    return {
      ino: i.ino, mode: i.mode, nlink: i.nlink, uid: i.uid, gid: i.gid,
      size: isDir(i.mode) ? BLOCK_SIZE : i.size,
      blocks: (i.extents?.blocks ?? 0) * (BLOCK_SIZE / 512),
      atimeNs: i.atimeNs, mtimeNs: i.mtimeNs, ctimeNs: i.ctimeNs,
    };
  }

  /** chmod/chown/utimes; ctime becomes now. The size changes through store(ino).setSize (truncate). */
  setattr(ino: number, changes: SetAttr): Attr {
    const inode = this.inode(ino);
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
    const inode = this.inode(ino);
    inode.mtimeNs = inode.ctimeNs = currentTime();
    this.journal.markDirty(inode);
  }

  /** The stored entries; '.' and '..' are not among them (lookup resolves them). */
  readdir(ino: number): DirEntry[] {
    const dir = this.dir(ino);
    return [...dir.entries].map(([name, child]) => ({ name, ino: child, mode: this.inode(child).mode }));
  }

  readlink(ino: number): string {
    const inode = this.inode(ino);
    check(isLnk(inode.mode), 'EINVAL', 'not a symlink');
    return inode.target;
  }

  statfs(): StatFs {
    return this.space.statfs();
  }

  // ---- the namespace ----

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

  private makeInode(parent: number, name: string, mode: number, uid: number, gid: number, target = ''): Attr {
    const dir = this.newName(parent, name);
    this.space.reserveMetadata(RECORD_BYTES.inode(Buffer.byteLength(target)) + RECORD_BYTES.link(Buffer.byteLength(name)));
    const now = currentTime();
    const inode = new Inode({
      ino: this.nextIno++, mode, nlink: isDir(mode) ? 2 : 1, uid, gid, size: Buffer.byteLength(target),
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
    const inode = this.inode(ino);
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
    const child = this.inode(this.lookup(parent, name));
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
    const child = this.inode(this.lookup(parent, name));
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
    for (let at = this.inode(dirIno); ; at = this.inode(at.parent)) {
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
    const src = this.inode(this.lookup(oldParent, oldName));
    const dstIno = to.entries.get(newName);
    const dst = dstIno === undefined ? undefined : this.inode(dstIno);
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

  // ---- open files and their data (open-files.ts) ----

  openInode(ino: number): void {
    this.files.openInode(ino);
  }

  openCount(ino: number): number {
    return this.files.openCount(ino);
  }

  releaseInode(ino: number): void {
    this.files.releaseInode(ino);
  }

  store(ino: number): BackingStore {
    return this.files.store(ino);
  }

  // ---- durability (durability.ts) ----

  fsync(ino: number): Promise<void> {
    return this.durability.fsync(ino);
  }

  sync(): Promise<void> {
    return this.durability.sync();
  }

  unmount(): Promise<void> {
    return this.durability.unmount();
  }
}
