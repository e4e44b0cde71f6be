/**
 * Guards the timeouts of the commands that wait for a daemon: against a hung daemon (stopped with
 * SIGSTOP, or blocked before it could mount), `coherefs stats` gives up after 10 s, `coherefs umount`
 * after --timeout, and a background `coherefs mount` after --timeout, stopping the daemon it started
 * and leaving nothing mounted and the image unlocked. Each exits 1 with a message saying so.
 * `coherefs umount --force` aborts the stopped daemon's connection itself and removes the mount.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageLock } from '../../src/fs/image-lock.js';
import type { DaemonMount } from '../../src/util/daemon-mount.js';
import { findMount } from '../../src/util/mountinfo.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, cleanUpAfterEach, coherefs, mountCoherefs, scratchImage, sha256File, waitForExit } from './harness/coherefs-mount.js';

/** Preloaded into every node the test starts: the daemon (it alone has COHEREFS_READY_FD) blocks for good. */
const HANG_DAEMON = 'if (process.env.COHEREFS_READY_FD) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);\n';

describe.runIf(requireFuse())('commands waiting for a hung daemon time out', () => {
  const used = cleanUpAfterEach();

  /** A mount whose daemon answered once and was then stopped (SIGSTOP): the test must SIGCONT it. */
  async function stoppedDaemon(): Promise<{ image: string; mount: DaemonMount }> {
    const scratch = (used.scratch = await scratchImage(64 * MiB));
    const mount = (used.mount = await mountCoherefs(scratch.image));
    // The control socket is made just after the mount shows: wait for the daemon's first answer.
    await expect.poll(async () => (await coherefs(['stats', mount.mountpoint])).code, { timeout: 10_000 }).toBe(0);
    process.kill(mount.pid, 'SIGSTOP');
    return { image: scratch.image, mount };
  }

  it('stats (10 s) and umount (--timeout) give up on a stopped daemon', async () => {
    const { mount } = await stoppedDaemon();
    try {
      const stats = await coherefs(['stats', mount.mountpoint]);
      expect(stats.stderr).toMatch(/the coherefs daemon serving .* did not answer within 10 s/);
      expect(stats.code).toBe(1);

      const umount = await coherefs(['umount', mount.mountpoint, '--timeout', '2']);
      expect(umount.stderr).toMatch(/did not answer within 2 s/);
      expect(umount.code).toBe(1);
    } finally {
      process.kill(mount.pid, 'SIGCONT');
    }
  });

  it('umount --force aborts the connection of a stopped daemon from the CLI and removes the mount', async () => {
    const { image, mount } = await stoppedDaemon();
    try {
      const umount = await coherefs(['umount', '--force', mount.mountpoint, '--timeout', '2']);
      expect(umount.stderr).toMatch(/did not answer within 2 s: aborted its connection and removed .*; what the daemon had not written back is lost/);
      expect(umount.code).toBe(0);
      expect(await findMount(mount.mountpoint)).toBeUndefined();
    } finally {
      process.kill(mount.pid, 'SIGCONT');
    }
    // Woken up, the daemon finds its connection gone: it releases the image and exits.
    expect(await waitForExit(mount.pid)).toBe(true);
    expect(await ImageLock.holder(image)).toBeNull();
  });

  it('a background mount whose daemon does not get ready is stopped after --timeout', async () => {
    const scratch = (used.scratch = await scratchImage(64 * MiB));
    const mountpoint = join(scratch.dir, 'mnt');
    await mkdir(mountpoint);
    const hang = join(scratch.dir, 'hang-daemon.cjs');
    await writeFile(hang, HANG_DAEMON);
    const sum = await sha256File(scratch.image);

    const result = await coherefs(['mount', scratch.image, mountpoint, '--timeout', '2'], {
      timeoutMs: 20_000, env: { ...process.env, NODE_OPTIONS: `--require ${hang}` },
    });
    expect(result.stderr).toMatch(/the daemon \(pid \d+\) was not ready within 2 s and was stopped; nothing is mounted/);
    expect(result.code).toBe(1);
    const pid = Number(/pid (\d+)/.exec(result.stderr)![1]);
    expect(await waitForExit(pid, 1000), 'the daemon is gone').toBe(true);
    expect(await findMount(mountpoint)).toBeUndefined();
    expect(await ImageLock.holder(scratch.image)).toBeNull();
    expect(await sha256File(scratch.image)).toBe(sum);
  });
});
