/**
 * Guards the background daemon's log through the CLI on real mounts: named by image and mountpoint
 * in the runtime directory, three earlier logs kept per mount (the oldest removed at the next mount),
 * and with -d nothing but JSON lines, among them each request and its answer (libfuse's own debug
 * text, printed from C, would break that), in the serving transport's terms: libfuse's operations by
 * path, or the kernel protocol's opcodes by node id.
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forceUnmount } from '../../src/util/daemon-mount.js';
import { tempDirPerTest } from '../fs/helpers.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, cleanUpAfterEach, coherefs, scratchImage, suiteTransport } from './harness/coherefs-mount.js';

interface LogLine {
  pid: number;
  msg: string;
  op?: string;
  unique?: number;
  [key: string]: unknown;
}

describe.runIf(requireFuse())('the background daemon log', () => {
  const used = cleanUpAfterEach();
  const runtimeDir = tempDirPerTest('coherefs-runtime-');

  /** A background mount and its unmount with `coherefs`; returns the daemon's pid and its log's path. */
  async function mountCycle(image: string, mountpoint: string, extra: string[], use: () => Promise<void>): Promise<{ pid: number; log: string }> {
    const env = { ...process.env, COHEREFS_RUNTIME_DIR: runtimeDir() };
    const mounted = await coherefs(['mount', image, mountpoint, ...extra], { env });
    expect(mounted.stderr).toBe('');
    expect(mounted.code).toBe(0);
    try {
      await use();
    } finally {
      const unmounted = await coherefs(['umount', mountpoint], { env });
      expect(unmounted.stderr).toBe('');
      await forceUnmount(mountpoint);
    }
    const [, pid, log] = /daemon pid (\d+), log (.+)\)$/m.exec(mounted.stdout)!;
    return { pid: Number(pid), log: log! };
  }

  const linesOf = async (path: string): Promise<string[]> => (await readFile(path, 'utf8')).trimEnd().split('\n');

  it('with -d holds JSON lines only, with each request and its answer', async () => {
    const scratch = (used.scratch = await scratchImage(64 * MiB));
    const mountpoint = join(scratch.dir, 'mnt');
    await mkdir(mountpoint);
    const { log } = await mountCycle(scratch.image, mountpoint, ['-d'], async () => {
      await writeFile(join(mountpoint, 'file'), 'hello');
      expect(await readFile(join(mountpoint, 'file'), 'utf8')).toBe('hello');
    });
    const lines = (await linesOf(log)).map((line) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        throw new Error(`not a JSON line in ${log}: ${line}`);
      }
    });
    const { write, read, request, reply } = {
      libfuse: { write: 'write', read: 'read', request: { path: '/file', len: 5, pos: 0 }, reply: { result: 5 } },
      // The reply's bytes: fuse_out_header (16) and fuse_write_out (8).
      kernel: { write: 'WRITE', read: 'READ', request: { arg: { offset: 0, size: 5 }, data: { bytes: 5 } }, reply: { bytes: 24 } },
    }[suiteTransport()];
    const written = lines.find((line) => line.msg === 'request' && line.op === write);
    expect(written).toMatchObject(request);
    expect(lines.find((line) => line.msg === 'reply' && line.unique === written!.unique)).toMatchObject({ op: write, ...reply });
    expect(lines.some((line) => line.msg === 'request' && line.op === read)).toBe(true);
  });

  it('is named by image and mountpoint and keeps the three before it', async () => {
    const scratch = (used.scratch = await scratchImage(64 * MiB));
    const mountpoint = join(scratch.dir, 'data');
    await mkdir(mountpoint);
    const pids: number[] = [];
    let log = '';
    for (let mount = 0; mount < 5; mount++) {
      const cycle = await mountCycle(scratch.image, mountpoint, [], async () => undefined);
      pids.push(cycle.pid);
      log = cycle.log;
    }
    expect(log).toMatch(new RegExp(`^${runtimeDir()}/disk\\.img-data-[0-9a-f]{8}\\.log$`));
    const logs = (await readdir(runtimeDir())).filter((name) => name.includes('.log')).sort();
    expect(logs.map((name) => name.slice(name.indexOf('.log')))).toEqual(['.log', '.log.1', '.log.2', '.log.3']);
    // Newest first: the last mount's daemon wrote .log, the one before it .log.1, ...
    for (const [generation, suffix] of ['', '.1', '.2', '.3'].entries()) {
      const writers = new Set((await linesOf(`${log}${suffix}`)).map((line) => (JSON.parse(line) as LogLine).pid));
      expect([...writers], `${log}${suffix}`).toEqual([pids[4 - generation]]);
    }
  });
});
