import { describe, expect, it } from 'vitest';
import { Filesystem, fsck, ROOT_INO } from '../../src/fs/api.js';
import { asyncErrnoOf, errnoOf, freshFs } from './helpers.js';

describe('a full image', () => {
  it('fails writes with ENOSPC, stays consistent, and deleting frees the space', async () => {
    const { fs, device } = await freshFs(4 * 2 ** 20);
    const emptyFree = fs.statfs().bfree;
    const chunk = new Uint8Array(256 * 1024).fill(9);
    let files = 0;
    let failure: string | undefined;
    while (!failure) {
      const ino = fs.create(ROOT_INO, `f${files++}`, 0o644, 0, 0).ino;
      const store = fs.store(ino);
      failure = await asyncErrnoOf(() => store.write(0, chunk));
      if (failure) expect([store.size(), fs.getattr(ino).blocks]).toEqual([0, 0]);
    }
    expect(failure).toBe('ENOSPC');
    expect(fs.statfs().bfree).toBeLessThan(chunk.length / 4096);
    await fs.sync();
    for (let i = 0; i < files; i++) fs.unlink(ROOT_INO, `f${i}`);
    expect(fs.statfs().bfree).toBe(emptyFree);
    // The blocks come back once the unlinks are durable; the write commits them itself.
    const again = fs.create(ROOT_INO, 'again', 0o644, 0, 0).ino;
    await fs.store(again).write(0, new Uint8Array((emptyFree - 1) * 4096));
    await fs.unmount();
    expect(await fsck(device)).toMatchObject({ clean: true });
    const remounted = await Filesystem.mountDevice(device, { commitIntervalMs: 0 });
    expect(remounted.statfs().bfree).toBe(1);
    await remounted.unmount();
  });

  it('fails namespace operations with ENOSPC when metadata no longer fits a checkpoint', async () => {
    const { fs, device } = await freshFs(4 * 2 ** 20, { checkpointSize: 16 * 1024 });
    let made = 0;
    let failure: string | undefined;
    while (!failure) failure = errnoOf(() => fs.create(ROOT_INO, `file-with-a-long-name-${made++}`, 0o644, 0, 0));
    expect(failure).toBe('ENOSPC');
    expect(fs.statfs().ffree).toBe(0);
    await fs.unmount();
    expect(await fsck(device)).toMatchObject({ clean: true });
    const remounted = await Filesystem.mountDevice(device, { commitIntervalMs: 0 });
    expect(remounted.readdir(ROOT_INO).length).toBe(made - 1);
    remounted.unlink(ROOT_INO, 'file-with-a-long-name-0');
    remounted.create(ROOT_INO, 'x', 0o644, 0, 0);
    await remounted.unmount();
  });
});
