/**
 * Guards the blocks fallocate keeps past the end of a file (FALLOC_FL_KEEP_SIZE, INODE_EOFBLOCKS):
 * a truncate frees them also when it leaves the size as it was (an O_TRUNC open of an empty file,
 * ftruncate to the current size), as ext4 does; statfs gets them back, the flag goes, and fsck finds
 * the image clean and the file with only the blocks under its size, after a remount too.
 */
import { describe, expect, it } from 'vitest';
import { fsck } from '../../src/fs/api.js';
import { Vfs } from '../../src/vfs/api.js';
import { FALLOC_FL_KEEP_SIZE as KEEP } from '../../src/vfs/fallocate.js';
import { freshVfs, O_RDWR } from './helpers.js';

const P = 4096;
const SECTORS = P / 512;

describe('truncate and blocks kept past EOF', () => {
  it.each([
    ['an empty file truncated to 0', 0, 0],
    ['a file truncated to its own size', 100, 1],
    ['a file shrunk', 3 * P, 1],
  ])('%s frees them', async (_, sizeBefore, blocksLeft) => {
    const { vfs, device } = await freshVfs();
    vfs.mknod('/f', 0o644);
    const fh = vfs.open('/f', O_RDWR);
    const free = vfs.statfs().bfree;
    if (sizeBefore > 0) await vfs.write(fh, 0, new Uint8Array(sizeBefore).fill(1));
    await vfs.fallocate(fh, KEEP, 0, 8 * P);
    await vfs.fsync(fh);
    expect(vfs.getattr('/f').blocks).toBe(8 * SECTORS);
    const newSize = Math.min(sizeBefore, 100);
    await vfs.ftruncate(fh, newSize);
    expect(vfs.getattr('/f')).toMatchObject({ size: newSize, blocks: blocksLeft * SECTORS });
    await vfs.fsync(fh);
    expect(vfs.statfs().bfree).toBe(free - blocksLeft);
    await vfs.release(fh);
    await vfs.close();
    expect(await fsck(device)).toMatchObject({ clean: true });
    const again = await Vfs.openDevice(device, { cacheSize: 1 << 20, coherence: 'locked', dioAlign: 512, commitIntervalMs: 0 });
    expect(again.getattr('/f')).toMatchObject({ size: newSize, blocks: blocksLeft * SECTORS });
    expect(again.statfs().bfree).toBe(free - blocksLeft);
    await again.close();
  });
});
