/**
 * Guards a full host filesystem under a sparse image (here a 40 MiB tmpfs under a 64 MiB image):
 * the image has room, so writes are accepted, but their writeback fails. The error reaches the
 * writer at fsync and at close, and `coherefs umount` exits non-zero naming the file and the bytes
 * it lost; what was fsync'd before is still there after a remount, and fsck is clean. Never a
 * silent success.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fsck, mkfs } from '../../src/fs/api.js';
import type { DaemonMount } from '../../src/util/daemon-mount.js';
import { fuseMissing, requireFuse } from './harness/require-fuse.js';
import { MiB, coherefs, mountCoherefs, runTool } from './harness/coherefs-mount.js';
import { smallHost, type SmallHost } from './harness/small-host.js';

describe.runIf(requireFuse(process.getuid?.() === 0 ? fuseMissing() : 'mounting a tmpfs needs root'))('an image on a full host filesystem', () => {
  let host: SmallHost | undefined;
  let mount: DaemonMount | undefined;
  afterEach(async () => {
    await mount?.teardown();
    await host?.remove();
    mount = host = undefined;
  });

  it('reports the lost writes at fsync, close and umount, and keeps what was fsync\'d', async () => {
    host = await smallHost('40M');
    const image = join(host.path, 'disk.img');
    await mkfs(image, { size: 64 * MiB });
    mount = await mountCoherefs(image, 'cache_size=128M');
    const synced = randomBytes(MiB);
    await writeFile(join(mount.mountpoint, 'synced'), synced, { flush: true });

    const atClose = await runTool('dd', ['if=/dev/urandom', `of=${join(mount.mountpoint, 'big')}`, 'bs=1M', 'count=50']);
    expect(atClose.code).not.toBe(0);
    expect(atClose.stderr).toMatch(/closing output file.*No space left on device/);
    const atFsync = await runTool('dd', ['if=/dev/urandom', `of=${join(mount.mountpoint, 'big2')}`, 'bs=1M', 'count=4', 'conv=fsync']);
    expect(atFsync.code).not.toBe(0);
    expect(atFsync.stderr).toMatch(/fsync failed.*No space left on device/);

    // Unsynced data that writeback cannot store: umount must say so, never "written back".
    await runTool('sh', ['-c', `head -c 8M /dev/urandom > '${join(mount.mountpoint, 'unsynced')}' || true`]);
    await writeFile(join(mount.mountpoint, 'pending'), randomBytes(6 * MiB)).catch(() => undefined);
    const umount = await coherefs(['umount', mount.mountpoint], { timeoutMs: 120_000 });
    expect(umount.code).toBe(1);
    expect(umount.stderr).toMatch(/lost: .*\/(pending|unsynced|big2?): \d+ bytes/);
    await mount.teardown();

    expect((await fsck(image)).problems).toEqual([]);
    mount = await mountCoherefs(image, 'cache_size=128M');
    expect((await readFile(join(mount.mountpoint, 'synced'))).equals(synced)).toBe(true);
  });
});
