/**
 * The kernel acts on a notification inside the write(2) that delivers it and may wait there for
 * replies only the serving thread can send; so the Notifier writes from a thread of its own, and
 * the serving thread keeps running while that write blocks. Shown with a full pipe as the "device":
 * the write blocks until the pipe is drained, timers still fire meanwhile, and the bytes arrive
 * whole. A failed write (not ENOENT or ENODEV) rejects with its code. Uses the built dist/ (the
 * thread runs notifier-worker.js).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectFile } from '../../../src/util/project-file.js';
import { invalInodeMessage } from '../../../src/fuse/kernel/notify.js';

type NotifierModule = typeof import('../../../src/fuse/kernel/notifier.js');
const { Notifier } = (await import(projectFile('dist/src/fuse/kernel/notifier.js'))) as NotifierModule;

describe('the notifier thread', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).reverse().forEach((cleanup) => cleanup()));

  it('blocks in its own write while this thread goes on, and delivers the message whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coherefs-notifier-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const fifo = join(dir, 'device');
    execFileSync('mkfifo', [fifo]);
    const drain = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    cleanups.push(() => closeSync(drain));
    const device = openSync(fifo, constants.O_RDWR);
    const notifier = new Notifier(device);
    cleanups.push(() => closeSync(device));
    let filled = 0;
    const chunk = Buffer.alloc(4096, 0xaa);
    for (;;) {
      try {
        filled += writeSync(drain, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') break;
        throw err;
      }
    }

    const message = invalInodeMessage({ ino: 7, off: 4096, len: 8192 });
    let delivered = false;
    const sent = notifier.send(message).then(() => (delivered = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(delivered).toBe(false);

    const received: Buffer[] = [];
    const buffer = Buffer.alloc(65536);
    let total = 0;
    while (total < filled + message.length) {
      try {
        const bytes = readSync(drain, buffer);
        received.push(Buffer.from(buffer.subarray(0, bytes)));
        total += bytes;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    await sent;
    expect(Buffer.concat(received).subarray(filled)).toEqual(Buffer.from(message));
    await notifier.close();
  });

  it('rejects with the code of a failed write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coherefs-notifier-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const readOnly = openSync(join(dir, 'file'), constants.O_RDONLY | constants.O_CREAT);
    cleanups.push(() => closeSync(readOnly));
    const notifier = new Notifier(readOnly);
    await expect(notifier.send(invalInodeMessage({ ino: 1, off: 0, len: 1 }))).rejects.toThrow(/EBADF/);
    await notifier.close();
  });
});
