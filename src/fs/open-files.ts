/**
 * OpenFiles: the inodes in use and their data. Counts the opens of each inode (the fs is their one
 * owner; the vfs asks), keeps one FileStore per regular file, and frees an inode once nothing holds
 * it: no name, not open, no I/O in flight (mirrors iput() reaching evict()).
 */
import type { Durability } from './durability.js';
import { FileStore, type StoreHost } from './file-store.js';
import { isDir, isReg, type Inode } from './inode.js';
import type { ImageDevice } from './device.js';
import type { Journal } from './journal.js';
import type { Metadata } from './metadata.js';
import type { Space } from './space.js';
import { INODE_EOFBLOCKS } from './records.js';
import { check } from '../util/errno.js';

export class OpenFiles {
  private readonly openCounts = new Map<number, number>();
  private readonly stores = new Map<number, FileStore>();
  private readonly host: StoreHost;

  constructor(
    device: ImageDevice,
    private readonly journal: Journal,
    private readonly meta: Metadata,
    space: Space,
    durability: Durability,
  ) {
    this.host = storeHost(device, journal, space, durability);
  }

  /** An open file keeps its inode (and blocks) after its last name goes, until releaseInode (iget). */
  openInode(ino: number): void {
    this.meta.inode(ino);
    this.openCounts.set(ino, (this.openCounts.get(ino) ?? 0) + 1);
  }

  /** How many opens hold `ino` (0 for none); the vfs asks it to drop an unlinked file's pages at its last release. */
  openCount(ino: number): number {
    return this.openCounts.get(ino) ?? 0;
  }

  /**
   * The last release frees an inode that has no name left (mirrors iput() reaching evict()).
   * The caller has dropped the file's cached pages first, as evict() truncates the page cache.
   */
  releaseInode(ino: number): void {
    const count = this.openCounts.get(ino);
    check(count !== undefined, 'EBADF', `inode ${ino} is not open`);
    if (count > 1) {
      this.openCounts.set(ino, count - 1);
      return;
    }
    this.openCounts.delete(ino);
    const inode = this.meta.get(ino);
    if (inode) this.maybeFree(inode);
  }

  /** Free an inode nothing holds any more: no name, not open, no I/O in flight on its store. */
  maybeFree(inode: Inode): void {
    if (inode.nlink > 0 || this.openCounts.has(inode.ino)) return;
    const store = this.stores.get(inode.ino);
    this.stores.delete(inode.ino);
    const inflight = store?.retire();
    const free = (): void => {
      if (this.meta.get(inode.ino) === inode) this.journal.record({ kind: 'free', ino: inode.ino });
    };
    if (inflight) void inflight.then(free); else free();
  }

  /** The BackingStore of a regular file (one per inode, kept while the inode lives). */
  store(ino: number): FileStore {
    let store = this.stores.get(ino);
    if (!store) {
      const inode = this.meta.inode(ino);
      check(!isDir(inode.mode), 'EISDIR');
      check(isReg(inode.mode), 'EINVAL', 'not a regular file');
      store = new FileStore(this.host, inode);
      this.stores.set(ino, store);
    }
    return store;
  }
}

/** What a FileStore may do to its inode, the space and the journal (not part of the public surface). */
function storeHost(device: ImageDevice, journal: Journal, space: Space, durability: Durability): StoreHost {
  return {
    device,
    allocate: (n, fromReservation) => space.allocate(n, fromReservation),
    reserveBlocks: (blocks) => space.reserveBlocks(blocks),
    unreserveBlocks: (blocks) => space.unreserveBlocks(blocks),
    reserveExtents: (extents) => space.reserveExtents(extents),
    unreserveExtents: (extents) => space.unreserveExtents(extents),
    unallocate: (runs, fromReservation) => space.unallocate(runs, fromReservation),
    mapBlocks: (inode, lblk, pblk, len) => journal.record({ kind: 'map', ino: inode.ino, lblk, pblk, len }),
    truncateBlocks: (inode, fromLblk) => {
      const runs = inode.extents!.all();
      const last = runs[runs.length - 1];
      if (last && last.lblk + last.len > fromLblk) journal.record({ kind: 'punch', ino: inode.ino, lblk: fromLblk });
      if (inode.flags & INODE_EOFBLOCKS) {
        inode.flags &= ~INODE_EOFBLOCKS;
        journal.markDirty(inode);
      }
    },
    unmapBlocks: (inode, lblk, len) => journal.record({ kind: 'unmap', ino: inode.ino, lblk, len }),
    markBlocksPastEnd: (inode) => {
      if (inode.flags & INODE_EOFBLOCKS) return;
      inode.flags |= INODE_EOFBLOCKS;
      journal.markDirty(inode);
    },
    setSize: (inode, size) => {
      inode.size = size;
      journal.markDirty(inode);
    },
    fsync: (ino) => durability.fsync(ino),
    runningTid: () => journal.runningTid,
    completeTransaction: (tid) => journal.completeTransaction(tid),
  };
}
