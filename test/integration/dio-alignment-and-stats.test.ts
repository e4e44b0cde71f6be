/**
 * Guards what the daemon itself must enforce and report on a real mount: FUSE does not check
 * O_DIRECT alignment, so a misaligned direct read or write must fail with EINVAL from the daemon;
 * `coherefs stats --json` answers with the counters, and the DIO counters move after a direct write;
 * `coherefs stats --watch` samples until SIGINT and shows the rate of a write made between samples.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { runDd } from '../../tools/dd.js';
import { projectFile } from '../../src/util/project-file.js';
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

  it('samples with stats --watch until SIGINT, showing the rate of a write between samples', async () => {
    const watch = spawn(process.execPath, [projectFile('dist/src/cli/main.js'), 'stats', suite.mount.mountpoint, '--watch', '0.3'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    watch.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    watch.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = once(watch, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    /** The tables printed so far, each one sample (stdout is a pipe: printed one after the other). */
    const tables = (): string[] => stdout.split(/^coherefs stats .*$/m).slice(1);
    const waitFor = async (what: string, condition: () => boolean): Promise<void> => {
      const deadline = Date.now() + 15_000;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`stats --watch: no ${what} within 15 s; stdout:\n${stdout}\nstderr:\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const writtenRate = (table: string): string | undefined => /^cache\.dioBytesWritten +\S+ \S+ +(\S+ \S+\/s)$/m.exec(table)?.[1];
    try {
      await waitFor('two complete samples', () => tables().length >= 3);
      expect(tables()[0]).toMatch(/^cache\.residentBytes +[\d.]+ (B|KiB|MiB)$/m);
      expect(writtenRate(tables()[1]!)).toBe('0 B/s');
      const seen = tables().length;
      await runDd({ input: '/dev/zero', output: join(suite.mount.mountpoint, 'watched'), bs: '128k', count: 16, oflag: ['direct'] });
      await waitFor('rate after the write', () => tables().slice(seen).some((table) => /^[1-9]/.test(writtenRate(table) ?? '')));
      watch.kill('SIGINT');
      expect(await exited).toEqual([0, null]);
      expect(stderr).toBe('');
    } finally {
      watch.kill('SIGKILL');
    }
  });
});
