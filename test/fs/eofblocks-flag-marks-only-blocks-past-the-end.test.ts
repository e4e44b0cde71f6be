/**
 * Guards INODE_EOFBLOCKS: fallocate with KEEP_SIZE sets it only when it maps a block that starts at
 * or past the end of the file (what fsck would otherwise call damage), not for the block that holds
 * the end, so fsck keeps checking the files that have no block past their end.
 */
import { describe, expect, it } from 'vitest';
import { ROOT_INO as R } from '../../src/fs/api.js';
import { INODE_EOFBLOCKS } from '../../src/fs/records.js';
import { rewriteMetadata } from './damage.js';
import { freshFs } from './helpers.js';

const B = 4096;

describe('INODE_EOFBLOCKS', () => {
  it.each([
    ['the block holding the end', 100, false],
    ['a block past the end', B + 1, true],
  ])('allocating %s with KEEP_SIZE (length %i) sets the flag: %s', async (_, length, flagged) => {
    const { fs, device } = await freshFs();
    const ino = fs.create(R, 'f', 0o644, 0, 0).ino;
    await fs.store(ino).setSize(100);
    await fs.allocateRange(ino, 0, length, true);
    await fs.unmount();
    let flags = -1;
    await rewriteMetadata(device, (meta) => (flags = meta.get(ino)!.flags));
    expect((flags & INODE_EOFBLOCKS) !== 0).toBe(flagged);
  });
});
