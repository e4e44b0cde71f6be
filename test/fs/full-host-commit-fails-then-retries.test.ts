/**
 * Guards commits on a host that fills up under a sparse image: a log append or checkpoint that
 * fails with ENOSPC fails the operation that needed it (fsync here) and keeps its records, instead
 * of aborting the journal; once the host has room again the next commit writes them, and a remount
 * shows every change. Other I/O errors still abort (EIO from then on).
 */
import { describe, expect, it } from 'vitest';
import { Filesystem, MemoryDevice, ROOT_INO, fsck, mkfsDevice } from '../../src/fs/api.js';
import { FsError } from '../../src/util/errno.js';
import type { IoVec } from '../../src/util/iovec.js';

/** A device whose writes fail with `failWith` while it is set, as pwrite on a full host does. */
class FillingDevice extends MemoryDevice {
  failWith: 'ENOSPC' | 'EIO' | null = null;
  /** fdatasync fails with ENOSPC: the host dropped data it could not allocate, and says so once. */
  syncFails = false;
  override async write(pos: number, buf: IoVec): Promise<void> {
    if (this.failWith) throw new FsError(this.failWith, 'host device failing');
    return super.write(pos, buf);
  }
  override async sync(): Promise<void> {
    if (this.syncFails) throw new FsError('ENOSPC', 'fdatasync: no space left on device');
  }
}

async function mounted(): Promise<{ fs: Filesystem; device: FillingDevice }> {
  const device = new FillingDevice(8 * 2 ** 20);
  await mkfsDevice(device);
  return { fs: await Filesystem.mountDevice(device, { commitIntervalMs: 0 }), device };
}

describe('a commit on a full host', () => {
  it('fails with ENOSPC, keeps its records, and the next commit writes them', async () => {
    const { fs, device } = await mounted();
    const ino = fs.create(ROOT_INO, 'a', 0o644, 0, 0).ino;
    device.failWith = 'ENOSPC';
    await expect(fs.fsync(ino)).rejects.toMatchObject({ code: 'ENOSPC' });
    fs.mkdir(ROOT_INO, 'made-meanwhile', 0o755, 0, 0);
    await expect(fs.sync()).rejects.toMatchObject({ code: 'ENOSPC' });

    device.failWith = null;
    await fs.fsync(ino);
    await fs.unmount();
    expect(await fsck(device)).toMatchObject({ clean: true });
    const again = await Filesystem.mountDevice(device, { commitIntervalMs: 0 });
    expect(again.readdir(ROOT_INO).map((e) => e.name).sort()).toEqual(['a', 'made-meanwhile']);
    await again.unmount();
  });

  it('aborts the journal when a sync fails, even with ENOSPC: a later sync could not vouch for the data', async () => {
    const { fs, device } = await mounted();
    fs.create(ROOT_INO, 'c', 0o644, 0, 0);
    device.syncFails = true;
    await expect(fs.sync()).rejects.toMatchObject({ code: 'EIO' });
    device.syncFails = false;
    await expect(fs.sync()).rejects.toThrow(/journal aborted/);
  });

  it('aborts the journal on any other I/O error', async () => {
    const { fs, device } = await mounted();
    fs.create(ROOT_INO, 'b', 0o644, 0, 0);
    device.failWith = 'EIO';
    await expect(fs.sync()).rejects.toMatchObject({ code: 'EIO' });
    device.failWith = null;
    await expect(fs.sync()).rejects.toThrow(/journal aborted/);
  });
});
