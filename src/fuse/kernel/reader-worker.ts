/**
 * A reader thread of the kernel transport: blocks in read(2) on /dev/fuse (each read returns one
 * whole request) and hands the buffer it read into to the thread that owns the Vfs, which hands it
 * back once the request is served. Reusing buffers matters: a new one per request (up to 1 MiB
 * with a WRITE's data) made V8 count that much more external memory each time, which it answers
 * with full collections of the whole heap. Exits when the read fails with ENODEV: the filesystem
 * was unmounted (or the connection aborted).
 */
import { readSync } from 'node:fs';
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';

export interface ReaderWorkerData {
  fd: number;
  bufferBytes: number;
  /** One counter shared by the readers: how many requests they have read (numbers them in read order). */
  requestsRead: BigInt64Array;
  /** Where the buffers of served requests come back (each transferred, as an ArrayBuffer). */
  served: MessagePort;
}

/**
 * What a reader posts: a request (the buffer transferred; the request is its first `length` bytes)
 * with its number in read order, or why it stopped.
 */
export type ReaderMessage =
  | { request: ArrayBuffer; length: number; seq: number }
  | { stopped: 'unmounted' }
  | { stopped: 'error'; message: string };

/** Spare buffers kept: more than this many requests in flight from one reader get new buffers. */
const SPARES_KEPT = 16;

const { fd, bufferBytes, requestsRead, served } = workerData as ReaderWorkerData;
const port = parentPort!;
const spares: ArrayBuffer[] = [];

for (;;) {
  // Not waited for: a buffer still in use is replaced by a new one, so no request waits on another.
  for (let back = receiveMessageOnPort(served); back; back = receiveMessageOnPort(served)) {
    if (spares.length < SPARES_KEPT) spares.push(back.message as ArrayBuffer);
  }
  const buffer = spares.pop() ?? new ArrayBuffer(bufferBytes);
  let length: number;
  try {
    length = readSync(fd, new Uint8Array(buffer), 0, bufferBytes, null);
  } catch (err) {
    spares.push(buffer);
    const code = (err as NodeJS.ErrnoException).code;
    // EINTR: a signal; ENOENT: the request was interrupted before we read it; EAGAIN: nothing yet.
    if (code === 'EINTR' || code === 'ENOENT' || code === 'EAGAIN') continue;
    const message: ReaderMessage = code === 'ENODEV' ? { stopped: 'unmounted' } : { stopped: 'error', message: (err as Error).message };
    port.postMessage(message);
    break;
  }
  const seq = Number(Atomics.add(requestsRead, 0, 1n)) + 1;
  const message: ReaderMessage = { request: buffer, length, seq };
  port.postMessage(message, [buffer]);
}
