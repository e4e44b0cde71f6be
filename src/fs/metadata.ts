/**
 * Metadata: every inode, directory and block map, held in memory. The one way to change it is
 * apply(op) with a record: the live filesystem and log replay go through the same function, so a
 * replayed image is exactly the image that was running.
 */
import { Inode, isDir } from './inode.js';
import type { Extent } from './extents.js';
import { RECORD_BYTES, type Op } from './records.js';
import { FsError } from '../util/errno.js';

export class CorruptMetadata extends Error {}

export class Metadata {
  readonly inodes = new Map<number, Inode>();
  /** Bytes a checkpoint of this state takes (kept exact as records apply). */
  bytes = 0;

  get(ino: number): Inode | undefined {
    return this.inodes.get(ino);
  }

  /** The inode a system call names; ENOENT when there is none (freed, or never made). */
  inode(ino: number): Inode {
    const inode = this.inodes.get(ino);
    if (!inode) throw new FsError('ENOENT', `no inode ${ino}`);
    return inode;
  }

  private must(ino: number, op: Op): Inode {
    const inode = this.inodes.get(ino);
    if (!inode) throw new CorruptMetadata(`${op.kind} record names inode ${ino}, which does not exist`);
    return inode;
  }

  /** Apply one record; returns the device blocks it unmapped (the caller decides when they are free). */
  apply(op: Op): Extent[] {
    switch (op.kind) {
      case 'inode': {
        const inode = this.inodes.get(op.attrs.ino);
        if (inode) {
          this.bytes += Buffer.byteLength(op.attrs.target) - Buffer.byteLength(inode.target);
          if (inode !== op.attrs) inode.setAttrs(op.attrs);
        } else {
          this.inodes.set(op.attrs.ino, op.attrs instanceof Inode ? op.attrs : new Inode(op.attrs));
          this.bytes += RECORD_BYTES.inode(Buffer.byteLength(op.attrs.target));
        }
        return [];
      }
      case 'free': {
        const inode = this.must(op.ino, op);
        this.inodes.delete(op.ino);
        this.bytes -= RECORD_BYTES.inode(Buffer.byteLength(inode.target));
        for (const name of inode.entries?.keys() ?? []) this.bytes -= RECORD_BYTES.link(Buffer.byteLength(name));
        if (!inode.extents) return [];
        this.bytes -= inode.extents.count * RECORD_BYTES.map;
        return inode.extents.punchFrom(0);
      }
      case 'link': {
        const dir = this.must(op.parent, op);
        const child = this.must(op.ino, op);
        if (!dir.entries) throw new CorruptMetadata(`link record names inode ${op.parent}, which is not a directory`);
        if (!dir.entries.has(op.name)) this.bytes += RECORD_BYTES.link(Buffer.byteLength(op.name));
        dir.entries.set(op.name, op.ino);
        if (isDir(child.mode)) child.parent = op.parent;
        return [];
      }
      case 'unlink': {
        const dir = this.must(op.parent, op);
        if (dir.entries?.delete(op.name)) this.bytes -= RECORD_BYTES.link(Buffer.byteLength(op.name));
        return [];
      }
      case 'map':
      case 'punch':
      case 'unmap': {
        const extents = this.must(op.ino, op).extents;
        if (!extents) throw new CorruptMetadata(`${op.kind} record names inode ${op.ino}, which is not a regular file`);
        const before = extents.count;
        let freed: Extent[] = [];
        if (op.kind === 'map') extents.map(op.lblk, op.pblk, op.len);
        else freed = op.kind === 'punch' ? extents.punchFrom(op.lblk) : extents.punchRange(op.lblk, op.len);
        this.bytes += (extents.count - before) * RECORD_BYTES.map;
        return freed;
      }
    }
  }

  /** The whole state as records, in an order that replays: inodes, then names, then block maps. */
  *snapshot(): Generator<Op> {
    for (const inode of this.inodes.values()) yield { kind: 'inode', attrs: inode };
    for (const dir of this.inodes.values()) {
      for (const [name, ino] of dir.entries ?? []) yield { kind: 'link', parent: dir.ino, name, ino };
    }
    for (const file of this.inodes.values()) {
      for (const e of file.extents?.all() ?? []) yield { kind: 'map', ino: file.ino, lblk: e.lblk, pblk: e.pblk, len: e.len };
    }
  }
}
