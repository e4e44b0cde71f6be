/**
 * Guards the benchmark's own FUSE daemon (the in-memory ceiling): unmounted from outside (umount,
 * fusermount -u), it exits by itself, as coherefs's daemon does. It used to
 * stay behind, serving nothing, after a bench run was interrupted and its mounts cleared by hand.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { mountCeiling } from '../../bench/ceiling-mount.js';
import type { DaemonMount } from '../../src/util/daemon-mount.js';
import { findMount } from '../../src/util/mountinfo.js';
import { requireFuse } from './harness/require-fuse.js';
import { waitForExit } from './harness/coherefs-mount.js';

const run = promisify(execFile);

describe.runIf(requireFuse())('the bench daemon exits when unmounted from outside', () => {
  let mount: DaemonMount | undefined;
  afterEach(async () => {
    await mount?.teardown();
    mount = undefined;
  });

  for (const [way, unmount] of [['umount', ['umount']], ['fusermount -u', ['fusermount', '-u']]] as const) {
    it(`ceiling, by ${way}`, async () => {
      mount = await mountCeiling();
      await run(unmount[0], [...unmount.slice(1), mount.mountpoint]);
      expect(await findMount(mount.mountpoint)).toBeUndefined();
      expect(await waitForExit(mount.pid, 10_000), 'the daemon exits by itself').toBe(true);
      expect(mount.exitCode(), mount.stderr()).toBe(0);
    });
  }
});
