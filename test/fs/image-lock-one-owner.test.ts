/**
 * Guards the image lock: of many concurrent acquires exactly one wins (each opens the image on its
 * own, and flock(2) locks are per open file description, so even one process cannot take it twice),
 * and a symlink to the image shares the image's lock.
 */
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageLock } from '../../src/fs/image-lock.js';
import { tempDirPerTest } from './helpers.js';

describe('image lock', () => {
  const dir = tempDirPerTest('coherefs-lock-');

  it('has one owner among concurrent acquires, and one lock for every name of the image', async () => {
    const image = join(dir(), 'disk.img');
    await writeFile(image, '');
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => ImageLock.acquire(image)));
    const won = results.filter((r): r is PromiseFulfilledResult<ImageLock> => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'EBUSY' });

    const alias = join(dir(), 'alias.img');
    await symlink(image, alias);
    await expect(ImageLock.acquire(alias)).rejects.toMatchObject({ code: 'EBUSY' });
    expect(await ImageLock.holder(alias)).toBe(process.pid);
    await won[0]!.value.release();
    const again = await ImageLock.acquire(alias);
    await again.release();
  });
});
