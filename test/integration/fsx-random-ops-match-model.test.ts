/**
 * Guards every IO path against one model on a real mount (test/tools/fsx.py, in the manner of
 * xfstests' fsx): random buffered, O_DIRECT and mapped reads and writes, O_DIRECT writes from a
 * mapping of the same file, truncates, fsyncs, reopens, copy_file_range and SEEK_DATA/SEEK_HOLE on
 * one file, each read compared with the model. On the kernel transport the mix also has writes
 * through MAP_SHARED mappings (in `locked`, through one kept open the whole run as well) and
 * fallocate's allocate, punch and zero; on libfuse, which serves neither, each of those calls is
 * tried once and must fail as documented (MAP_SHARED ENODEV, fallocate EOPNOTSUPP). A file the
 * kernel may cache pages of is answered as one without holes, so a run without maps checks the
 * block map's SEEK_DATA/SEEK_HOLE answers (over fallocate's holes on the kernel transport). A 1 MiB cache
 * under a 2 MiB file keeps readahead, reclaim and writeback busy. After a remount the file still
 * equals the model and fsck is clean. With `coherence=none` the same run must fail (a read of a
 * page cached before a direct write): the checker can fail.
 */
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fsck } from '../../src/fs/api.js';
import { requireFuse } from './harness/require-fuse.js';
import { cleanUpAfterEach, mountCoherefs, scratchImage } from './harness/coherefs-mount.js';
import { fsx, FSX_FEATURE_OPS, FSX_ON_KERNEL } from './harness/fsx.js';

const OPS = ['--ops', '3000', '--seed', '7'];

describe.runIf(requireFuse())('fsx: random buffered, direct and mapped IO against a model', () => {
  const used = cleanUpAfterEach();

  for (const coherence of ['locked', 'evict'] as const) {
    it(`${coherence}: every read matches the model, and the file does after a remount`, async () => {
      const scratch = (used.scratch = await scratchImage(256 * 2 ** 20));
      used.mount = await mountCoherefs(scratch.image, `cache_size=1M,coherence=${coherence}`);
      const model = join(scratch.dir, 'model');
      // A mapping kept open must follow every change only where the lock closes the fault race.
      const keptMap = FSX_ON_KERNEL && coherence === 'locked' ? ['--keep-shared-map'] : [];
      const run = await fsx(join(used.mount.mountpoint, 'fsx'), [...OPS, ...keptMap, '--save-model', model]);
      expect(run.stdout).toMatch(/^PASS /m);
      expect(run.code).toBe(0);
      for (const op of FSX_FEATURE_OPS) expect(run.stdout).toMatch(new RegExp(` ${op}=[1-9]`));
      if (!FSX_ON_KERNEL) expect(run.stdout).toMatch(/ unsupported:shared-maps unsupported:fallocate$/m);

      await used.mount.teardown();
      expect((await fsck(scratch.image)).problems).toEqual([]);
      used.mount = await mountCoherefs(scratch.image, 'cache_size=1M');
      const contents = await readFile(join(used.mount.mountpoint, 'fsx'));
      expect(contents.equals(await readFile(model))).toBe(true);
    });
  }

  it('without maps: SEEK_DATA and SEEK_HOLE from the block map match the model', async () => {
    const scratch = (used.scratch = await scratchImage(256 * 2 ** 20));
    used.mount = await mountCoherefs(scratch.image, 'cache_size=1M');
    const run = await fsx(join(used.mount.mountpoint, 'fsx'), ['--ops', '2000', '--seed', '8', '--no-maps']);
    expect(run.stdout).toMatch(/^PASS .* seek=[1-9]/m);
    expect(run.code).toBe(0);
  });

  it('none: the run fails on a stale read (the checker can fail)', async () => {
    const scratch = (used.scratch = await scratchImage(256 * 2 ** 20));
    used.mount = await mountCoherefs(scratch.image, 'cache_size=1M,coherence=none');
    const run = await fsx(join(used.mount.mountpoint, 'fsx'), OPS);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL seed=7 op \d+: (read|dread|mapread)/m);
  });
});
