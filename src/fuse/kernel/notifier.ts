/**
 * Sending notifications to the kernel from a thread of their own (notifier-worker.ts): the kernel
 * handles a notification inside the write(2) that delivers it, and may wait there for replies to
 * requests (see kernel-page-cache.ts), so the thread that serves requests must never write one.
 * Not libuv's pool either: blocked notifications could fill it and starve the image IO that those
 * replies need. This thread awaits the outcome and keeps serving meanwhile.
 */
import { Worker } from 'node:worker_threads';
import type { NotifierWorkerData, NotifyDone, NotifyJob } from './notifier-worker.js';

export class Notifier {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private nextId = 1;
  private failure: Error | undefined;

  /** `fd` is the /dev/fuse connection; it must stay open until close() resolved. */
  constructor(fd: number) {
    this.worker = new Worker(new URL('./notifier-worker.js', import.meta.url), { workerData: { fd } satisfies NotifierWorkerData });
    // Idle, it must not keep the daemon alive; while a notification is out, it does (see send).
    this.worker.unref();
    this.worker.on('message', ({ id, code }: NotifyDone) => {
      const waiter = this.waiting.get(id);
      this.waiting.delete(id);
      if (this.waiting.size === 0) this.worker.unref();
      // ENOENT: the kernel holds nothing the notification names (an inode not in its cache);
      // ENODEV: the connection is gone, and with it the kernel's cache.
      if (code === null || code === 'ENOENT' || code === 'ENODEV') waiter?.resolve();
      else waiter?.reject(new Error(`a FUSE notification failed: ${code}`));
    });
    this.worker.on('error', (err) => this.fail(new Error(`the notifier thread failed: ${err.message}`)));
  }

  /** Write one notification (notify.ts); resolves once the kernel has acted on it. */
  send(bytes: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, bytes } satisfies NotifyJob);
    });
  }

  /** Stop the thread (the connection ended); notifications still out count as done (ENODEV). */
  async close(): Promise<void> {
    this.failure ??= new Error('the notifier is closed');
    await this.worker.terminate();
    for (const waiter of this.waiting.values()) waiter.resolve();
    this.waiting.clear();
  }

  private fail(err: Error): void {
    this.failure = err;
    for (const waiter of this.waiting.values()) waiter.reject(err);
    this.waiting.clear();
  }
}
