/**
 * Guards the balance of space reservations in the image filesystem: blocks reserved by dirty pages
 * and then written back (in one run or several, some reservations unused) leave nothing held
 * afterwards, neither data blocks nor metadata room: statfs reads exactly as after the same writes
 * made without reservations. A write that fails gives its blocks back and the reservation stays
 * with the caller.
 */
import { describe, expect, it } from 'vitest';
import { Filesystem, MemoryDevice, ROOT_INO, mkfsDevice } from '../../src/fs/api.js';
import { FsError } from '../../src/util/errno.js';
import type { IoVec } from '../../src/util/iovec.js';
import { freshFs } from './helpers.js';

const BLOCK = 4096;

class FailingDevice extends MemoryDevice {
  failing = false;
  override async write(pos: number, buf: IoVec): Promise<void> {
    if (this.failing) throw new FsError('EIO', 'the disk is failing');
    return super.write(pos, buf);
  }
}

async function statfsAfter(reserved: boolean): Promise<{ bfree: number; ffree: number }> {
  const { fs } = await freshFs();
  const store = fs.store(fs.create(ROOT_INO, 'f', 0o644, 0, 0).ino);
  const write = async (block: number, blocks: number, reserve: number): Promise<void> => {
    if (reserved) store.reserve(reserve);
    await store.write(block * BLOCK, new Uint8Array(blocks * BLOCK).fill(7), reserved ? reserve : 0);
  };
  await write(0, 32, 32); // one contiguous run: 32 reservations, one extent
  await write(100, 4, 6); // more reserved than used: the rest goes back
  await write(40, 1, 1);
  await write(0, 8, 0); // an overwrite needs none
  await fs.sync();
  const { bfree, ffree } = fs.statfs();
  await fs.unmount();
  return { bfree, ffree };
}

describe('space reservations', () => {
  it('leave no blocks and no metadata room held once their pages are written', async () => {
    expect(await statfsAfter(true)).toEqual(await statfsAfter(false));
  });

  it('stay with the caller when the write fails, and can be given back', async () => {
    const device = new FailingDevice(4 * 2 ** 20);
    await mkfsDevice(device);
    const fs = await Filesystem.mountDevice(device, { commitIntervalMs: 0 });
    const store = fs.store(fs.create(ROOT_INO, 'g', 0o644, 0, 0).ino);
    await fs.sync();
    const before = fs.statfs();
    store.reserve(4);
    device.failing = true;
    await expect(store.write(0, new Uint8Array(4 * BLOCK), 4)).rejects.toMatchObject({ code: 'EIO' });
    device.failing = false;
    expect(fs.statfs().bfree).toBe(before.bfree - 4);
    store.unreserve(4);
    expect(fs.statfs()).toEqual(before);
    await fs.unmount();
  });
});
