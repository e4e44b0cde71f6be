/**
 * fsck --repair refuses, with the reason and without changing a byte, what it cannot repair: a file
 * that is not an image, an image whose superblock copies are both bad, damage its passes cannot fix;
 * and it refuses an image that is mounted (the image lock).
 */
import { describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileDevice, Filesystem, fsck, mkfs, repair, ROOT_INO } from '../../src/fs/api.js';
import { BLOCK_SIZE } from '../../src/fs/layout.js';
import { rewriteMetadata } from './damage.js';
import { tempDirPerTest } from './helpers.js';
import { flipByte, sha256 } from './image-files.js';

const tempDir = tempDirPerTest('coherefs-repair-');

/** An image holding one file, 'a'. */
async function image(): Promise<string> {
  const path = join(tempDir(), 'disk.img');
  await mkfs(path, { size: 8 * 2 ** 20 });
  const fs = await Filesystem.mount(path, { commitIntervalMs: 0 });
  const ino = fs.create(ROOT_INO, 'a', 0o644, 0, 0).ino;
  await fs.store(ino).write(0, Buffer.from('data of a'));
  await fs.unmount();
  return path;
}

/** repair refuses with a problem matching `reason`, and the file's bytes stay as they were. */
async function expectRefused(path: string, reason: RegExp): Promise<void> {
  const before = await sha256(path);
  const report = await repair(path);
  expect(report).toMatchObject({ clean: false, repairs: [] });
  expect(report.problems).toContainEqual(expect.stringMatching(reason));
  expect(await sha256(path)).toBe(before);
}

describe('fsck --repair refuses', () => {
  it('a file that is not an image', async () => {
    const text = join(tempDir(), 'text');
    await writeFile(text, 'not an image\n'.repeat(1000));
    await expectRefused(text, /^superblock: not a coherefs image/);
  });

  it('an image whose superblock copies are both bad', async () => {
    const path = await image();
    await flipByte(path, 30);
    await flipByte(path, BLOCK_SIZE + 30);
    await expectRefused(path, /^superblock: both copies are unusable \(A: bad-crc, B: bad-crc\)$/);
  });

  it('damage its passes cannot fix (a file of unknown type), writing none of the repairs it could make', async () => {
    const path = await image();
    const device = await FileDevice.open(path);
    await rewriteMetadata(device, (meta) => {
      const attrs = { ...meta.get(2)!, ino: 50, mode: 0o070644 };
      meta.apply({ kind: 'inode', attrs });
      meta.apply({ kind: 'link', parent: ROOT_INO, name: 'odd', ino: 50 });
      meta.get(ROOT_INO)!.nlink = 9;
    });
    await device.close();
    await expectRefused(path, /^inode 50: unknown file type \(mode 70644\)$/);
    expect((await fsck(path)).problems).toContain('inode 1: directory link count 9, expected 2');
  });

  it('a mounted image (it holds the image lock)', async () => {
    const path = await image();
    const fs = await Filesystem.mount(path, { commitIntervalMs: 0 });
    try {
      await expect(repair(path)).rejects.toThrow(new RegExp(`is in use\\b.*\\bprocess ${process.pid}\\b`));
    } finally {
      await fs.unmount();
    }
    expect(await repair(path)).toEqual({ clean: true, repairs: [], problems: [] });
  });
});
