/**
 * Guards O_APPEND: two appenders on one file (as through two hard-link names, which the kernel does
 * not serialize for us) each land after the other's record, even when the first one sleeps (its
 * tail page under writeback) between reading i_size and writing there.
 */
import { constants } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { O_RDWR, freshVfs } from './helpers.js';

describe('O_APPEND', () => {
  it('two appenders never write at the same offset', async () => {
    const { vfs } = await freshVfs();
    vfs.mknod('/log', 0o644);
    vfs.link('/log', '/log-too');
    const writer = vfs.open('/log', O_RDWR);
    await vfs.write(writer, 0, new Uint8Array(100).fill(0x2e));
    // The tail page is under a slow writeback when the first appender arrives.
    vfs.cache.scheduleHook = (point) => (point === 'writeback:before-store-write' ? new Promise((resolve) => setTimeout(resolve, 20)) : undefined);
    const writeback = vfs.fsync(writer);
    const first = vfs.open('/log', O_RDWR | constants.O_APPEND);
    const second = vfs.open('/log-too', O_RDWR | constants.O_APPEND);
    const a = vfs.write(first, 0, new TextEncoder().encode('AAAA\n'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const b = vfs.write(second, 0, new TextEncoder().encode('BBBB\n'));
    expect([await a, await b]).toEqual([5, 5]);
    await writeback;
    vfs.cache.scheduleHook = null;
    expect(vfs.getattr('/log').size).toBe(110);
    const tail = new Uint8Array(10);
    await vfs.read(writer, 100, tail);
    expect(new TextDecoder().decode(tail)).toBe('AAAA\nBBBB\n');
    for (const fh of [writer, first, second]) await vfs.release(fh);
    await vfs.close();
  });
});
