/**
 * A file on the host filesystem, used in place of a MemoryFile: the passthrough daemon's storage.
 * Every request becomes one pread or pwrite on it, with no cache of the daemon's own, so a mount of
 * it shows what any daemon pays that must reach its backing file on each request (direct IO, or a
 * working set larger than its cache), on top of what the binding costs.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';

export class HostFile {
  private readonly fd: number;

  constructor(private readonly path: string) {
    this.fd = openSync(path, 'w+');
  }

  get size(): number {
    return fstatSync(this.fd).size;
  }

  read(into: Buffer, length: number, pos: number): number {
    return readSync(this.fd, into, 0, length, pos);
  }

  write(from: Buffer, length: number, pos: number): number {
    return writeSync(this.fd, from, 0, length, pos);
  }

  truncate(size: number): void {
    ftruncateSync(this.fd, size);
  }

  remove(): void {
    closeSync(this.fd);
    unlinkSync(this.path);
  }
}
