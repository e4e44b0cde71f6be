/**
 * Guards the contract of `coherefs mount` on bad input: an unknown -o option, a cache_size above the
 * machine's memory, a missing image, a missing, busy or non-empty mountpoint, a corrupt image, an
 * image of an older format version and a file that is no coherefs image each give a clear message and
 * a non-zero exit, mount nothing, leave no daemon answering, and change no image byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { forceUnmount, type DaemonMount } from '../../src/util/daemon-mount.js';
import { findMount } from '../../src/util/mountinfo.js';
import { projectFile } from '../../src/util/project-file.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, coherefs, mountCoherefs, scratchImage, sha256File, type Scratch } from './harness/coherefs-mount.js';

describe.runIf(requireFuse())('coherefs mount refuses bad input', () => {
  let scratch: Scratch;
  let mountpoint: string;
  let imageSum: string;

  beforeAll(async () => {
    scratch = await scratchImage(64 * MiB);
    mountpoint = join(scratch.dir, 'mnt');
    await mkdir(mountpoint);
    imageSum = await sha256File(scratch.image);
  });

  afterAll(async () => {
    await scratch?.remove();
  });

  /** Nothing mounted on `dir`, no daemon serving it, and `image` as it was. */
  async function expectNothingChanged(dir: string, image: string, sum: string): Promise<void> {
    expect(await findMount(dir)).toBeUndefined();
    expect((await coherefs(['stats', dir])).stderr).toMatch(/no coherefs daemon/);
    expect(await sha256File(image)).toBe(sum);
  }

  it('refuses an unknown -o option (exit 2)', async () => {
    const result = await coherefs(['mount', scratch.image, mountpoint, '-o', 'cache_size=32M,frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown mount option 'frobnicate'/);
    await expectNothingChanged(mountpoint, scratch.image, imageSum);
  });

  it('refuses a cache_size larger than the machine\'s memory (exit 2)', async () => {
    // A copy of its own: should it be mounted after all, the other tests' image stays as it was.
    const image = join(scratch.dir, 'big-cache.img');
    await copyFile(scratch.image, image);
    try {
      const result = await coherefs(['mount', image, mountpoint, '-o', `cache_size=${Math.ceil(totalmem() / 2 ** 30) + 1}G`]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/cache_size must be at most this machine's memory/);
      await expectNothingChanged(mountpoint, image, imageSum);
    } finally {
      await forceUnmount(mountpoint); // should it have mounted after all, its daemon ends on the outside unmount
    }
  });

  it('refuses a missing image (exit 2)', async () => {
    const result = await coherefs(['mount', join(scratch.dir, 'absent.img'), mountpoint]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no such image: .*absent\.img \(create one with: coherefs mkfs/);
    await expectNothingChanged(mountpoint, scratch.image, imageSum);
  });

  it('refuses a mountpoint that is not empty (exit 2)', async () => {
    const full = join(scratch.dir, 'full-dir');
    await mkdir(full);
    await writeFile(join(full, 'keep'), 'a file the mount would hide');
    const result = await coherefs(['mount', scratch.image, full]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/mountpoint is not empty: .*full-dir/);
    await expectNothingChanged(full, scratch.image, imageSum);
  });

  it('refuses a missing mountpoint (exit 2)', async () => {
    const result = await coherefs(['mount', scratch.image, join(scratch.dir, 'absent-dir')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no such mountpoint/);
    expect(await sha256File(scratch.image)).toBe(imageSum);
  });

  it('refuses a busy mountpoint and a second mount of a mounted image', async () => {
    const other = await scratchImage(64 * MiB);
    let mount: DaemonMount | undefined;
    try {
      mount = await mountCoherefs(other.image, 'cache_size=16M', mountpoint);
      const busy = await coherefs(['mount', scratch.image, mountpoint]);
      expect(busy.code).toBe(2);
      expect(busy.stderr).toMatch(/mountpoint is busy: .* already has a fuse.coherefs mount/);
      expect(await sha256File(scratch.image)).toBe(imageSum);

      const elsewhere = join(scratch.dir, 'second');
      await mkdir(elsewhere);
      const twice = await coherefs(['mount', other.image, elsewhere]);
      expect(twice.code).toBe(1);
      expect(twice.stderr).toMatch(/lock|in use|mounted/i);
      expect(await findMount(elsewhere)).toBeUndefined();
    } finally {
      await mount?.teardown();
      await other.remove();
    }
  });

  it('refuses a corrupt image without writing to it (exit 1)', async () => {
    const corrupt = join(scratch.dir, 'corrupt.img');
    await copyFile(scratch.image, corrupt);
    const file = await open(corrupt, 'r+');
    await file.write(randomBytes(8192), 0, 8192, 0);
    await file.close();
    const sum = await sha256File(corrupt);
    const result = await coherefs(['mount', corrupt, mountpoint]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot mount: superblock/);
    await expectNothingChanged(mountpoint, corrupt, sum);
  });

  for (const version of [1, 2]) {
    it(`refuses an image of older format version ${version}, naming the command that upgrades it (exit 1)`, async () => {
      const old = join(scratch.dir, `v${version}.img`);
      await writeFile(old, gunzipSync(await readFile(projectFile(`test/fs/fixtures/v${version}-image.img.gz`))));
      const sum = await sha256File(old);
      const result = await coherefs(['mount', old, mountpoint]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`format version ${version}, older than this coherefs's version 3 \\(upgrade it with: coherefs fsck --repair \\S*v${version}\\.img\\)`));
      await expectNothingChanged(mountpoint, old, sum);
    });
  }

  it('refuses a file that is no coherefs image (exit 1)', async () => {
    const junk = join(scratch.dir, 'junk.img');
    await writeFile(junk, randomBytes(MiB));
    const sum = await sha256File(junk);
    const result = await coherefs(['mount', junk, mountpoint]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not a coherefs image/);
    await expectNothingChanged(mountpoint, junk, sum);
  });
});
