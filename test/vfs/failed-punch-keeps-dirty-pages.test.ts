/**
 * Guards fallocate's punch against losing data when it fails: a punch the VFS refuses (EFBIG, past
 * the largest file size) or the image cannot record (ENOSPC: the hole would split an extent and the
 * metadata is full) changes nothing, so the range's dirty pages are still there with their
 * reservations, and the data reads back, also after fsync.
 */
import { describe, expect, it } from 'vitest';
import { ROOT_INO } from '../../src/fs/api.js';
import { FALLOC_FL_KEEP_SIZE as KEEP, FALLOC_FL_PUNCH_HOLE as PUNCH } from '../../src/vfs/fallocate.js';
import type { Vfs } from '../../src/vfs/api.js';
import { byteRuns } from '../fs/helpers.js';
import { freshVfs, O_RDWR } from './helpers.js';

const P = 4096;

async function contents(vfs: Vfs, fh: number): Promise<string> {
  const buf = new Uint8Array(vfs.getattr(vfs.inodeOf(fh)).size);
  await vfs.read(fh, 0, buf);
  return byteRuns(buf);
}

describe('a punch that fails', () => {
  it('past the largest file size is EFBIG and keeps the dirty pages and their reservations', async () => {
    const { vfs } = await freshVfs();
    vfs.mknod('/f', 0o644);
    const fh = vfs.open('/f', O_RDWR);
    await vfs.write(fh, 0, new Uint8Array(2 * P).fill(0xaa));
    const free = vfs.statfs().bfree;
    await expect(vfs.fallocate(fh, PUNCH | KEEP, 100, 2 ** 44)).rejects.toMatchObject({ code: 'EFBIG' });
    expect(await contents(vfs, fh)).toBe('0-8191:aa');
    expect(vfs.statfs().bfree).toBe(free);
    await vfs.fsync(fh);
    expect(await contents(vfs, fh)).toBe('0-8191:aa');
    await vfs.release(fh);
    await vfs.close();
  });

  it('for want of metadata room to split an extent is ENOSPC and keeps the dirty pages', async () => {
    const { vfs } = await freshVfs({ checkpointSize: 16 * 1024 });
    vfs.mknod('/f', 0o644);
    const fh = vfs.open('/f', O_RDWR);
    await vfs.write(fh, 0, new Uint8Array(4 * P).fill(0xaa));
    await vfs.fsync(fh);
    await vfs.write(fh, P, new Uint8Array(2 * P).fill(0xbb));
    // Fill the metadata: the next extent record has no room.
    for (let n = 0; ; n++) {
      try {
        vfs.fs.create(ROOT_INO, `filler-with-a-long-name-${n}`, 0o644, 0, 0);
      } catch (err) {
        expect(err).toMatchObject({ code: 'ENOSPC' });
        break;
      }
    }
    await expect(vfs.fallocate(fh, PUNCH | KEEP, P, 2 * P)).rejects.toMatchObject({ code: 'ENOSPC' });
    const expected = '0-4095:aa 4096-12287:bb 12288-16383:aa';
    expect(await contents(vfs, fh)).toBe(expected);
    await vfs.fsync(fh);
    expect(await contents(vfs, fh)).toBe(expected);
    await vfs.release(fh);
    await vfs.close();
  });
});
