/**
 * Guards syncfs (fsync on a directory) against an unlink that evicts a file while the sync waits on
 * an earlier file's commit: the evicted file is skipped, the sync succeeds, and the files after it
 * are still written back.
 */
import { describe, expect, it } from 'vitest';
import { O_RDWR, freshVfs } from './helpers.js';

describe('syncfs', () => {
  it('writes back every other file when one is unlinked meanwhile', async () => {
    const { vfs, device } = await freshVfs();
    const deviceSync = device.sync.bind(device);
    device.sync = async () => {
      await new Promise((resolve) => setTimeout(resolve, 5)); // fdatasync takes time
      return deviceSync();
    };
    for (const name of ['a', 'victim', 'c']) {
      vfs.mknod(`/${name}`, 0o644);
      const fh = vfs.open(`/${name}`, O_RDWR);
      await vfs.write(fh, 0, new Uint8Array(100).fill(1));
      await vfs.release(fh); // dirty pages stay in the cache
    }
    const sync = vfs.syncAll();
    await new Promise((resolve) => setTimeout(resolve, 1));
    await vfs.unlink('/victim');
    await sync;
    expect(vfs.stats().cache.dirtyBytes).toBe(0);
    await vfs.close();
  });
});
