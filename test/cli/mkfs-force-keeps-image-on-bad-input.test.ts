/**
 * Guards `coherefs mkfs --force` on bad input: a size this filesystem refuses as a file length (ext4
 * takes at most 16 TiB) or a size that does not parse fails before the existing image loses a byte,
 * and mkfs of a new file with such a size leaves no file behind.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MiB, coherefs, scratchImage, sha256File, type Scratch } from '../integration/harness/coherefs-mount.js';

/** Past the file length ext4 (and overlayfs over it) allows, yet a size parseSize accepts. */
const TOO_LONG = '8000T';

describe('coherefs mkfs --force with bad input', () => {
  let scratch: Scratch;
  let sum: string;
  beforeAll(async () => {
    scratch = await scratchImage(16 * MiB);
    sum = await sha256File(scratch.image);
  });
  afterAll(async () => {
    await scratch?.remove();
  });

  it(`a size the filesystem refuses (${TOO_LONG}) leaves the old image as it was`, async () => {
    const result = await coherefs(['mkfs', scratch.image, '--size', TOO_LONG, '--force']);
    expect(result.stderr).toMatch(/EFBIG/);
    expect(result.code).toBe(1);
    expect(await sha256File(scratch.image)).toBe(sum);
  });

  it('a size that does not parse leaves the old image as it was (exit 2)', async () => {
    const result = await coherefs(['mkfs', scratch.image, '--size', '12Q', '--force']);
    expect(result.code).toBe(2);
    expect(await sha256File(scratch.image)).toBe(sum);
  });

  it('a new image with a size the filesystem refuses is not left behind', async () => {
    const fresh = join(scratch.dir, 'fresh.img');
    const result = await coherefs(['mkfs', fresh, '--size', TOO_LONG]);
    expect(result.code).toBe(1);
    await expect(access(fresh)).rejects.toThrow(/ENOENT/);
  });
});
