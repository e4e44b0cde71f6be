/**
 * The kernel transport's session: open /dev/fuse, mount it with mount(8) (the fd passed as the
 * child's fd 3), start reader threads that block in read on the fd, and write each reply straight
 * to the fd from the thread that serves. mount(2) returns before INIT is read (the kernel sends it
 * asynchronously), so mount(8) never waits on us. Unmounting is the owner's (unmount-controls.ts),
 * never synchronous: umount stats the mountpoint, a request this thread must answer. Once the
 * connection ends every blocked read fails with ENODEV, and the readers stop.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, writevSync } from 'node:fs';
import { MessageChannel, Worker } from 'node:worker_threads';
import { Notifier } from './notifier.js';
import type { ReaderMessage, ReaderWorkerData } from './reader-worker.js';
import type { Reply } from './reply.js';

/** At least two: one blocked in read while another hands a request over (measured: 1 reader serves a third). */
const READERS = 2;
const CHILD_FD = 3;

export interface KernelMountSpec {
  mountpoint: string;
  /** The source column of mountinfo. */
  source: string;
  /** The -o options for mount(8) other than fd= (rootmode, user_id, ...). */
  options: string;
  readBufferBytes: number;
}

export interface KernelSessionHandlers {
  /**
   * One request as read from the fd, numbered in read order (from 1); replies go through `send`,
   * notifications through `notifier`. Settles once the request is served: its bytes go back to the
   * reader then, to be read over.
   */
  request(bytes: Uint8Array, seq: number, send: (reply: Reply) => void, notifier: Notifier): Promise<void>;
  /** The readers stopped (called once): unmounted (from here or outside), or a read failed. */
  stopped(reason: string): void;
}

/**
 * The kernel transport could not mount here: /dev/fuse would not open, or mount(8) refused (it does
 * for a user other than root, who may still open /dev/fuse, as in the Docker image). Nothing is mounted.
 */
export class KernelMountError extends Error {}

/** mount(8) with `fd` as its fd 3, without blocking this thread; rejects with its stderr on failure. */
function runMount(args: string[], fd: number): Promise<void> {
  const command = 'mount';
  return new Promise((resolve, reject) => {
    const stdio: (number | 'ignore' | 'pipe')[] = ['ignore', 'ignore', 'pipe'];
    stdio[CHILD_FD] = fd;
    const child = spawn(command, args, { stdio });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    // mount(8)'s hint to read dmesg says nothing here: its first line is the cause.
    const cause = (): string => stderr.split('\n').filter((line) => !/dmesg\(1\) may have more information/.test(line)).join('\n').trim();
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed (status ${code}): ${cause()}`)),
    );
  });
}

/** Write one reply; a request interrupted or a connection gone meanwhile is no error of ours. */
function sendReply(fd: number, reply: Reply): void {
  try {
    writevSync(fd, reply);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ENOENT: the kernel no longer waits for this request (interrupted); ENODEV: unmounted.
    if (code !== 'ENOENT' && code !== 'ENODEV') throw err;
  }
}

export interface KernelSession {
  /** How many requests the readers have read so far: the number of the last one read. */
  requestsRead(): number;
}

/** Mount /dev/fuse on `spec.mountpoint` and start serving; resolves once mount(8) succeeded. */
export async function startKernelSession(spec: KernelMountSpec, handlers: KernelSessionHandlers): Promise<KernelSession> {
  let fd: number;
  try {
    fd = openSync('/dev/fuse', 'r+');
  } catch (err) {
    throw new KernelMountError(`the kernel transport cannot open /dev/fuse (${(err as Error).message}); it needs root, or use -o transport=libfuse`);
  }
  try {
    // -i: do not look for /sbin/mount.fuse.coherefs (mount.fuse would try to run a program named by the source).
    await runMount(['-i', '-t', 'fuse.coherefs', '-o', `fd=${CHILD_FD},${spec.options}`, spec.source, spec.mountpoint], fd);
  } catch (err) {
    closeSync(fd);
    throw new KernelMountError((err as Error).message);
  }
  const send = (reply: Reply): void => sendReply(fd, reply);
  const notifier = new Notifier(fd);
  let running = READERS;
  let stopReason: string | undefined;
  const stop = (reason: string): void => {
    if (stopReason !== undefined) return;
    stopReason = reason;
    handlers.stopped(reason);
  };
  const requestsRead = new BigInt64Array(new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT));
  for (let i = 0; i < READERS; i++) {
    const served = new MessageChannel();
    const workerData: ReaderWorkerData = { fd, bufferBytes: spec.readBufferBytes, requestsRead, served: served.port2 };
    const reader = new Worker(new URL('./reader-worker.js', import.meta.url), { workerData, transferList: [served.port2] });
    reader.on('message', (message: ReaderMessage) => {
      if ('request' in message) {
        const { request } = message;
        void handlers.request(new Uint8Array(request, 0, message.length), message.seq, send, notifier)
          .finally(() => served.port1.postMessage(request, [request]));
      } else stop(message.stopped === 'unmounted' ? 'unmounted' : `reading /dev/fuse failed: ${message.message}`);
    });
    reader.on('error', (err) => stop(`a reader thread failed: ${err.message}`));
    reader.on('exit', () => {
      served.port1.close();
      // The notifier writes to the fd too: it stops before the fd number can be reused.
      if (--running === 0) void notifier.close().finally(() => closeSync(fd));
    });
  }
  return { requestsRead: () => Number(Atomics.load(requestsRead, 0)) };
}
