/**
 * Guards the kernel transport (-o transport=kernel: coherefs speaks /dev/fuse itself) on a real
 * mount: namespace and data calls, dd direct and buffered, files made by another uid on an
 * allow_other mount belong to that uid, utimensat sets atime and mtime apart (and UTIME_OMIT leaves
 * one alone), MAP_SHARED maps read the file, an unlinked open file stays readable, and SIGTERM or
 * umount(8) from outside end the daemon with fsck clean. Needs root (mount(2) of a FUSE fd).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import {
  link, mkdir, open, readFile, readdir, rename, stat, unlink, utimes, writeFile, chmod,
} from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fsck } from '../../src/fs/api.js';
import { findMount } from '../../src/util/mountinfo.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, mountCoherefs, scratchImage, sha256File, waitForExit, type Scratch } from './harness/coherefs-mount.js';
import type { DaemonMount } from '../../src/util/daemon-mount.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const NOBODY = ['--reuid', '65534', '--regid', '65534', '--clear-groups'];

describe.runIf(requireFuse(isRoot ? undefined : 'the kernel transport mounts /dev/fuse itself: root only'))('the kernel transport on a real mount', () => {
  let scratch: Scratch;
  let mount: DaemonMount;
  const at = (...parts: string[]): string => join(mount.mountpoint, ...parts);

  beforeAll(async () => {
    scratch = await scratchImage(256 * MiB);
    mount = await mountCoherefs(scratch.image, 'cache_size=64M,transport=kernel,allow_other');
  });
  afterAll(async () => {
    await mount?.teardown();
    await scratch?.remove();
  });

  it('mounts as fuse.coherefs with default_permissions and allow_other', async () => {
    const entry = await findMount(mount.mountpoint);
    expect(entry?.fstype).toBe('fuse.coherefs');
    const line = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').find((l) => l.includes(` ${mount.mountpoint} `));
    expect(line).toMatch(/default_permissions,allow_other/);
  });

  it('creates, writes, fsyncs, reads, renames, lists, stats and unlinks', async () => {
    await mkdir(at('dir'), 0o750);
    const handle = await open(at('dir', 'file'), 'w+');
    await handle.write(Buffer.from('hello kernel'), 0, 12, 0);
    await handle.sync();
    await handle.close();
    expect(await readFile(at('dir', 'file'), 'utf8')).toBe('hello kernel');
    await rename(at('dir', 'file'), at('dir', 'renamed'));
    expect(await readdir(at('dir'))).toEqual(['renamed']);
    const st = await stat(at('dir', 'renamed'));
    expect([st.size, st.isFile(), (await stat(at('dir'))).mode & 0o777]).toEqual([12, true, 0o750]);
    await unlink(at('dir', 'renamed'));
    expect(await readdir(at('dir'))).toEqual([]);
  });

  it('hard links share data and counts; rename over a name replaces it', async () => {
    await writeFile(at('a'), 'first');
    await link(at('a'), at('b'));
    expect((await stat(at('a'))).nlink).toBe(2);
    await writeFile(at('b'), 'through b, longer');
    expect(await readFile(at('a'), 'utf8')).toBe('through b, longer');
    await writeFile(at('new'), 'replacement');
    await rename(at('new'), at('a'));
    expect(await readFile(at('a'), 'utf8')).toBe('replacement');
    expect((await stat(at('b'))).nlink).toBe(1);
  });

  it('an unlinked open file stays readable until close, with no hidden names', async () => {
    const data = Buffer.alloc(300_000, 0x5a);
    await writeFile(at('doomed'), data);
    const handle = await open(at('doomed'), 'r');
    try {
      await unlink(at('doomed'));
      const got = Buffer.alloc(data.length);
      expect((await handle.read(got, 0, got.length, 0)).bytesRead).toBe(data.length);
      expect(got.equals(data)).toBe(true);
      expect((await readdir(mount.mountpoint)).filter((name) => name.startsWith('.fuse_hidden'))).toEqual([]);
    } finally {
      await handle.close();
    }
  });

  it('dd writes and reads 1 MiB blocks, O_DIRECT and buffered, byte for byte', async () => {
    const source = join(scratch.dir, 'source');
    await run('dd', ['if=/dev/urandom', `of=${source}`, 'bs=1M', 'count=12', 'status=none']);
    await run('dd', [`if=${source}`, `of=${at('direct')}`, 'bs=1M', 'oflag=direct', 'status=none']);
    await run('dd', [`if=${source}`, `of=${at('buffered')}`, 'bs=1M', 'status=none']);
    await run('dd', [`if=${at('direct')}`, `of=${join(scratch.dir, 'back-direct')}`, 'bs=1M', 'iflag=direct', 'status=none']);
    await run('dd', [`if=${at('buffered')}`, `of=${join(scratch.dir, 'back-buffered')}`, 'bs=4k', 'status=none']);
    const want = await sha256File(source);
    expect(await sha256File(join(scratch.dir, 'back-direct'))).toBe(want);
    expect(await sha256File(join(scratch.dir, 'back-buffered'))).toBe(want);
    expect(await sha256File(at('direct'))).toBe(want);
  });

  it('files and directories made by another uid belong to it, which may then manage them', async () => {
    await mkdir(at('shared'));
    await chmod(at('shared'), 0o1777);
    const script = [
      'cd "$1"', 'echo mine > f', 'mkdir d', 'chmod 600 f', 'truncate -s 3 f', 'ln f f2', 'mv f2 f3', 'chgrp 65534 f', 'ln -s f sl',
    ].join(' && ');
    await run('setpriv', [...NOBODY, 'sh', '-c', script, 'sh', at('shared')]);
    for (const name of ['f', 'd', 'f3']) {
      const st = await stat(at('shared', name));
      expect([name, st.uid, st.gid]).toEqual([name, 65534, 65534]);
    }
    expect((await stat(at('shared', 'f'))).mode & 0o7777).toBe(0o600);
    expect(await readFile(at('shared', 'f'), 'utf8')).toBe('min');
    // default_permissions: the kernel refuses what the mode bits refuse.
    await expect(run('setpriv', [...NOBODY, 'sh', '-c', `echo x > ${at('dir', 'no')}`])).rejects.toThrow(/Permission denied/);
  });

  it('utimensat sets atime and mtime apart; UTIME_OMIT leaves one alone', async () => {
    await writeFile(at('times'), 'x');
    await utimes(at('times'), new Date(1_000_000_123), new Date(2_000_000_456));
    let st = await stat(at('times'));
    expect([st.atimeMs, st.mtimeMs]).toEqual([1_000_000_123, 2_000_000_456]);
    // touch -m passes UTIME_OMIT for the access time.
    await run('touch', ['-m', '-d', '@1600000000', at('times')]);
    st = await stat(at('times'));
    expect([st.atimeMs, st.mtimeMs]).toEqual([1_000_000_123, 1_600_000_000_000]);
  });

  it('a MAP_SHARED map reads the file, and writes through it reach the file', async () => {
    await writeFile(at('mapped'), Buffer.alloc(3 * 4096 + 100, 'abc'));
    const script = [
      'import mmap, sys',
      'f = open(sys.argv[1], "r+b")',
      'm = mmap.mmap(f.fileno(), 0, mmap.MAP_SHARED)',
      'print(m[:6].decode(), len(m))',
      'm[0:3] = b"XYZ"; m.flush(); m.close(); f.close()',
    ].join('\n');
    const { stdout } = await run('python3', ['-c', script, at('mapped')]);
    expect(stdout.trim()).toBe(`abcabc ${3 * 4096 + 100}`);
    expect((await readFile(at('mapped'))).subarray(0, 6).toString()).toBe('XYZabc');
  });

  it('SIGTERM unmounts, the daemon exits, and the image is clean', async () => {
    await mount.teardown();
    expect(await waitForExit(mount.pid)).toBe(true);
    expect(mount.exitCode()).toBe(0);
    expect(await findMount(mount.mountpoint)).toBeUndefined();
    expect((await fsck(scratch.image)).clean).toBe(true);
  });

  it('umount(8) from outside ends the daemon, data written back', async () => {
    mount = await mountCoherefs(scratch.image, 'cache_size=64M,transport=kernel');
    await writeFile(at('before-umount'), 'kept');
    await run('umount', [mount.mountpoint]);
    expect(await waitForExit(mount.pid)).toBe(true);
    expect(mount.exitCode()).toBe(0);
    expect((await fsck(scratch.image)).clean).toBe(true);
    mount = await mountCoherefs(scratch.image, 'cache_size=64M,transport=kernel');
    expect(await readFile(at('before-umount'), 'utf8')).toBe('kept');
  });
});
