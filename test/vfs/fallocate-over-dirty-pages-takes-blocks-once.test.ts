/**
 * Guards the space accounting of fallocate over dirty pages: a dirty page over a hole holds a block
 * reservation, and an allocation (mode 0, KEEP_SIZE, ZERO_RANGE) of its range must not take a
 * second block for it. statfs right after the call counts each block once, the same after fsync,
 * and an image with just room for the data does not fail the call with ENOSPC.
 */
import { describe, expect, it } from 'vitest';
import { FALLOC_FL_KEEP_SIZE as KEEP, FALLOC_FL_ZERO_RANGE as ZERO } from '../../src/vfs/fallocate.js';
import { byteRuns } from '../fs/helpers.js';
import { freshVfs, O_RDWR } from './helpers.js';

const P = 4096;

describe('fallocate over dirty pages', () => {
  it.each([['allocate', 0], ['allocate keeping the size', KEEP], ['zero', ZERO]])('%s takes each block once', async (_, mode) => {
    const { vfs } = await freshVfs();
    vfs.mknod('/f', 0o644);
    const fh = vfs.open('/f', O_RDWR);
    const free = vfs.statfs().bfree;
    await vfs.write(fh, 2 * P, new Uint8Array(4 * P).fill(0xaa));
    expect(vfs.statfs().bfree).toBe(free - 4);
    await vfs.fallocate(fh, mode, 0, 8 * P);
    expect(vfs.statfs().bfree).toBe(free - 8);
    await vfs.fsync(fh);
    expect(vfs.statfs().bfree).toBe(free - 8);
    expect(vfs.getattr('/f').blocks).toBe(8 * 8);
    const bytes = new Uint8Array(vfs.getattr('/f').size);
    await vfs.read(fh, 0, bytes);
    expect(byteRuns(bytes)).toBe(mode === ZERO ? '0-32767:0' : mode === KEEP ? '0-8191:0 8192-24575:aa' : '0-8191:0 8192-24575:aa 24576-32767:0');
    await vfs.release(fh);
    await vfs.close();
  });

  it('succeeds when the image has room for the dirty data and nothing more', async () => {
    const { vfs } = await freshVfs({}, 2 * 2 ** 20);
    vfs.mknod('/f', 0o644);
    const fh = vfs.open('/f', O_RDWR);
    const pages = vfs.statfs().bfree;
    await vfs.write(fh, 0, new Uint8Array(pages * P).fill(0xbb));
    expect(vfs.statfs().bfree).toBe(0);
    await vfs.fallocate(fh, 0, 0, pages * P);
    expect(vfs.statfs().bfree).toBe(0);
    await vfs.release(fh);
    await vfs.close();
  });
});
