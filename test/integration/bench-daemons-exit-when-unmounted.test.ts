/**
 * Guards the benchmark's own FUSE daemons (the in-memory ceiling and the passthrough one): unmounted
 * from outside (umount, fusermount -u), each exits by itself, as coherefs's daemon does. They used to
 * stay behind, serving nothing, after a bench run was interrupted and its mounts cleared by hand.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { mountCeiling } from '../../bench/ceiling-mount.js';
import type { DaemonMount } from '../../src/util/daemon-mount.js';
import { findMount } from '../../src/util/mountinfo.js';
import { requireFuse } from './harness/require-fuse.js';
import { waitForExit } from './harness/coherefs-mount.js';

const run = promisify(execFile);

describe.runIf(requireFuse())('the bench daemons exit when unmounted from outside', () => {
  let mount: DaemonMount | undefined;
  let hostDir: string | undefined;
  afterEach(async () => {
    await mount?.teardown();
    if (hostDir) await rm(hostDir, { recursive: true, force: true });
    mount = hostDir = undefined;
  });

  for (const daemon of ['ceiling', 'passthrough']) {
    for (const [way, unmount] of [['umount', ['umount']], ['fusermount -u', ['fusermount', '-u']]] as const) {
      it(`${daemon}, by ${way}`, async () => {
        if (daemon === 'passthrough') hostDir = await mkdtemp(join(tmpdir(), 'coherefs-test-'));
        mount = await mountCeiling(hostDir);
        await run(unmount[0], [...unmount.slice(1), mount.mountpoint]);
        expect(await findMount(mount.mountpoint)).toBeUndefined();
        expect(await waitForExit(mount.pid, 10_000), 'the daemon exits by itself').toBe(true);
        expect(mount.exitCode(), mount.stderr()).toBe(0);
      });
    }
  }
});
