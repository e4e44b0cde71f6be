/**
 * Guards SEEK_DATA/SEEK_HOLE against bytes stored through a MAP_SHARED mapping that the kernel has
 * not written back yet (found by fsx --keep-shared-map --seek): the kernel sends LSEEK without
 * writing back its page cache, so the daemon has it write back from the offset on before it
 * answers. Without that, SEEK_DATA over a hole the mapping just filled reports EOF. Kernel
 * transport only (libfuse refuses MAP_SHARED); needs root and xfsprogs (xfs_io).
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireFuse } from './harness/require-fuse.js';
import { cleanUpAfterEach, mountCoherefs, scratchImage } from './harness/coherefs-mount.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const K = 1024;

describe.runIf(requireFuse(isRoot ? undefined : 'the kernel transport mounts /dev/fuse itself: root only'))('SEEK_DATA/SEEK_HOLE with a shared mapping open', () => {
  const used = cleanUpAfterEach();

  it('count the pages a MAP_SHARED mapping dirtied, before they are written back', async () => {
    const scratch = (used.scratch = await scratchImage(64 * 2 ** 20));
    used.mount = await mountCoherefs(scratch.image, 'transport=kernel');
    const file = join(used.mount.mountpoint, 'sparse');
    // One xfs_io process: the mapping stays open, its page dirty in the kernel, across both seeks.
    const { stdout, stderr } = await run('xfs_io', ['-f', '-c', 'truncate 1m', '-c', 'mmap -rw 0 1m', '-c', 'mwrite -S 2 512k 4k',
      '-c', 'seek -d 0', '-c', 'seek -h 512k', file]);
    expect(stderr).toBe('');
    const answers = stdout.split('\n').filter((line) => /^(DATA|HOLE)\t/.test(line));
    expect(answers).toEqual([`DATA\t${512 * K}`, `HOLE\t${516 * K}`]);
  });
});
