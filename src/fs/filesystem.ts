/**
 * Filesystem: a mounted image, the one public class of src/fs. It mounts and composes the parts,
 * each one job: the namespace (names and attributes, namespace.ts), the open files and their data
 * (open counts, one BackingStore of src/mm per regular file, open-files.ts), the space those hold
 * (space.ts), and durability (fsync, sync, the commit timer, unmount; durability.ts). Namespace
 * operations change memory only, as records added to the running transaction; commits make them durable.
 */
import { Allocator } from './allocator.js';
import { checkMetadata } from './check.js';
import { FileDevice, type ImageDevice } from './device.js';
import { Durability } from './durability.js';
import { ImageError } from './image-error.js';
import { ImageLock } from './image-lock.js';
import { Journal } from './journal.js';
import type { Geometry } from './layout.js';
import { loadImage } from './load.js';
import type { Metadata } from './metadata.js';
import { Namespace, type Attr, type DirEntry, type SetAttr } from './namespace.js';
import { OpenFiles } from './open-files.js';
import { Space, type StatFs } from './space.js';
import type { BackingStore } from '../mm/backing-store.js';
import type { Logger } from '../util/logger.js';

export { RENAME_EXCHANGE, RENAME_NOREPLACE, type Attr, type DirEntry, type SetAttr } from './namespace.js';
export type { StatFs } from './space.js';

export interface MountOptions {
  /** How often the commit timer makes changes not fsync'd durable (ms; 0 turns it off). Default 5000. */
  commitIntervalMs?: number;
  logger?: Logger;
}

export class Filesystem {
  private readonly names: Namespace;
  private readonly files: OpenFiles;
  private readonly space: Space;
  private readonly durability: Durability;

  private constructor(
    device: ImageDevice,
    private readonly journal: Journal,
    meta: Metadata,
    allocator: Allocator,
    lock: ImageLock | null,
  ) {
    this.durability = new Durability(device, journal, meta, lock);
    this.space = new Space(journal, meta, allocator);
    this.files = new OpenFiles(device, journal, meta, this.space, this.durability);
    this.names = new Namespace(journal, meta, this.space, this.files);
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

  // ---- names and attributes (namespace.ts) ----

  lookup(parent: number, name: string): number {
    return this.names.lookup(parent, name);
  }

  getattr(ino: number): Attr {
    return this.names.getattr(ino);
  }

  setattr(ino: number, changes: SetAttr): Attr {
    return this.names.setattr(ino, changes);
  }

  fileUpdateTime(ino: number): void {
    this.names.fileUpdateTime(ino);
  }

  readdir(ino: number): DirEntry[] {
    return this.names.readdir(ino);
  }

  readlink(ino: number): string {
    return this.names.readlink(ino);
  }

  create(parent: number, name: string, mode: number, uid: number, gid: number): Attr {
    return this.names.create(parent, name, mode, uid, gid);
  }

  mknod(parent: number, name: string, mode: number, rdev: number, uid: number, gid: number): Attr {
    return this.names.mknod(parent, name, mode, rdev, uid, gid);
  }

  mkdir(parent: number, name: string, mode: number, uid: number, gid: number): Attr {
    return this.names.mkdir(parent, name, mode, uid, gid);
  }

  symlink(parent: number, name: string, target: string, uid: number, gid: number): Attr {
    return this.names.symlink(parent, name, target, uid, gid);
  }

  link(ino: number, newParent: number, newName: string): Attr {
    return this.names.link(ino, newParent, newName);
  }

  unlink(parent: number, name: string): void {
    this.names.unlink(parent, name);
  }

  rmdir(parent: number, name: string): void {
    this.names.rmdir(parent, name);
  }

  rename(oldParent: number, oldName: string, newParent: number, newName: string, flags = 0): void {
    this.names.rename(oldParent, oldName, newParent, newName, flags);
  }

  // ---- open files and their data (open-files.ts), and the space they hold (space.ts) ----

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

  // fallocate(2) and lseek(2)'s SEEK_DATA/SEEK_HOLE on a regular file's blocks (file-store.ts);
  // the caller keeps the page cache coherent with them.

  allocateRange(ino: number, pos: number, length: number, keepSize: boolean): Promise<void> {
    return this.files.store(ino).allocateRange(pos, length, keepSize);
  }

  /** Punch a hole; `dropCached` drops the range's cached pages once the punch cannot be refused (file-store.ts). */
  punchRange(ino: number, pos: number, length: number, dropCached: () => Promise<void>): Promise<void> {
    return this.files.store(ino).punchRange(pos, length, dropCached);
  }

  zeroRange(ino: number, pos: number, length: number): Promise<void> {
    return this.files.store(ino).zeroRange(pos, length);
  }

  /** The first mapped block at or after `index`, or null. */
  nextDataBlock(ino: number, index: number): number | null {
    return this.files.store(ino).nextDataBlock(index);
  }

  /** The first unmapped block at or after `index`. */
  nextHoleBlock(ino: number, index: number): number {
    return this.files.store(ino).nextHoleBlock(index);
  }

  statfs(): StatFs {
    return this.space.statfs();
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
