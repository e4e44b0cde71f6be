/**
 * Guards the image lock on real mounts made as a user makes them (`coherefs mount`, which leaves a
 * background daemon): while the daemon serves the image, `coherefs mount`, `mkfs --force` and `fsck`
 * through a hard link, a symlink, a bind mount of its directory and a /proc/PID/fd path are refused,
 * naming the daemon, and the image keeps every byte; once the daemon is killed with SIGKILL the image
 * mounts again by another name.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { link, mkdir, mkdtemp, open, readFile, rmdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fsck } from '../../src/fs/api.js';
import { ImageLock } from '../../src/fs/image-lock.js';
import { forceUnmount } from '../../src/util/daemon-mount.js';
import { findMount } from '../../src/util/mountinfo.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, cleanUpAfterEach, coherefs, scratchImage, sha256File, waitForExit, type Scratch } from './harness/coherefs-mount.js';

const run = promisify(execFile);

describe.runIf(requireFuse())('one lock per image, whatever name reaches it', () => {
  const used = cleanUpAfterEach();
  const daemons: Array<{ pid: number; mountpoint: string }> = [];
  const bindMounts: string[] = [];
  // Registered after cleanUpAfterEach's hook, so it runs first (vitest runs afterEach hooks in reverse):
  // the mounts are gone before the scratch directory is removed.
  afterEach(async () => {
    for (const { pid, mountpoint } of daemons.splice(0)) {
      if (await findMount(mountpoint)) await coherefs(['umount', mountpoint, '--timeout', '20']);
      if (!(await waitForExit(pid, 5000))) process.kill(-pid, 'SIGKILL');
      await forceUnmount(mountpoint);
    }
    for (const dir of bindMounts.splice(0)) {
      await run('umount', [dir]).catch(() => run('umount', ['-l', dir]));
      await rmdir(dir);
    }
  });

  /** `coherefs mount IMAGE MOUNTPOINT` in the background; the daemon's pid. */
  async function mountInBackground(image: string, mountpoint: string): Promise<number> {
    await mkdir(mountpoint);
    const result = await coherefs(['mount', image, mountpoint]);
    expect(result.stderr).toBe('');
    const pid = Number(/daemon pid (\d+)/.exec(result.stdout)?.[1]);
    daemons.push({ pid, mountpoint });
    return pid;
  }

  /** A hard link, a symlink, the image seen through a bind mount of its directory, and /proc/PID/fd/N. */
  async function otherNames(scratch: Scratch, fd: number): Promise<string[]> {
    const hard = join(scratch.dir, 'hard.img');
    const soft = join(scratch.dir, 'soft.img');
    await link(scratch.image, hard);
    await symlink(scratch.image, soft);
    const bound = await mkdtemp(join(tmpdir(), 'coherefs-bind-'));
    await run('mount', ['--bind', scratch.dir, bound]);
    bindMounts.push(bound);
    return [hard, soft, join(bound, 'disk.img'), `/proc/${process.pid}/fd/${fd}`];
  }

  it('refuses mount, mkfs --force and fsck of a mounted image by any other name, naming the daemon', async () => {
    const scratch = (used.scratch = await scratchImage(64 * MiB));
    const mountpoint = join(scratch.dir, 'mnt');
    const daemon = await mountInBackground(scratch.image, mountpoint);
    const kept = await open(join(mountpoint, 'kept'), 'w');
    await kept.writeFile('still here');
    await kept.sync();
    await kept.close();
    const handle = await open(scratch.image, 'r');
    try {
      const names = await otherNames(scratch, handle.fd);
      const before = await sha256File(scratch.image);
      const inUse = new RegExp(`is in use: locked by process ${daemon} \\(.*mount`);
      for (const [i, name] of names.entries()) {
        const second = join(scratch.dir, `second-${i}`);
        await mkdir(second);
        const mount = await coherefs(['mount', name, second]);
        const wrongDaemon = /daemon pid (\d+)/.exec(mount.stdout)?.[1];
        if (wrongDaemon) daemons.push({ pid: Number(wrongDaemon), mountpoint: second });
        expect(mount.stderr, `mount ${name}`).toMatch(inUse);
        expect(mount.code, `mount ${name}`).toBe(1);
        expect(await findMount(second)).toBeUndefined();
        const mkfs = await coherefs(['mkfs', name, '--size', '64M', '--force']);
        expect(mkfs.stderr, `mkfs ${name}`).toMatch(inUse);
        expect(mkfs.code, `mkfs ${name}`).toBe(1);
        const check = await coherefs(['fsck', name]);
        expect(check.stderr, `fsck ${name}`).toMatch(inUse);
        expect(check.code, `fsck ${name}`).toBe(1);
        expect(await ImageLock.holder(name), name).toBe(daemon);
      }
      expect(await sha256File(scratch.image)).toBe(before);
    } finally {
      await handle.close();
    }

    const umount = await coherefs(['umount', mountpoint]);
    expect(umount.code, umount.stderr).toBe(0);
    expect(await fsck(scratch.image)).toMatchObject({ clean: true });
    const again = join(scratch.dir, 'again');
    await mountInBackground(join(scratch.dir, 'hard.img'), again);
    expect(await readFile(join(again, 'kept'), 'utf8')).toBe('still here');
  });

  it('drops the lock of a daemon killed with SIGKILL: the image mounts again by another name', async () => {
    const scratch = (used.scratch = await scratchImage(64 * MiB));
    const daemon = await mountInBackground(scratch.image, join(scratch.dir, 'mnt'));
    const hard = join(scratch.dir, 'hard.img');
    await link(scratch.image, hard);
    expect(await ImageLock.holder(hard)).toBe(daemon);

    process.kill(-daemon, 'SIGKILL');
    expect(await waitForExit(daemon, 5000)).toBe(true);
    await forceUnmount(join(scratch.dir, 'mnt'));
    expect(await ImageLock.holder(hard)).toBeNull();
    const again = join(scratch.dir, 'again');
    const pid = await mountInBackground(hard, again);
    expect(await ImageLock.holder(scratch.image)).toBe(pid);
    expect((await findMount(again))?.fstype).toBe('fuse.coherefs');
  });
});
