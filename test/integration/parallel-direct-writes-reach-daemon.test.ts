/**
 * Guards FOPEN_PARALLEL_DIRECT_WRITES on the kernel transport: O_DIRECT writers that neither append
 * nor pass EOF reach the daemon together (the kernel takes its inode lock shared for them), and their
 * data is right (fio's crc32c verify). While a MAP_SHARED map of the file is open the kernel puts the
 * file in cached-IO mode and serializes them again. Observed through the stats' fuse.writesInFlightPeak
 * (the most WRITEs of one file read from /dev/fuse before the earlier ones were answered), never
 * through timing. Each write is one FUSE request (psync, 64 KiB): a longer one could be several.
 * Without the flag the peak stays 1: the kernel's exclusive inode lock serializes every direct write.
 */
import { describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runFio, type FioJob } from '../../tools/fio.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, coherefs, mountForSuite, sha256File } from './harness/coherefs-mount.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const JOBS = 4;
const REGION = 4 * MiB;

/** A python3 process holding a MAP_SHARED map of `file` (touched, so the kernel caches a page) until its stdin closes. */
const HOLD_SHARED_MAP = [
  'import mmap, os, sys',
  'fd = os.open(sys.argv[1], os.O_RDWR)',
  'm = mmap.mmap(fd, 0, flags=mmap.MAP_SHARED)',
  'm[0]',
  'print("mapped", flush=True)',
  'sys.stdin.read()',
].join('\n');

describe.runIf(requireFuse(isRoot ? undefined : 'the kernel transport mounts /dev/fuse itself: root only'))('parallel O_DIRECT writes on the kernel transport', () => {
  const suite = mountForSuite(256 * MiB, 'cache_size=16M,transport=kernel');

  const peak = async (): Promise<number> => {
    const result = await coherefs(['stats', suite.mount.mountpoint, '--json']);
    expect(result.code).toBe(0);
    return (JSON.parse(result.stdout) as { fuse: { writesInFlightPeak: number } }).fuse.writesInFlightPeak;
  };
  /** JOBS synchronous direct writers, each over its own region of `file`, then fio reads each region back and checks it. */
  const writers = (file: string): FioJob => ({
    name: 'overwriters', filename: file, rw: 'randwrite', bs: '64k', size: String(REGION), direct: true, numjobs: JOBS,
    verify: 'crc32c', extra: { offset_increment: String(REGION) },
  });

  it('reach the daemon together on a file without shared maps, one at a time while a shared map is open; data verified', async () => {
    const file = join(suite.mount.mountpoint, 'overwritten');
    // Laid out in full first: every later write is an overwrite inside EOF.
    await run('dd', ['if=/dev/urandom', `of=${file}`, 'bs=1M', `count=${(JOBS * REGION) / MiB}`, 'oflag=direct', 'status=none']);
    expect(await peak()).toBe(1);

    const holder = spawn('python3', ['-c', HOLD_SHARED_MAP, file], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await once(holder.stdout, 'data');
      expect((await runFio(writers(file))).error).toBe(0);
      expect(await peak()).toBe(1);
    } finally {
      holder.stdin.end();
      await once(holder, 'exit');
    }

    expect((await runFio(writers(file))).error).toBe(0);
    expect(await peak()).toBeGreaterThanOrEqual(2);
    // What fio verified through O_DIRECT, a buffered read sees too.
    const direct = join(suite.scratch.dir, 'direct-copy');
    await run('dd', [`if=${file}`, `of=${direct}`, 'bs=1M', 'iflag=direct', 'status=none']);
    expect(await sha256File(file)).toBe(await sha256File(direct));
  });
});
