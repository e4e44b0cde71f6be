/**
 * A reader thread of the kernel transport: blocks in read(2) on /dev/fuse (each read returns one
 * whole request) and hands a copy of each request to the thread that owns the Vfs. Exits when the
 * read fails with ENODEV: the filesystem was unmounted (or the connection aborted).
 */
import { readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

export interface ReaderWorkerData {
  fd: number;
  bufferBytes: number;
  /** One counter shared by the readers: how many requests they have read (numbers them in read order). */
  requestsRead: BigInt64Array;
}

/** What a reader posts: a request (its bytes transferred) with its number in read order, or why it stopped. */
export type ReaderMessage = { request: ArrayBuffer; seq: number } | { stopped: 'unmounted' } | { stopped: 'error'; message: string };

const { fd, bufferBytes, requestsRead } = workerData as ReaderWorkerData;
const port = parentPort!;
const buffer = Buffer.alloc(bufferBytes);

for (;;) {
  let length: number;
  try {
    length = readSync(fd, buffer, 0, buffer.length, null);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // EINTR: a signal; ENOENT: the request was interrupted before we read it; EAGAIN: nothing yet.
    if (code === 'EINTR' || code === 'ENOENT' || code === 'EAGAIN') continue;
    const message: ReaderMessage = code === 'ENODEV' ? { stopped: 'unmounted' } : { stopped: 'error', message: (err as Error).message };
    port.postMessage(message);
    break;
  }
  const seq = Number(Atomics.add(requestsRead, 0, 1n)) + 1;
  const request = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + length);
  const message: ReaderMessage = { request, seq };
  port.postMessage(message, [request]);
}
