/**
 * Guards the ways a mount ends: `coherefs umount`, an outside `fusermount -u`, and SIGTERM or SIGHUP
 * (the terminal of a foreground mount closing) to the daemon. Each must write back what was only in the page cache (never fsync'd), commit, release
 * the image and end the daemon: fsck is clean and a new mount shows the data.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { controlSocketPath } from '../../src/cli/daemon/control-socket.js';
import { fsck } from '../../src/fs/api.js';
import type { DaemonMount } from '../../src/util/daemon-mount.js';
import { findMount } from '../../src/util/mountinfo.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, cleanUpAfterEach, coherefs, mountCoherefs, scratchImage, waitForExit } from './harness/coherefs-mount.js';

const run = promisify(execFile);

const WAYS: Record<string, (mount: DaemonMount) => Promise<unknown>> = {
  'coherefs umount': async (mount) => expect((await coherefs(['umount', mount.mountpoint])).code).toBe(0),
  'fusermount -u from outside': (mount) => run('fusermount', ['-u', mount.mountpoint]),
  SIGTERM: async (mount) => process.kill(mount.pid, 'SIGTERM'),
  SIGHUP: async (mount) => process.kill(mount.pid, 'SIGHUP'),
};

describe.runIf(requireFuse())('every way of unmounting leaves a clean image with the data', () => {
  const used = cleanUpAfterEach();

  for (const [way, unmount] of Object.entries(WAYS)) {
    it(way, async () => {
      const scratch = (used.scratch = await scratchImage(256 * MiB));
      let mount = (used.mount = await mountCoherefs(scratch.image));
      const data = randomBytes(3 * MiB + 123);
      await writeFile(join(mount.mountpoint, 'unsynced'), data);

      await unmount(mount);
      expect(await waitForExit(mount.pid), 'the daemon exits by itself').toBe(true);
      expect(await findMount(mount.mountpoint)).toBeUndefined();
      const report = await fsck(scratch.image);
      expect(report.problems).toEqual([]);
      expect(report.clean).toBe(true);
      await mount.teardown();

      mount = used.mount = await mountCoherefs(scratch.image);
      expect((await readFile(join(mount.mountpoint, 'unsynced'))).equals(data)).toBe(true);
    });
  }

  it('coherefs umount clears the dead mount of a kill -9\'d daemon and its socket', async () => {
    const scratch = (used.scratch = await scratchImage(64 * MiB));
    const mount = (used.mount = await mountCoherefs(scratch.image));
    const socket = await controlSocketPath(mount.mountpoint);
    process.kill(mount.pid, 'SIGKILL');
    expect(await waitForExit(mount.pid)).toBe(true);

    expect((await coherefs(['umount', mount.mountpoint])).code).toBe(0);
    expect(await findMount(mount.mountpoint)).toBeUndefined();
    await expect(access(socket)).rejects.toThrow(/ENOENT/);
    expect((await fsck(scratch.image)).clean).toBe(true);
  });
});
