/**
 * Guards the largest file size, which the fs owns: the page cache above it is built with the fs's
 * limit, so a write or truncate past it fails with EFBIG in the system call, before a page is
 * dirtied or a block reserved.
 */
import { describe, expect, it } from 'vitest';
import { MAX_FILE_SIZE } from '../../src/fs/api.js';
import { O_RDWR, freshVfs } from './helpers.js';

describe('the largest file size', () => {
  it('refuses a buffered write and a truncate past it, holding nothing', async () => {
    const { vfs } = await freshVfs();
    vfs.mknod('/big', 0o644);
    const fh = vfs.open('/big', O_RDWR);
    const free = vfs.statfs().bfree;
    await expect(vfs.write(fh, MAX_FILE_SIZE - 2, new Uint8Array(4).fill(1))).rejects.toMatchObject({ code: 'EFBIG' });
    await expect(vfs.ftruncate(fh, MAX_FILE_SIZE + 1)).rejects.toMatchObject({ code: 'EFBIG' });
    expect(vfs.cache.nrDirty).toBe(0);
    expect(vfs.statfs().bfree).toBe(free);
    expect(vfs.getattr('/big').size).toBe(0);
    await vfs.release(fh);
    await vfs.close();
  });
});
