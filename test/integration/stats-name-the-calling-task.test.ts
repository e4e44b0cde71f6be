/**
 * Guards the caller's identity on the daemon's tasks (kernel transport: each request header carries
 * the caller's pid): while a dd O_DIRECT write holds the block side (slowed by the
 * dio_evict_delay_ms fault injection), `coherefs stats` lists it as the holder with dd's pid and
 * command name (/proc/PID/comm), in JSON and in the table.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { LockReport } from '../../src/mm/api.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, coherefs, mountForSuite } from './harness/coherefs-mount.js';

const isRoot = process.getuid?.() === 0;
type NamedHolder = LockReport['holders'][number] & { comm?: string };

describe.runIf(requireFuse(isRoot ? undefined : 'the kernel transport mounts /dev/fuse itself: root only'))('stats name the calling task', () => {
  const suite = mountForSuite(256 * MiB, 'cache_size=16M,transport=kernel,coherence=locked,dio_evict_delay_ms=500');

  const holders = async (): Promise<NamedHolder[]> => {
    const result = await coherefs(['stats', suite.mount.mountpoint, '--json']);
    expect(result.code).toBe(0);
    return (JSON.parse(result.stdout) as { locks: LockReport[] }).locks.flatMap((lock) => lock.holders);
  };

  it("names a direct writer holding the block side by dd's pid and command name", async () => {
    // Each 4 KiB direct write sleeps 500 ms under the block side: 20 of them hold it for 10 s.
    const dd = spawn('dd', ['if=/dev/zero', `of=${join(suite.mount.mountpoint, 'slow')}`, 'bs=4k', 'count=20', 'oflag=direct', 'status=none']);
    const exited = once(dd, 'exit');
    let ended = false;
    void exited.then(() => (ended = true));
    try {
      let seen: NamedHolder | undefined;
      while (!seen && !ended) seen = (await holders()).find((holder) => holder.pid === dd.pid);
      expect(seen).toMatchObject({ pid: dd.pid, comm: 'dd', task: expect.stringMatching(new RegExp(`^write fh\\d+#\\d+ \\(pid ${dd.pid}\\)$`)) });
      const holderRow = /^locks\.0\.holders\.0\.comm +dd$/m;
      let table = '';
      while (!holderRow.test(table) && !ended) table = (await coherefs(['stats', suite.mount.mountpoint])).stdout;
      expect(table).toMatch(holderRow);
    } finally {
      dd.kill();
      await exited;
    }
  });
});
