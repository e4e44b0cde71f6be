/**
 * Guards POSIX namespace semantics as programs see them through a real coherefs mount: mkdir,
 * rename over an existing file, hard links, symlinks, unlink of an open file (readable until
 * close), chmod/chown/utimes, truncate, and statfs through df.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import {
  chmod, chown, link, lstat, mkdir, open, readFile, readdir, readlink, rename, stat, symlink, truncate, unlink, utimes, writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, mountForSuite } from './harness/coherefs-mount.js';

const run = promisify(execFile);

describe.runIf(requireFuse())('POSIX namespace through a coherefs mount', () => {
  const suite = mountForSuite(256 * MiB);
  const at = (...parts: string[]): string => join(suite.mount.mountpoint, ...parts);

  it('mkdir, readdir, rmdir of a non-empty directory fails', async () => {
    await mkdir(at('d'), 0o750);
    await writeFile(at('d', 'f'), 'x');
    expect((await stat(at('d'))).isDirectory()).toBe(true);
    expect((await stat(at('d'))).mode & 0o777).toBe(0o750);
    expect(await readdir(at('d'))).toEqual(['f']);
    await expect(mkdir(at('d'))).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(run('rmdir', [at('d')])).rejects.toThrow(/not empty/i);
  });

  it('rename over an existing file replaces it atomically', async () => {
    await writeFile(at('old'), 'old content');
    await writeFile(at('new'), 'new content');
    await rename(at('new'), at('old'));
    expect(await readFile(at('old'), 'utf8')).toBe('new content');
    await expect(stat(at('new'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('hard links share the inode and count links', async () => {
    await writeFile(at('a'), 'shared');
    await link(at('a'), at('b'));
    const [a, b] = await Promise.all([stat(at('a')), stat(at('b'))]);
    expect(a.ino).toBe(b.ino);
    expect(a.nlink).toBe(2);
    await writeFile(at('b'), 'changed via b');
    expect(await readFile(at('a'), 'utf8')).toBe('changed via b');
    await unlink(at('a'));
    expect((await stat(at('b'))).nlink).toBe(1);
  });

  it('symlinks resolve and read back', async () => {
    await writeFile(at('target'), 'through the link');
    await symlink('target', at('link'));
    expect((await lstat(at('link'))).isSymbolicLink()).toBe(true);
    expect(await readlink(at('link'))).toBe('target');
    expect(await readFile(at('link'), 'utf8')).toBe('through the link');
  });

  it('an unlinked open file stays readable until close', async () => {
    const data = Buffer.alloc(256 * 1024, 0x5a);
    await writeFile(at('doomed'), data);
    const handle = await open(at('doomed'), 'r');
    try {
      await unlink(at('doomed'));
      await expect(stat(at('doomed'))).rejects.toMatchObject({ code: 'ENOENT' });
      const got = Buffer.alloc(data.length);
      expect((await handle.read(got, 0, got.length, 0)).bytesRead).toBe(data.length);
      expect(got.equals(data)).toBe(true);
    } finally {
      await handle.close();
    }
    // close(2) returns before the kernel's RELEASE reaches the daemon (it is sent asynchronously), and
    // libfuse removes the .fuse_hidden name only then: wait for it, briefly, instead of racing it.
    const hidden = async (): Promise<string[]> => (await readdir(suite.mount.mountpoint)).filter((name) => name.startsWith('.fuse_hidden'));
    for (let tries = 0; tries < 40 && (await hidden()).length > 0; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await hidden()).toEqual([]);
  });

  // fuse-native 2.2.6 hands utimens the access time twice (src/fuse/mount-options.ts), so the
  // times are set equal here: what `touch` does.
  it('chmod, chown and utimes change what stat shows', async () => {
    await writeFile(at('attrs'), 'a');
    await chmod(at('attrs'), 0o600);
    await chown(at('attrs'), 1234, 5678);
    const when = new Date('2020-01-02T03:04:05Z');
    await utimes(at('attrs'), when, when);
    const s = await stat(at('attrs'));
    expect(s.mode & 0o7777).toBe(0o600);
    expect([s.uid, s.gid]).toEqual([1234, 5678]);
    expect(s.atime.toISOString()).toBe(when.toISOString());
    expect(s.mtime.toISOString()).toBe(when.toISOString());
  });

  it('truncate shrinks (dropping cached data) and extends with zeros', async () => {
    await writeFile(at('trunc'), Buffer.alloc(100_000, 7));
    await truncate(at('trunc'), 5000);
    expect((await stat(at('trunc'))).size).toBe(5000);
    await truncate(at('trunc'), 9000);
    const got = await readFile(at('trunc'));
    expect(got.length).toBe(9000);
    expect(got.subarray(0, 5000).every((byte) => byte === 7)).toBe(true);
    expect(got.subarray(5000).every((byte) => byte === 0)).toBe(true);
  });

  it('statfs through df shows the filesystem and its use', async () => {
    const df = async (): Promise<{ type: string; size: number; used: number }> => {
      const { stdout } = await run('df', ['-B1', '--output=fstype,size,used', suite.mount.mountpoint]);
      const [type, size, used] = stdout.trim().split('\n')[1]!.trim().split(/\s+/);
      return { type: type!, size: Number(size), used: Number(used) };
    };
    const before = await df();
    expect(before.type).toBe('fuse.coherefs');
    expect(before.size).toBeGreaterThan(200 * MiB);
    expect(before.size).toBeLessThanOrEqual(256 * MiB);
    const handle = await open(at('fill'), 'w');
    await handle.write(Buffer.alloc(8 * MiB, 1));
    await handle.sync();
    await handle.close();
    expect((await df()).used - before.used).toBeGreaterThanOrEqual(8 * MiB);
  });
});
