/**
 * Guards the end of an unlinked file: the fs counts its opens, and the vfs asks it, so the last
 * release (and only the last) drops the file's pages before the fs frees its blocks; no dirty page
 * of a freed file is ever written back. Also when a handle is opened by inode and closed while that
 * last release is still dropping pages: its pages go too, before the blocks.
 */
import { describe, expect, it } from 'vitest';
import { Filesystem, MemoryDevice, ROOT_INO, mkfsDevice } from '../../src/fs/api.js';
import { PAGE_SIZE, PageCache, bufferedWrite, fsync } from '../../src/mm/api.js';
import { InodeTable } from '../../src/vfs/inode-table.js';
import { O_RDWR, freshVfs } from './helpers.js';

describe('the last release of an unlinked file', () => {
  it('keeps the pages while another handle is open, then drops them and frees the blocks', async () => {
    const { vfs } = await freshVfs();
    const free = vfs.statfs().bfree;
    vfs.mknod('/doomed', 0o644);
    const first = vfs.open('/doomed', O_RDWR);
    const second = vfs.open('/doomed', O_RDWR);
    const data = new Uint8Array(4 * PAGE_SIZE).fill(0x6d);
    await vfs.write(first, 0, data);
    await vfs.unlink('/doomed');
    await vfs.release(first);
    const back = new Uint8Array(data.length);
    expect(await vfs.read(second, 0, back)).toBe(data.length);
    expect(back).toEqual(data);
    expect(vfs.stats().cache.dirtyBytes).toBe(data.length);
    await vfs.release(second);
    expect(vfs.stats().cache.dirtyBytes).toBe(0);
    expect(vfs.stats().cache.residentBytes).toBe(0);
    expect(vfs.statfs().bfree).toBe(free);
    await vfs.close();
  });

  it('drops the pages of a handle opened and closed by inode while it runs', async () => {
    const device = new MemoryDevice(8 * 2 ** 20);
    await mkfsDevice(device);
    const fs = await Filesystem.mountDevice(device, { commitIntervalMs: 0 });
    const cache = new PageCache({ cacheSize: 1 << 20 });
    const table = new InodeTable(fs, cache);
    const { ino } = fs.create(ROOT_INO, 'doomed', 0o644, 0, 0);
    const first = table.open(ino);
    await bufferedWrite(first, 0, new Uint8Array(PAGE_SIZE).fill(1));
    // Its page stays under writeback until `finish`: the last release waits there to drop it.
    let finish!: () => void;
    const held = new Promise<void>((resolve) => (finish = resolve));
    cache.scheduleHook = (point) => (point === 'writeback:before-store-write' ? held : undefined);
    const writeback = fsync(first).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 5));
    fs.unlink(ROOT_INO, 'doomed');
    const lastRelease = table.release(ino);
    const second = table.open(ino);
    await bufferedWrite(second, 0, new Uint8Array(PAGE_SIZE).fill(2));
    await table.release(ino);
    finish();
    await Promise.all([lastRelease, writeback]);
    expect(second.nrpages).toBe(0);
    expect(cache.nrDirty).toBe(0);
    expect(cache.mappings.size).toBe(0);
    await cache.close();
    await fs.unmount();
  });
});
