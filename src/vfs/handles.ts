/**
 * Open file handles (struct file): what FUSE calls `fh`. A handle records its open flags, so each
 * read and write takes the path the file was opened for: O_DIRECT goes to direct IO, anything else
 * through the page cache. Each handle also hears of every writeback failure of its file once, at its
 * next fsync or close. Handles are keyed by number, never by path: an open file unlinked or renamed
 * over is released under a name it no longer has (or none).
 */
import { openFileErrors, type ErrseqCursor, type Mapping } from '../mm/api.js';
import { FsError } from '../util/errno.js';
import { O_APPEND, O_DIRECT, isWritable } from './open-flags.js';

export interface FileHandle {
  readonly ino: number;
  readonly mapping: Mapping;
  /** The writeback errors this handle has been told of (f_wb_err). */
  readonly wbErr: ErrseqCursor;
  readonly flags: number;
  readonly direct: boolean;
  readonly append: boolean;
  readonly writable: boolean;
}

export class HandleTable {
  private readonly handles = new Map<number, FileHandle>();
  private nextFh = 1;

  add(ino: number, mapping: Mapping, flags: number): number {
    const fh = this.nextFh++;
    this.handles.set(fh, {
      ino,
      mapping,
      wbErr: openFileErrors(mapping),
      flags,
      direct: (flags & O_DIRECT) !== 0,
      append: (flags & O_APPEND) !== 0,
      writable: isWritable(flags),
    });
    return fh;
  }

  get(fh: number): FileHandle {
    const handle = this.handles.get(fh);
    if (!handle) throw new FsError('EBADF', `no open handle ${fh}`);
    return handle;
  }

  remove(fh: number): FileHandle {
    const handle = this.get(fh);
    this.handles.delete(fh);
    return handle;
  }

  get size(): number {
    return this.handles.size;
  }
}
