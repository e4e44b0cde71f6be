/**
 * ImageDevice: the block device under the filesystem, byte-addressed. The file-backed one is the
 * image file; tests use MemoryDevice or a device that simulates a power cut.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { readvSync, writevSync } from 'node:fs';
import { constants } from 'node:os';
import { FsError, type ErrnoCode } from '../util/errno.js';
import { ioVecGather, ioVecLength, ioVecScatter, ioVecSegments, ioVecSlice, ioVecZero, type IoVec } from '../util/iovec.js';

export interface ImageDevice {
  readonly size: number;
  /** Fill buf's buffers in order from pos; bytes past the end read as zeros. */
  read(pos: number, buf: IoVec): Promise<void>;
  write(pos: number, buf: IoVec): Promise<void>;
  /** A write barrier: everything written before is durable when this resolves (fdatasync). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The image file. Reads and writes are synchronous preadv/pwritev on the JS thread: on an image in
 * the host's page cache they are a memcpy, cheaper than the libuv thread-pool round trip of the async
 * calls, which dominated a 4k O_DIRECT request (measured: 4k direct randread 0.5x -> 0.85x of the
 * ceiling). Only sync() (fdatasync, which waits for the disk) stays on the thread pool. The image
 * must not live on this mount itself (a synchronous call into our own mount would deadlock).
 */
export class FileDevice implements ImageDevice {
  private constructor(private readonly handle: FileHandle, readonly size: number) {}

  static async open(path: string, options: { readOnly?: boolean } = {}): Promise<FileDevice> {
    const handle = await open(path, options.readOnly ? 'r' : 'r+');
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new Error(`${path}: not a regular file`);
      return new FileDevice(handle, stat.size);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async read(pos: number, buf: IoVec): Promise<void> {
    const length = ioVecLength(buf);
    let rest = ioVecSegments(buf);
    for (let done = 0; done < length; rest = ioVecSlice(buf, done, length)) {
      const bytesRead = readvSync(this.handle.fd, rest, pos + done);
      if (bytesRead === 0) return ioVecZero(rest);
      done += bytesRead;
    }
  }

  /** A full host filesystem (the image is sparse) fails with FsError ENOSPC, other failures with their errno. */
  async write(pos: number, buf: IoVec): Promise<void> {
    const length = ioVecLength(buf);
    let rest = ioVecSegments(buf);
    try {
      for (let done = 0; done < length; rest = ioVecSlice(buf, done, length)) {
        done += writevSync(this.handle.fd, rest, pos + done);
      }
    } catch (err) {
      throw imageIoError(err, `image write of ${length} bytes at ${pos}`);
    }
  }

  sync(): Promise<void> {
    return this.handle.datasync().catch((err: unknown) => {
      throw imageIoError(err, 'image fdatasync');
    });
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** The host's error as an FsError with its errno (EIO for anything without one). */
function imageIoError(err: unknown, what: string): FsError {
  const code = (err as NodeJS.ErrnoException).code;
  const errno: ErrnoCode = code !== undefined && code in constants.errno ? (code as ErrnoCode) : 'EIO';
  return new FsError(errno, `${what}: ${(err as Error).message}`);
}

/** A device in memory, for tests and for fsck of an image already read. */
export class MemoryDevice implements ImageDevice {
  readonly bytes: Uint8Array;

  constructor(sizeOrBytes: number | Uint8Array) {
    this.bytes = typeof sizeOrBytes === 'number' ? new Uint8Array(sizeOrBytes) : sizeOrBytes;
  }

  get size(): number {
    return this.bytes.length;
  }

  async read(pos: number, buf: IoVec): Promise<void> {
    ioVecScatter(this.bytes.subarray(Math.min(pos, this.bytes.length)), buf);
  }

  async write(pos: number, buf: IoVec): Promise<void> {
    if (pos + ioVecLength(buf) > this.bytes.length) throw new Error('write past the end of the device');
    ioVecGather(buf, this.bytes, pos);
  }

  async sync(): Promise<void> {}

  async close(): Promise<void> {}
}
