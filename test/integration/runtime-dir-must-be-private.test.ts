/**
 * Guards the trust check of the runtime directory (control sockets and logs, $COHEREFS_RUNTIME_DIR):
 * one that is group- or world-writable, or owned by another user, is refused by mount (before anything
 * is mounted), stats and umount, since whoever can write there can stand in for a daemon.
 */
import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forceUnmount } from '../../src/util/daemon-mount.js';
import { findMount } from '../../src/util/mountinfo.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, coherefs, scratchImage, sha256File, type Scratch } from './harness/coherefs-mount.js';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

describe.runIf(requireFuse())('the runtime directory must be private to the user', () => {
  let scratch: Scratch;
  let mountpoint: string;
  let runtimeDirs: string;

  beforeAll(async () => {
    scratch = await scratchImage(64 * MiB);
    mountpoint = join(scratch.dir, 'mnt');
    await mkdir(mountpoint);
    runtimeDirs = await mkdtemp(join(tmpdir(), 'coherefs-runtime-'));
  });

  afterAll(async () => {
    if (mountpoint) await forceUnmount(mountpoint);
    await scratch?.remove();
    if (runtimeDirs) await rm(runtimeDirs, { recursive: true, force: true });
  });

  /** A runtime directory set up by `prepare`, and every command run with it. */
  async function expectRefused(name: string, prepare: (dir: string) => Promise<void>, why: RegExp): Promise<void> {
    const dir = join(runtimeDirs, name);
    await mkdir(dir, { mode: 0o700 });
    await prepare(dir);
    const env = { ...process.env, COHEREFS_RUNTIME_DIR: dir };
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
    const dir = join(runtimeDirs, 'private');
    await mkdir(dir, { mode: 0o700 });
    const result = await coherefs(['stats', mountpoint], { env: { ...process.env, COHEREFS_RUNTIME_DIR: dir } });
    expect(result.stderr).toMatch(/no coherefs daemon serves/);
  });

  it('refuses a world-writable one', async () => {
    await expectRefused('open', (dir) => chmod(dir, 0o777), /refusing the runtime directory .*open: it is group- or world-writable \(mode 777\)/);
  });

  it('refuses a group-writable one', async () => {
    await expectRefused('group', (dir) => chmod(dir, 0o770), /group- or world-writable \(mode 770\)/);
  });

  it.runIf(isRoot)('refuses one owned by another user', async () => {
    await expectRefused('theirs', (dir) => chown(dir, NOBODY, NOBODY), new RegExp(`owned by uid ${NOBODY}, not by the current user`));
  });
});
