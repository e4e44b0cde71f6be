/**
 * The threads of the hand-off measurement (hand-off.ts), over two FIFOs standing in for /dev/fuse:
 * - `client`: plays the kernel and its one fio job: writes a READ-sized request, waits for the whole
 *   reply, again, until its time is up (after a warm-up); posts how many round trips it made;
 * - `server`: answers each request itself in the thread that read it, as DESIGN.md §8's workers will
 *   (read → encode the reply → writev), until it reads the stop request.
 */
import { readSync, writeSync, writevSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { dataReply } from '../src/fuse/kernel/reply.js';
import { REPLY_BYTES, REPLY_DATA_BYTES, REQUEST_BYTES, STOP, type ClientResult, type HandOffWorkerData } from './hand-off.js';

/** Read exactly `buffer.length` bytes: a reply larger than PIPE_BUF may come in pieces. */
function readWhole(fd: number, buffer: Buffer): void {
  for (let got = 0; got < buffer.length; ) got += readSync(fd, buffer, got, buffer.length - got, null);
}

/** Threads just started run slower for a while (JIT, first wake-ups): not counted. */
const WARM_UP_MS = 250;

function client({ requestFd, replyFd, durationMs }: HandOffWorkerData): ClientResult {
  const request = Buffer.alloc(REQUEST_BYTES);
  const reply = Buffer.alloc(REPLY_BYTES);
  const roundTrip = (): void => {
    writeSync(requestFd, request);
    readWhole(replyFd, reply);
  };
  const warmUpEnd = performance.now() + WARM_UP_MS;
  while (performance.now() < warmUpEnd) roundTrip();
  const start = performance.now();
  const deadline = start + durationMs!;
  let requests = 0;
  while (requests % 64 !== 0 || performance.now() < deadline) {
    roundTrip();
    requests++;
  }
  return { requests, seconds: (performance.now() - start) / 1000 };
}

function server({ requestFd, replyFd }: HandOffWorkerData): void {
  const request = Buffer.alloc(REQUEST_BYTES * 4);
  const data = new Uint8Array(REPLY_DATA_BYTES);
  for (;;) {
    readSync(requestFd, request, 0, request.length, null);
    if (request[0] === STOP) return;
    writevSync(replyFd, dataReply(1n, data));
  }
}

const options = workerData as HandOffWorkerData;
if (options.role === 'client') parentPort!.postMessage(client(options));
else server(options);
