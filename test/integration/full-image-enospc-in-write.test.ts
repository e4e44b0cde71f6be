/**
 * Guards a full image on a real mount: buffered writes get ENOSPC in write(2) (space reservations),
 * within seconds and with the resident cache at or under cache_size; cp of a file larger than the
 * free space exits non-zero; every file whose writes and close succeeded reads back byte for byte
 * after umount and mount; deleting makes room to write again; fsck is clean.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fsck } from '../../src/fs/api.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, cleanUpAfterEach, coherefs, mountCoherefs, runTool, scratchImage } from './harness/coherefs-mount.js';

const CACHE_SIZE = 16 * MiB;

async function residentBytes(mountpoint: string): Promise<number> {
  const stats = await coherefs(['stats', mountpoint, '--json']);
  expect(stats.code).toBe(0);
  return (JSON.parse(stats.stdout) as { cache: { residentBytes: number } }).cache.residentBytes;
}

describe.runIf(requireFuse())('a full 64 MiB image', () => {
  const used = cleanUpAfterEach();

  it('ends a buffered dd with ENOSPC, refuses a cp that does not fit, and keeps every file whose close succeeded', async () => {
    const scratch = (used.scratch = await scratchImage(64 * MiB));
    let mount = (used.mount = await mountCoherefs(scratch.image, `cache_size=${CACHE_SIZE}`));
    const kept = new Map<string, Buffer>();
    for (let i = 0; i < 4; i++) {
      const data = randomBytes(MiB + i * 4099);
      await writeFile(join(mount.mountpoint, `before${i}`), data);
      kept.set(`before${i}`, data);
    }

    const fill = await runTool('dd', ['if=/dev/zero', `of=${join(mount.mountpoint, 'fill')}`, 'bs=1M']);
    expect(fill.code).not.toBe(0);
    expect(fill.stderr).toMatch(/No space left on device/);
    expect(await residentBytes(mount.mountpoint)).toBeLessThanOrEqual(CACHE_SIZE);

    // Small files until the filesystem says no: those whose write and close succeeded must survive.
    for (let i = 0; ; i++) {
      const data = randomBytes(8192);
      try {
        await writeFile(join(mount.mountpoint, `after${i}`), data);
      } catch (err) {
        expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
        break;
      }
      kept.set(`after${i}`, data);
    }

    await rm(join(mount.mountpoint, 'fill'));
    const big = join(scratch.dir, 'big');
    await writeFile(big, randomBytes(100 * MiB));
    const cp = await runTool('cp', [big, join(mount.mountpoint, 'copy')]);
    expect(cp.code).not.toBe(0);
    expect(cp.stderr).toMatch(/No space left on device/);
    await rm(join(mount.mountpoint, 'copy'));

    const again = randomBytes(20 * MiB);
    await writeFile(join(mount.mountpoint, 'again'), again);
    kept.set('again', again);

    expect((await coherefs(['umount', mount.mountpoint], { timeoutMs: 120_000 })).code).toBe(0);
    await mount.teardown();
    const report = await fsck(scratch.image);
    expect(report.problems).toEqual([]);
    mount = used.mount = await mountCoherefs(scratch.image, `cache_size=${CACHE_SIZE}`);
    for (const [name, data] of kept) expect((await readFile(join(mount.mountpoint, name))).equals(data), name).toBe(true);
  });
});
