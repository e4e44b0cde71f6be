/**
 * Guards the trust check of the runtime directory (control sockets and logs, $COHEREFS_RUNTIME_DIR):
 * one that is group- or world-writable, or owned by another user, is refused by mount (before anything
 * is mounted), stats and umount, since whoever can write there can stand in for a daemon.
 */
import { chmod, chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forceUnmount } from '../../src/util/daemon-mount.js';
import { findMount } from '../../src/util/mountinfo.js';
import { tempDirPerTest } from '../fs/helpers.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, cleanUpAfterEach, coherefs, scratchImage, sha256File } from './harness/coherefs-mount.js';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

describe.runIf(requireFuse())('the runtime directory must be private to the user', () => {
  const used = cleanUpAfterEach();
  const runtimeDir = tempDirPerTest('coherefs-runtime-');

  /** Every command run with the runtime directory as `prepare` left it. */
  async function expectRefused(prepare: (dir: string) => Promise<void>, why: RegExp): Promise<void> {
    const scratch = (used.scratch = await scratchImage(64 * MiB));
    const mountpoint = join(scratch.dir, 'mnt');
    await mkdir(mountpoint);
    await prepare(runtimeDir());
    const env = { ...process.env, COHEREFS_RUNTIME_DIR: runtimeDir() };
    const sum = await sha256File(scratch.image);
    try {
      for (const args of [['mount', scratch.image, mountpoint], ['stats', mountpoint], ['umount', mountpoint]]) {
        const result = await coherefs(args, { env });
        expect(result.stderr, args[0]).toMatch(why);
        expect(result.code, args[0]).toBe(1);
      }
      expect(await findMount(mountpoint)).toBeUndefined();
      expect(await sha256File(scratch.image)).toBe(sum);
    } finally {
      await forceUnmount(mountpoint);
    }
  }

  it('uses a private one (the control case: stats finds no daemon there)', async () => {
    const result = await coherefs(['stats', runtimeDir()], { env: { ...process.env, COHEREFS_RUNTIME_DIR: runtimeDir() } });
    expect(result.stderr).toMatch(/no coherefs daemon serves/);
  });

  it('refuses a world-writable one', async () => {
    await expectRefused((dir) => chmod(dir, 0o777), /refusing the runtime directory .*: it is group- or world-writable \(mode 777\)/);
  });

  it('refuses a group-writable one', async () => {
    await expectRefused((dir) => chmod(dir, 0o770), /group- or world-writable \(mode 770\)/);
  });

  it.runIf(isRoot)('refuses one owned by another user', async () => {
    await expectRefused((dir) => chown(dir, NOBODY, NOBODY), new RegExp(`owned by uid ${NOBODY}, not by the current user`));
  });
});
