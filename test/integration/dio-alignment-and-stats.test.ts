/**
 * Guards what the daemon itself must enforce and report on a real mount: FUSE does not check
 * O_DIRECT alignment, so a misaligned direct read or write must fail with EINVAL from the daemon;
 * `coherefs stats --json` answers with the counters, and the DIO counters move after a direct write.
 */
import { describe, expect, it } from 'vitest';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { runDd } from '../../src/util/dd.js';
import type { VfsStats } from '../../src/vfs/api.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, coherefs, mountForSuite } from './harness/coherefs-mount.js';

describe.runIf(requireFuse())('O_DIRECT alignment and stats on a coherefs mount', () => {
  const suite = mountForSuite(256 * MiB, 'cache_size=32M,dio_align=512');

  it('fails a misaligned O_DIRECT write and read with EINVAL; aligned ones work', async () => {
    const file = await open(join(suite.mount.mountpoint, 'aligned'), constants.O_CREAT | constants.O_RDWR | constants.O_DIRECT, 0o644);
    try {
      const block = Buffer.alloc(4096, 3);
      expect((await file.write(block, 0, 4096, 0)).bytesWritten).toBe(4096);
      await expect(file.write(block, 0, 100, 0)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(file.write(block, 0, 512, 3)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(file.read(Buffer.alloc(4096), 0, 100, 0)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(file.read(Buffer.alloc(4096), 0, 512, 7)).rejects.toMatchObject({ code: 'EINVAL' });
      expect((await file.read(Buffer.alloc(512), 0, 512, 512)).bytesRead).toBe(512);
    } finally {
      await file.close();
    }
  });

  it('answers coherefs stats --json with the counters; DIO counters move after a direct write', async () => {
    const stats = async (): Promise<VfsStats & { pid: number }> => {
      const result = await coherefs(['stats', suite.mount.mountpoint, '--json']);
      expect(result.code).toBe(0);
      return JSON.parse(result.stdout) as VfsStats & { pid: number };
    };
    const before = await stats();
    expect(before.pid).toBe(suite.mount.pid);
    expect(before.coherence).toBe('locked');
    for (const key of ['cacheHits', 'cacheMisses', 'evictions', 'dirtyBytes', 'dioWrites', 'dioBytesWritten', 'lockWaits']) {
      expect(before.cache).toHaveProperty(key);
    }
    await runDd({ input: '/dev/zero', output: join(suite.mount.mountpoint, 'direct'), bs: '128k', count: 8, oflag: ['direct'] });
    const after = await stats();
    expect(after.cache.dioWrites - before.cache.dioWrites).toBe(8);
    expect(after.cache.dioBytesWritten - before.cache.dioBytesWritten).toBe(MiB);
  });
});
