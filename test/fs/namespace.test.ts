import { describe, expect, it } from 'vitest';
import { constants } from 'node:fs';
import { Filesystem, fsck, MemoryDevice, RENAME_EXCHANGE, RENAME_NOREPLACE, ROOT_INO } from '../../src/fs/api.js';
import { asyncErrnoOf, errnoOf, freshFs } from './helpers.js';

const R = ROOT_INO;

describe('namespace operations and their errno', () => {
  it('create, lookup, getattr, readdir', async () => {
    const { fs } = await freshFs();
    const a = fs.create(R, 'a', 0o640, 1000, 100);
    expect(a.mode).toBe(constants.S_IFREG | 0o640);
    expect([a.nlink, a.uid, a.gid, a.size]).toEqual([1, 1000, 100, 0]);
    expect(fs.lookup(R, 'a')).toBe(a.ino);
    expect(fs.lookup(R, '.')).toBe(R);
    expect(fs.lookup(R, '..')).toBe(R);
    expect(fs.readdir(R)).toEqual([{ name: 'a', ino: a.ino, mode: a.mode }]);
    expect(errnoOf(() => fs.lookup(R, 'missing'))).toBe('ENOENT');
    expect(errnoOf(() => fs.lookup(a.ino, 'x'))).toBe('ENOTDIR');
    expect(errnoOf(() => fs.create(R, 'a', 0o644, 0, 0))).toBe('EEXIST');
    expect(errnoOf(() => fs.create(a.ino, 'x', 0o644, 0, 0))).toBe('ENOTDIR');
    expect(errnoOf(() => fs.create(R, 'x'.repeat(256), 0o644, 0, 0))).toBe('ENAMETOOLONG');
    expect(errnoOf(() => fs.lookup(R, 'x'.repeat(256)))).toBe('ENAMETOOLONG');
    expect(fs.create(R, 'x'.repeat(255), 0o644, 0, 0).ino).toBeGreaterThan(a.ino);
    expect(errnoOf(() => fs.create(R, 'a/b', 0o644, 0, 0))).toBe('EINVAL');
    expect(errnoOf(() => fs.create(R, '..', 0o644, 0, 0))).toBe('EEXIST');
    expect(errnoOf(() => fs.getattr(9999))).toBe('ENOENT');
  });

  it('mkdir and rmdir keep link counts; rmdir refuses non-empty dirs and files', async () => {
    const { fs } = await freshFs();
    const d = fs.mkdir(R, 'd', 0o755, 0, 0);
    expect(d.nlink).toBe(2);
    expect(fs.getattr(R).nlink).toBe(3);
    const e = fs.mkdir(d.ino, 'e', 0o700, 0, 0);
    expect(fs.lookup(e.ino, '..')).toBe(d.ino);
    fs.create(R, 'f', 0o644, 0, 0);
    expect(errnoOf(() => fs.rmdir(R, 'd'))).toBe('ENOTEMPTY');
    expect(errnoOf(() => fs.rmdir(R, 'f'))).toBe('ENOTDIR');
    expect(errnoOf(() => fs.rmdir(R, 'nope'))).toBe('ENOENT');
    expect(errnoOf(() => fs.rmdir(R, '.'))).toBe('EINVAL');
    expect(errnoOf(() => fs.unlink(R, 'd'))).toBe('EISDIR');
    fs.rmdir(d.ino, 'e');
    expect(fs.getattr(d.ino).nlink).toBe(2);
    fs.rmdir(R, 'd');
    expect(fs.getattr(R).nlink).toBe(2);
    expect(errnoOf(() => fs.getattr(d.ino))).toBe('ENOENT');
  });

  it('hard links, unlink, and an unlinked open file living until release', async () => {
    const { fs, device } = await freshFs();
    const a = fs.create(R, 'a', 0o644, 0, 0);
    await fs.store(a.ino).write(0, Buffer.alloc(10000, 7));
    expect(fs.link(a.ino, R, 'b').nlink).toBe(2);
    expect(errnoOf(() => fs.link(a.ino, R, 'b'))).toBe('EEXIST');
    expect(errnoOf(() => fs.link(R, R, 'rootlink'))).toBe('EPERM');
    fs.unlink(R, 'a');
    expect(fs.getattr(a.ino).nlink).toBe(1);
    expect(errnoOf(() => fs.unlink(R, 'a'))).toBe('ENOENT');
    const before = fs.statfs().bfree;
    fs.openInode(a.ino);
    fs.unlink(R, 'b');
    const buf = Buffer.alloc(10000);
    await fs.store(a.ino).read(0, buf);
    expect(buf.every((b) => b === 7)).toBe(true);
    expect(fs.statfs().bfree).toBe(before);
    fs.releaseInode(a.ino);
    expect(errnoOf(() => fs.getattr(a.ino))).toBe('ENOENT');
    await fs.sync();
    expect(fs.statfs().bfree).toBe(before + 3);
    await fs.unmount();
    expect((await fsck(device)).problems).toEqual([]);
  });

  it('frees an inode only after the I/O in flight on it, then refuses more (ESTALE)', async () => {
    const { fs, device } = await freshFs();
    const a = fs.create(R, 'a', 0o644, 0, 0);
    const store = fs.store(a.ino);
    await store.write(0, Buffer.alloc(8192, 1));
    fs.openInode(a.ino);
    const inflight = store.write(0, Buffer.alloc(8192, 2));
    fs.unlink(R, 'a');
    fs.releaseInode(a.ino);
    expect(fs.getattr(a.ino).nlink).toBe(0);
    await inflight;
    await Promise.resolve();
    expect(errnoOf(() => fs.getattr(a.ino))).toBe('ENOENT');
    expect(await asyncErrnoOf(() => store.write(0, Buffer.alloc(1)))).toBe('ESTALE');
    await fs.unmount();
    expect(await fsck(device)).toMatchObject({ clean: true, notes: [] });
  });

  it('a directory removed while open is an orphan, freed by the next mount', async () => {
    const { fs, device } = await freshFs();
    const d = fs.mkdir(R, 'd', 0o755, 0, 0);
    fs.openInode(d.ino);
    fs.rmdir(R, 'd');
    expect(fs.readdir(d.ino)).toEqual([]);
    expect(errnoOf(() => fs.create(d.ino, 'x', 0o644, 0, 0))).toBe('ENOENT');
    await fs.sync();
    const crashed = new MemoryDevice(device.bytes.slice());
    const report = await fsck(crashed);
    expect(report).toMatchObject({ clean: true });
    expect(report.notes.join()).toMatch(/unlinked while open/);
    const again = await Filesystem.mountDevice(crashed, { commitIntervalMs: 0 });
    expect(errnoOf(() => again.getattr(d.ino))).toBe('ENOENT');
    await again.unmount();
    fs.releaseInode(d.ino);
    await fs.unmount();
  });

  it('symlinks and readlink', async () => {
    const { fs } = await freshFs();
    const s = fs.symlink(R, 's', '/some/where', 0, 0);
    expect(s.mode & constants.S_IFMT).toBe(constants.S_IFLNK);
    expect(s.size).toBe(11);
    expect(fs.readlink(s.ino)).toBe('/some/where');
    expect(errnoOf(() => fs.readlink(R))).toBe('EINVAL');
    expect(errnoOf(() => fs.symlink(R, 't', 'x'.repeat(4096), 0, 0))).toBe('ENAMETOOLONG');
    expect(errnoOf(() => fs.store(s.ino))).toBe('EINVAL');
    expect(errnoOf(() => fs.store(R))).toBe('EISDIR');
  });

  it('setattr changes mode bits, owner and times, and ctime', async () => {
    const { fs } = await freshFs();
    const a = fs.create(R, 'a', 0o644, 0, 0);
    const after = fs.setattr(a.ino, { mode: 0o4711, uid: 5, gid: 6, atimeNs: 1000n, mtimeNs: 2000n });
    expect(after.mode).toBe(constants.S_IFREG | 0o4711);
    expect([after.uid, after.gid, after.atimeNs, after.mtimeNs]).toEqual([5, 6, 1000n, 2000n]);
    expect(after.ctimeNs).toBeGreaterThanOrEqual(a.ctimeNs);
  });

  it('rename: over a file, of directories, and by POSIX rules', async () => {
    const { fs } = await freshFs();
    const a = fs.create(R, 'a', 0o644, 0, 0);
    const b = fs.create(R, 'b', 0o644, 0, 0);
    fs.rename(R, 'a', R, 'b');
    expect(fs.lookup(R, 'b')).toBe(a.ino);
    expect(errnoOf(() => fs.getattr(b.ino))).toBe('ENOENT');
    expect(errnoOf(() => fs.rename(R, 'a', R, 'c'))).toBe('ENOENT');

    const d = fs.mkdir(R, 'd', 0o755, 0, 0);
    const e = fs.mkdir(d.ino, 'e', 0o755, 0, 0);
    const x = fs.mkdir(R, 'x', 0o755, 0, 0);
    expect(errnoOf(() => fs.rename(R, 'd', e.ino, 'd2'))).toBe('EINVAL');
    expect(errnoOf(() => fs.rename(R, 'd', d.ino, 'd2'))).toBe('EINVAL');
    expect(errnoOf(() => fs.rename(R, 'b', R, 'd'))).toBe('EISDIR');
    expect(errnoOf(() => fs.rename(R, 'x', R, 'b'))).toBe('ENOTDIR');
    expect(errnoOf(() => fs.rename(R, 'x', R, 'd'))).toBe('ENOTEMPTY');
    expect(errnoOf(() => fs.rename(R, 'b', R, 'x'.repeat(256)))).toBe('ENAMETOOLONG');
    expect(errnoOf(() => fs.rename(R, 'b', R, 'd', RENAME_NOREPLACE))).toBe('EEXIST');
    expect(errnoOf(() => fs.rename(R, 'b', R, 'zz', RENAME_EXCHANGE))).toBe('ENOENT');
    expect(errnoOf(() => fs.rename(R, 'b', R, 'zz', 4))).toBe('EINVAL');

    fs.rename(d.ino, 'e', x.ino, 'e');
    expect(fs.lookup(e.ino, '..')).toBe(x.ino);
    expect(fs.getattr(d.ino).nlink).toBe(2);
    expect(fs.getattr(x.ino).nlink).toBe(3);
    fs.rename(R, 'd', x.ino, 'e');
    expect(fs.lookup(x.ino, 'e')).toBe(d.ino);
    expect(fs.getattr(x.ino).nlink).toBe(3);
    expect(fs.getattr(R).nlink).toBe(3);

    fs.rename(R, 'b', x.ino, 'e', RENAME_EXCHANGE);
    expect(fs.lookup(R, 'b')).toBe(d.ino);
    expect(fs.lookup(x.ino, 'e')).toBe(a.ino);
    expect(fs.getattr(R).nlink).toBe(4);
    expect(fs.getattr(x.ino).nlink).toBe(2);
    fs.link(a.ino, R, 'hard');
    fs.rename(R, 'hard', x.ino, 'e');
    expect(fs.getattr(a.ino).nlink).toBe(2);
  });

  it('survives a remount exactly, and fsck finds nothing wrong', async () => {
    const { fs, device } = await freshFs();
    const d = fs.mkdir(R, 'd', 0o750, 3, 4);
    const f = fs.create(d.ino, 'f', 0o600, 3, 4);
    await fs.store(f.ino).write(5000, Buffer.from('data'));
    fs.symlink(R, 'l', 'd/f', 0, 0);
    fs.link(f.ino, R, 'g');
    await fs.sync();
    const snapshot = [fs.readdir(R), fs.readdir(d.ino), fs.getattr(f.ino)];
    await fs.unmount();
    const again = await Filesystem.mountDevice(device, { commitIntervalMs: 0 });
    expect([again.readdir(R), again.readdir(d.ino), again.getattr(f.ino)]).toEqual(snapshot);
    await again.unmount();
    expect(await fsck(device)).toMatchObject({ clean: true, problems: [] });
  });
});

describe('file data: sparse files, truncate both ways', () => {
  it('reads holes as zeros, extends and shrinks', async () => {
    const { fs } = await freshFs();
    const a = fs.create(R, 'a', 0o644, 0, 0);
    const store = fs.store(a.ino);
    await store.write(3 * 4096 + 10, Buffer.from('xyz'));
    expect(store.size()).toBe(3 * 4096 + 13);
    expect(fs.getattr(a.ino).blocks).toBe(8);
    const buf = Buffer.alloc(5 * 4096, 0xff);
    await store.read(0, buf);
    expect(buf.subarray(0, 3 * 4096 + 10).every((b) => b === 0)).toBe(true);
    expect(buf.toString('latin1', 3 * 4096 + 10, 3 * 4096 + 13)).toBe('xyz');
    expect(buf.subarray(3 * 4096 + 13).every((b) => b === 0)).toBe(true);
    await store.setSize(3 * 4096 + 11);
    await store.setSize(10 * 4096);
    await store.read(0, buf);
    expect(buf.toString('latin1', 3 * 4096 + 10, 3 * 4096 + 13)).toBe('x\0\0');
    await store.setSize(0);
    expect(fs.getattr(a.ino).blocks).toBe(0);
    expect(store.bmap(3)).toBeNull();
    expect(await asyncErrnoOf(() => store.setSize(2 ** 45))).toBe('EFBIG');
    expect(await asyncErrnoOf(() => store.write(2 ** 44 - 1, Buffer.alloc(2)))).toBe('EFBIG');
    await store.write(2 ** 40, Buffer.from('far'));
    expect(store.size()).toBe(2 ** 40 + 3);
  });
});
