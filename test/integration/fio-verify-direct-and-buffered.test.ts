/**
 * Guards data integrity under fio's own checker (crc32c in every block header, verify_fatal) on a
 * real coherefs mount: direct random writers, buffered random writers, and direct writers running
 * while buffered readers verify other files that direct writes laid out. Two jobs each.
 */
import { describe, expect, it } from 'vitest';
import { runFio, type FioJob } from '../../tools/fio.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, mountForSuite } from './harness/coherefs-mount.js';

const FILE_SIZE = '16M';
const JOBS = 2;

describe.runIf(requireFuse())('fio verify on a coherefs mount', () => {
  const suite = mountForSuite();
  const job = (name: string, rest: Omit<FioJob, 'name' | 'directory' | 'size' | 'bs'>): FioJob => ({
    name, directory: suite.mount.mountpoint, size: FILE_SIZE, bs: '4k', numjobs: JOBS, verify: 'crc32c', ...rest,
  });

  it('verifies direct random writes', async () => {
    const result = await runFio(job('dio-randwrite', { rw: 'randwrite', direct: true }));
    expect(result.error).toBe(0);
    expect(result.write.ioBytes).toBe(JOBS * 16 * MiB);
  });

  it('verifies buffered random writes', async () => {
    const result = await runFio(job('buffered-randwrite', { rw: 'randwrite', direct: false }));
    expect(result.error).toBe(0);
    expect(result.write.ioBytes).toBe(JOBS * 16 * MiB);
  });

  it('verifies buffered reads of direct-written files while direct writers run on other files', async () => {
    await runFio(job('mixed-readers', { rw: 'write', direct: true }));
    const [writers, readers] = await Promise.all([
      runFio(job('mixed-writers', { rw: 'randwrite', direct: true })),
      runFio(job('mixed-readers', { rw: 'randread', direct: false, extra: { verify_only: 1 } })),
    ]);
    expect(writers.error).toBe(0);
    expect(readers.error).toBe(0);
    expect(readers.read.ioBytes).toBe(JOBS * 16 * MiB);
  });
});
