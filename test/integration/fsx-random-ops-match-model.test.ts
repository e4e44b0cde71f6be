/**
 * Guards every IO path against one model on a real mount (test/tools/fsx.py, in the manner of
 * xfstests' fsx): random buffered, O_DIRECT and mapped reads and writes, O_DIRECT writes from a
 * mapping of the same file, truncates, fsyncs, reopens, copy_file_range and SEEK_DATA/SEEK_HOLE on
 * one file, each read compared with the model. On the kernel transport the mix also has writes
 * through MAP_SHARED mappings (in `locked`, through one kept open the whole run as well) and
 * fallocate's allocate, punch and zero; on libfuse, which serves neither, each of those calls is
 * tried once and must fail as documented (MAP_SHARED ENODEV, fallocate EOPNOTSUPP). A 1 MiB cache
 * under a 2 MiB file keeps readahead, reclaim and writeback busy. After a remount the file still
 * equals the model and fsck is clean. With `coherence=none` the same run must fail (a read of a
 * page cached before a direct write): the checker can fail.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fsck } from '../../src/fs/api.js';
import { MAX_REQUEST_BYTES } from '../../src/fuse/api.js';
import { MAX_WRITE } from '../../src/fuse/kernel/init.js';
import { projectFile } from '../../src/util/project-file.js';
import { requireFuse } from './harness/require-fuse.js';
import { cleanUpAfterEach, mountCoherefs, scratchImage, suiteTransport } from './harness/coherefs-mount.js';

const OPS = 3000;
const KERNEL = suiteTransport() === 'kernel';
/** The largest FUSE request of the transport under test: a misaligned direct write lands in whole ones. */
const REQUEST_BYTES = KERNEL ? MAX_WRITE : MAX_REQUEST_BYTES;
/** The operations beyond read and write, by what the transport serves (see fsx.py's flags). */
const FEATURES = KERNEL ? ['--shared-maps', '--fallocate', '--copy-range', '--seek'] : ['--copy-range', '--seek', '--expect-unsupported', 'shared-maps,fallocate'];
/** What the PASS line counts besides the base operations. */
const FEATURE_COUNTS = KERNEL ? ['mapwrite', 'falloc', 'punch', 'zero', 'copyrange', 'seek'] : ['copyrange', 'seek'];

interface FsxRun {
  code: number;
  stdout: string;
}

function fsx(file: string, seed: number, extra: string[], saveModel?: string): Promise<FsxRun> {
  const args = [projectFile('test/tools/fsx.py'), file, '--ops', String(OPS), '--seed', String(seed), '--request-bytes', String(REQUEST_BYTES), ...FEATURES, ...extra, '--quiet'];
  if (saveModel) args.push('--save-model', saveModel);
  return new Promise((resolve) =>
    execFile('python3', args, { timeout: 120_000 }, (err, stdout) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout }),
    ),
  );
}

describe.runIf(requireFuse())('fsx: random buffered, direct and mapped IO against a model', () => {
  const used = cleanUpAfterEach();

  for (const coherence of ['locked', 'evict'] as const) {
    it(`${coherence}: every read matches the model, and the file does after a remount`, async () => {
      const scratch = (used.scratch = await scratchImage(256 * 2 ** 20));
      used.mount = await mountCoherefs(scratch.image, `cache_size=1M,coherence=${coherence}`);
      const model = join(scratch.dir, 'model');
      // A mapping kept open must follow every change only where the lock closes the fault race.
      const keptMap = KERNEL && coherence === 'locked' ? ['--keep-shared-map'] : [];
      const run = await fsx(join(used.mount.mountpoint, 'fsx'), 7, keptMap, model);
      expect(run.stdout).toMatch(/^PASS /m);
      expect(run.code).toBe(0);
      for (const op of FEATURE_COUNTS) expect(run.stdout).toMatch(new RegExp(` ${op}=[1-9]`));
      if (!KERNEL) expect(run.stdout).toMatch(/ unsupported:shared-maps unsupported:fallocate$/m);

      await used.mount.teardown();
      expect((await fsck(scratch.image)).problems).toEqual([]);
      used.mount = await mountCoherefs(scratch.image, 'cache_size=1M');
      const contents = await readFile(join(used.mount.mountpoint, 'fsx'));
      expect(contents.equals(await readFile(model))).toBe(true);
    });
  }

  it('none: the run fails on a stale read (the checker can fail)', async () => {
    const scratch = (used.scratch = await scratchImage(256 * 2 ** 20));
    used.mount = await mountCoherefs(scratch.image, 'cache_size=1M,coherence=none');
    const run = await fsx(join(used.mount.mountpoint, 'fsx'), 7, []);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL seed=7 op \d+: (read|dread|mapread)/m);
  });
});
