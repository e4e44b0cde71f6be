/**
 * Guards the binding and coherefs's mount options end to end on a real mount (the ceiling daemon):
 * dd buffered and O_DIRECT both ways and an fio verify job come back byte-exact, and the mount
 * lifecycle harness mounts, reports and tears down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mountCeiling } from '../../bench/ceiling-mount.js';
import type { DaemonMount } from '../../src/util/daemon-mount.js';
import { killDaemon9, startDaemonMount } from '../../src/util/daemon-mount.js';
import { runDd } from '../../tools/dd.js';
import { runFio } from '../../tools/fio.js';
import { findMount } from '../../src/util/mountinfo.js';
import { projectFile } from '../../src/util/project-file.js';
import { requireFuse } from './harness/require-fuse.js';

const run = promisify(execFile);

describe.runIf(requireFuse())('ceiling mount round trip', () => {
  let mount: DaemonMount;
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'coherefs-test-'));
    mount = await mountCeiling();
  });

  afterAll(async () => {
    await mount?.teardown();
    await rm(scratch, { recursive: true, force: true });
  });

  it('mounts as fuse.coherefs', async () => {
    expect((await findMount(mount.mountpoint))?.fstype).toBe('fuse.coherefs');
  });

  it('carries dd O_DIRECT writes back to buffered reads and the reverse', async () => {
    const source = join(scratch, 'source');
    const data = randomBytes(4 << 20);
    await writeFile(source, data);

    const direct = join(mount.mountpoint, 'direct-in');
    expect((await runDd({ input: source, output: direct, bs: '1M', oflag: ['direct'] })).bytes).toBe(data.length);
    expect((await readFile(direct)).equals(data)).toBe(true);

    const buffered = join(mount.mountpoint, 'buffered-in');
    await runDd({ input: source, output: buffered, bs: '64k', conv: ['fsync'] });
    const back = join(scratch, 'back');
    expect((await runDd({ input: buffered, output: back, bs: '128k', iflag: ['direct'] })).bytes).toBe(data.length);
    expect((await readFile(back)).equals(data)).toBe(true);
  });

  it('completes mmap + O_DIRECT on the same file (MAP_PRIVATE; MAP_SHARED refused)', async () => {
    const { stdout } = await run('python3', [projectFile('test/tools/mmap_dio.py'), mount.mountpoint]);
    expect(stdout).toMatch(/map-shared: refused ENODEV/);
    expect(stdout).toMatch(/ALL PASS/);
  });

  it('passes an fio verify job with direct IO', async () => {
    const result = await runFio({ name: 'verify', directory: mount.mountpoint, rw: 'randwrite', bs: '4k', size: '4M', direct: true, verify: 'crc32c' });
    expect(result.error).toBe(0);
    expect(result.write.ioBytes).toBe(4 << 20);
  });
});

describe.runIf(requireFuse())('mount lifecycle harness', () => {
  it('reports a daemon that never mounts, with its stderr', async () => {
    await expect(
      startDaemonMount({ command: process.execPath, args: ['-e', 'console.error("no image"); process.exit(3)'], timeoutMs: 2000 }),
    ).rejects.toThrow(/did not mount[\s\S]*no image/);
  });

  it('clears the dead mount after kill -9 and tears down afterwards', async () => {
    const crashed = await mountCeiling();
    try {
      await killDaemon9(crashed);
      expect(await findMount(crashed.mountpoint)).toBeUndefined();
    } finally {
      await crashed.teardown();
    }
  });
});
