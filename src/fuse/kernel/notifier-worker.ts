/**
 * The notifier thread of the kernel transport: writes each notification it is given to /dev/fuse
 * and answers with the write's outcome. It serves no requests, so it may block in that write
 * while the kernel waits for replies the other threads send (see kernel-page-cache.ts).
 */
import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

export interface NotifierWorkerData {
  fd: number;
}

/** One notification to write, tagged so that its outcome finds its waiter. */
export interface NotifyJob {
  id: number;
  bytes: Uint8Array;
}

/** The outcome of a job: the write's error code, or null when it succeeded. */
export interface NotifyDone {
  id: number;
  code: string | null;
}

const { fd } = workerData as NotifierWorkerData;
const port = parentPort!;

port.on('message', ({ id, bytes }: NotifyJob) => {
  let code: string | null = null;
  try {
    writeSync(fd, bytes);
  } catch (err) {
    code = (err as NodeJS.ErrnoException).code ?? String(err);
  }
  port.postMessage({ id, code } satisfies NotifyDone);
});
