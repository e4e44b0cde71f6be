/**
 * Guards the mount(8) route: with mount/install-helper.sh's /sbin/mount.fuse.coherefs in place,
 * `mount -t fuse.coherefs IMAGE DIR -o ...` and an fstab line (mount --fstab) mount the image, the
 * generic options mount(8) adds are accepted (kernel flags reach the mount), and umount(8) ends the
 * daemon with the data written back. The test installs the helper and removes it again (root only).
 * mount(8) keeps the environment, so the daemon serves on this run's transport (COHEREFS_TRANSPORT, or
 * the default: the kernel transport, which mounts with `mount -i` and so never re-enters the helper).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fsck } from '../../src/fs/api.js';
import { forceUnmount } from '../../src/util/daemon-mount.js';
import { findMount } from '../../src/util/mountinfo.js';
import { projectFile } from '../../src/util/project-file.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, coherefs, scratchImage, suiteTransport, waitForExit, type Scratch } from './harness/coherefs-mount.js';

const run = promisify(execFile);
const HELPER = '/sbin/mount.fuse.coherefs';
const isRoot = process.getuid?.() === 0;

describe.runIf(requireFuse(isRoot ? undefined : 'installing the mount(8) helper needs root'))('mount -t fuse.coherefs', () => {
  let scratch: Scratch;
  let mountpoint: string;
  let installedHere = false;

  beforeAll(async () => {
    installedHere = !existsSync(HELPER);
    await run(projectFile('mount/install-helper.sh'), [HELPER]);
    scratch = await scratchImage(128 * MiB);
    mountpoint = join(scratch.dir, 'mnt');
    await mkdir(mountpoint);
  });

  afterAll(async () => {
    if (mountpoint) await forceUnmount(mountpoint);
    if (installedHere) await run(projectFile('mount/install-helper.sh'), ['--remove', HELPER]);
    await scratch?.remove();
  });

  /** umount(8), then wait for the daemon (named by its stats, which name the serving transport) to write back and exit. */
  async function umountAndWait(): Promise<void> {
    const { pid, transport } = JSON.parse((await coherefs(['stats', mountpoint, '--json'])).stdout) as { pid: number; transport: string };
    expect(transport).toBe(suiteTransport());
    await run('umount', [mountpoint]);
    expect(await waitForExit(pid)).toBe(true);
  }

  it('mounts with mount -t and the options mount(8) adds; umount(8) writes back', async () => {
    await run('mount', ['-t', 'fuse.coherefs', '-o', 'cache_size=32M,coherence=locked,rw,nosuid,nodev,noatime', scratch.image, mountpoint]);
    const entry = await findMount(mountpoint);
    expect(entry?.fstype).toBe('fuse.coherefs');
    const options = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').find((line) => line.includes(` ${mountpoint} `));
    expect(options).toMatch(/nosuid,nodev,noatime/);
    await writeFile(join(mountpoint, 'via-mount-t'), 'written through mount -t');
    await umountAndWait();
    expect((await fsck(scratch.image)).clean).toBe(true);
  });

  it('mounts an fstab line with _netdev and nofail (mount --fstab)', async () => {
    const fstab = join(scratch.dir, 'fstab');
    await writeFile(fstab, `${scratch.image} ${mountpoint} fuse.coherefs cache_size=16M,nosuid,nofail,_netdev,x-systemd.device-timeout=5 0 0\n`);
    await run('mount', ['--fstab', fstab, mountpoint]);
    expect((await findMount(mountpoint))?.fstype).toBe('fuse.coherefs');
    expect(await readFile(join(mountpoint, 'via-mount-t'), 'utf8')).toBe('written through mount -t');
    await umountAndWait();
    expect((await fsck(scratch.image)).clean).toBe(true);
  });

  it('fails mount -t with coherefs\'s message on an unknown option, mounting nothing', async () => {
    await expect(run('mount', ['-t', 'fuse.coherefs', '-o', 'frobnicate', scratch.image, mountpoint])).rejects.toThrow(
      /unknown mount option 'frobnicate'/,
    );
    expect(await findMount(mountpoint)).toBeUndefined();
  });
});
