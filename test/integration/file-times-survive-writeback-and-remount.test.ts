/**
 * Guards file times through a real mount: a time set with `touch -d` after a write is not overwritten
 * when the write's pages are written back later, and it is still there after umount and a new mount
 * (what `cp -p`, `tar x` and `rsync -t` rely on). A write(2) or truncate(2) still moves mtime to now.
 * fuse-native carries times in milliseconds and hands utimens the access time twice, so the set time
 * is checked to the millisecond and with `touch -d` (both times); nanoseconds are tested at the fs layer.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { appendFile, open, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, cleanUpAfterEach, coherefs, mountCoherefs, scratchImage, suiteTransport, waitForExit } from './harness/coherefs-mount.js';

const run = promisify(execFile);
const SET = '2000-01-01 00:00:00.123456789';
/** SET as fuse-native passes it on: whole milliseconds; the kernel transport keeps the nanoseconds. */
const SET_NS = suiteTransport() === 'kernel'
  ? BigInt(Date.UTC(2000, 0, 1, 0, 0, 0, 123)) * 1_000_000n + 456_789n
  : BigInt(Date.UTC(2000, 0, 1, 0, 0, 0, 123)) * 1_000_000n;

describe.runIf(requireFuse())('file times survive writeback, umount and mount', () => {
  const used = cleanUpAfterEach();

  it('an mtime set after a write stays when the write reaches the image, and after a remount', async () => {
    const scratch = (used.scratch = await scratchImage(64 * MiB));
    let mount = (used.mount = await mountCoherefs(scratch.image));
    const file = join(mount.mountpoint, 'f');
    await writeFile(file, Buffer.alloc(3 * 4096 + 5, 0x61));
    await run('touch', ['-d', SET, file], { env: { ...process.env, TZ: 'UTC' } });
    // The write's pages are still dirty in the mount's page cache: fsync writes them back now.
    const handle = await open(file, 'r');
    await handle.sync();
    await handle.close();
    expect((await stat(file, { bigint: true })).mtimeNs, 'after writeback').toBe(SET_NS);

    expect((await coherefs(['umount', mount.mountpoint])).code).toBe(0);
    expect(await waitForExit(mount.pid), 'the daemon exits').toBe(true);
    await mount.teardown();
    mount = used.mount = await mountCoherefs(scratch.image);
    const after = await stat(join(mount.mountpoint, 'f'), { bigint: true });
    expect([after.mtimeNs, after.atimeNs], 'after umount and mount').toEqual([SET_NS, SET_NS]);
    expect(after.size).toBe(3n * 4096n + 5n);
  });

  it('write(2) and truncate(2) still set mtime and ctime to now', async () => {
    const scratch = (used.scratch = await scratchImage(64 * MiB));
    const mount = (used.mount = await mountCoherefs(scratch.image));
    const file = join(mount.mountpoint, 'g');
    await writeFile(file, 'first');
    for (const change of [() => appendFile(file, 'more'), () => truncate(file, 2)]) {
      await run('touch', ['-d', SET, file]);
      const before = Date.now();
      await change();
      const s = await stat(file);
      expect(s.mtimeMs).toBeGreaterThanOrEqual(before - 1);
      expect(s.ctimeMs).toBeGreaterThanOrEqual(before - 1);
    }
  });
});
