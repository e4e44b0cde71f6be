/**
 * Guards the daemon's shutdown when a step of it fails: with the image on a full tmpfs, writeback at
 * unmount fails (ENOSPC). The failure is logged and reported to `coherefs umount` (exit 1), and the
 * remaining steps still run: the daemon releases the image lock and exits 1 by itself instead of
 * waiting forever on a mount that is gone.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { mkfs } from '../../src/fs/api.js';
import { ImageLock } from '../../src/fs/image-lock.js';
import type { DaemonMount } from '../../src/util/daemon-mount.js';
import { findMount } from '../../src/util/mountinfo.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, coherefs, mountCoherefs, waitForExit } from './harness/coherefs-mount.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;

/** Append to `path` until the filesystem holding it is full. */
async function fillUp(path: string): Promise<void> {
  const chunk = Buffer.alloc(MiB, 1);
  for (;;) {
    try {
      await appendFile(path, chunk);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') return;
      throw err;
    }
  }
}

describe.runIf(requireFuse(isRoot ? undefined : 'mounting a tmpfs needs root'))('a failed shutdown step', () => {
  it('is reported, the other steps run, and the daemon exits 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'coherefs-full-'));
    let mount: DaemonMount | undefined;
    await run('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', dir]);
    try {
      const image = join(dir, 'disk.img');
      await mkfs(image, { size: 64 * MiB });
      mount = await mountCoherefs(image, 'cache_size=32M');
      await expect.poll(async () => (await coherefs(['stats', mount!.mountpoint])).code, { timeout: 10_000 }).toBe(0);
      await fillUp(join(dir, 'filler'));
      // Only in the page cache: its writeback needs image blocks the tmpfs no longer has. Close tells
      // the writer; the pages stay dirty for the unmount to fail on.
      await expect(writeFile(join(mount.mountpoint, 'unsynced'), randomBytes(4 * MiB))).rejects.toMatchObject({ code: 'ENOSPC' });

      const umount = await coherefs(['umount', mount.mountpoint]);
      expect(await waitForExit(mount.pid), 'the daemon exits by itself').toBe(true);
      expect(mount.exitCode()).toBe(1);
      expect(umount.stderr).toMatch(/shutdown failed \(writing back and releasing the image: .*(ENOSPC|EIO)/);
      expect(umount.code).toBe(1);
      expect(mount.stderr()).toMatch(/writing back and releasing the image failed/);
      expect(await findMount(mount.mountpoint)).toBeUndefined();
      expect(await ImageLock.holder(image)).toBeNull();
    } finally {
      await mount?.teardown();
      await run('umount', [dir]).catch(() => run('umount', ['-l', dir]));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
