/**
 * Damaged images: fsck reports each kind of damage, mount refuses with a clear message, and neither
 * changes a byte of the image.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyFile, open, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { Filesystem, fsck, mkfs, ROOT_INO } from '../../src/fs/api.js';
import { BLOCK_SIZE, decodeSuperblock, type Superblock } from '../../src/fs/layout.js';
import { cli, flipByte, sha256, tempDir } from './image-files.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

/** An image left as a crash would leave it: three commits in the log, not checkpointed. */
async function imageWithLog(): Promise<string> {
  const live = join(dir, 'live.img');
  await mkfs(live, { size: 8 * 2 ** 20 });
  const fs = await Filesystem.mount(live, { commitIntervalMs: 0 });
  for (const name of ['a', 'b', 'c']) {
    const ino = fs.create(ROOT_INO, name, 0o644, 0, 0).ino;
    await fs.store(ino).write(0, Buffer.from(`contents of ${name}`));
    await fs.fsync(ino);
  }
  const crashed = join(dir, 'crashed.img');
  await copyFile(live, crashed);
  await fs.unmount();
  return crashed;
}

async function readSuperblock(image: string): Promise<Superblock> {
  const buf = Buffer.alloc(BLOCK_SIZE);
  const handle = await open(image, 'r');
  await handle.read(buf, 0, BLOCK_SIZE, 0);
  await handle.close();
  const copy = decodeSuperblock(buf);
  if (copy.status !== 'ok') throw new Error('test image has a bad superblock');
  return copy.sb;
}

/** fsck finds `problem`, mount refuses with `refusal`, and the image's bytes stay as they were. */
async function expectRefused(image: string, problem: RegExp, refusal: RegExp): Promise<void> {
  const before = await sha256(image);
  const report = await fsck(image);
  expect(report.clean).toBe(false);
  expect(report.problems.join('\n')).toMatch(problem);
  await expect(Filesystem.mount(image, { commitIntervalMs: 0 })).rejects.toThrow(refusal);
  expect(await sha256(image)).toBe(before);
}

describe('damaged images', () => {
  it('a crashed image with its log intact is clean and mounts', async () => {
    const image = await imageWithLog();
    expect(await fsck(image)).toMatchObject({ clean: true, problems: [] });
    const fs = await Filesystem.mount(image, { commitIntervalMs: 0 });
    expect(fs.readdir(ROOT_INO).map((e) => e.name)).toEqual(['a', 'b', 'c']);
    await fs.unmount();
  });

  it('a flipped byte in one superblock copy: fsck reports it (exit 1), mount uses the other copy', async () => {
    const image = await imageWithLog();
    await flipByte(image, 20);
    const before = await sha256(image);
    const run = await cli('fsck', image);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/superblock copy A: bad-crc/);
    expect(await sha256(image)).toBe(before);
    const fs = await Filesystem.mount(image, { commitIntervalMs: 0 });
    expect(fs.readdir(ROOT_INO)).toHaveLength(3);
    await fs.unmount();
    expect((await cli('fsck', image)).code).toBe(0);
  });

  it('both superblock copies damaged: refused', async () => {
    const image = await imageWithLog();
    await flipByte(image, 30);
    await flipByte(image, BLOCK_SIZE + 30);
    await expectRefused(image, /both copies are unusable/, /cannot mount: superblock: both copies are unusable/);
  });

  it('a flipped byte in the active checkpoint: refused', async () => {
    const image = await imageWithLog();
    const sb = await readSuperblock(image);
    await flipByte(image, sb.geometry.checkpointStart[sb.activeSlot]! * BLOCK_SIZE + 40);
    await expectRefused(image, /checkpoint slot \d: bad CRC/, /cannot mount: checkpoint slot \d: bad CRC/);
  });

  it('a flipped byte in a log record that later records follow: refused', async () => {
    const image = await imageWithLog();
    const sb = await readSuperblock(image);
    await flipByte(image, sb.geometry.logStart * BLOCK_SIZE + 40);
    await expectRefused(image, /log: record 0 .* is damaged/, /cannot mount: log: record 0/);
  });

  it('a truncated image: refused', async () => {
    const image = await imageWithLog();
    await truncate(image, 6 * 2 ** 20);
    await expectRefused(image, /truncated/, /truncated: 6291456 bytes/);
  });

  it('a file that is not an image, and an image of another version: refused', async () => {
    const text = join(dir, 'text');
    await writeFile(text, 'not an image\n'.repeat(1000));
    await expectRefused(text, /not a coherefs image/, /not a coherefs image/);

    const image = await imageWithLog();
    for (const block of [0, 1]) {
      const handle = await open(image, 'r+');
      const sb = Buffer.alloc(128);
      await handle.read(sb, 0, 128, block * BLOCK_SIZE);
      sb.writeUInt32LE(99, 8);
      sb.writeUInt32LE(crc32c(sb.subarray(0, 124)), 124);
      await handle.write(sb, 0, 128, block * BLOCK_SIZE);
      await handle.close();
    }
    await expectRefused(image, /unsupported format version 99/, /unsupported format version 99/);
  });

  it('a second mount of a mounted image is refused, naming the process that holds it', async () => {
    const image = join(dir, 'img');
    await mkfs(image, { size: 4 * 2 ** 20 });
    const fs = await Filesystem.mount(image, { commitIntervalMs: 0 });
    await expect(Filesystem.mount(image)).rejects.toThrow(new RegExp(`in use: locked by process ${process.pid} \\(`));
    await fs.unmount();
    const again = await Filesystem.mount(image, { commitIntervalMs: 0 });
    await again.unmount();
  });
});

describe('the mkfs and fsck commands', () => {
  it('mkfs refuses a non-empty file without --force and changes nothing', async () => {
    const file = join(dir, 'precious');
    await writeFile(file, 'keep me');
    const before = await sha256(file);
    const run = await cli('mkfs', file, '--size', '8M');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/exists and is not empty \(use --force/);
    expect(await sha256(file)).toBe(before);
    expect((await cli('fsck', file)).code).toBe(1);
    const forced = await cli('mkfs', file, '--size', '8M', '--force');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/checkpoint slot 0/);
    const checked = await cli('fsck', file, '--json');
    expect(checked.code).toBe(0);
    expect(JSON.parse(checked.stdout)).toMatchObject({ clean: true });
  });

  it('exit 2 for usage errors', async () => {
    expect((await cli('fsck')).code).toBe(2);
    expect((await cli('fsck', join(dir, 'missing.img'))).code).toBe(2);
    expect((await cli('mkfs', join(dir, 'x.img'), '--size', 'lots')).code).toBe(2);
    expect((await cli('mkfs', join(dir, 'x.img'))).code).toBe(2);
  });
});
