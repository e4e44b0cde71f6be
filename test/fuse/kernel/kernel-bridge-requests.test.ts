/**
 * The kernel bridge over a real Vfs (in-memory image): ENOSYS for what it does not serve, no reply to
 * FORGET/BATCH_FORGET/INTERRUPT, the caller's ids on new nodes, lookup counts that keep an unlinked
 * inode until FORGET, SETATTR's valid bits (distinct times, *_NOW, size, KILL_SUIDGID), the write
 * kill flag, FOPEN_DIRECT_IO, READDIR in pieces, and FLUSH reporting a handle's writes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { constants } from 'node:os';
import { Fattr, Fopen, WriteFlag } from '../../../src/fuse/kernel/flags.js';
import { Opcode } from '../../../src/fuse/kernel/opcodes.js';
import * as S from '../../../src/fuse/kernel/structs.js';
import { viewOf } from '../../../src/fuse/kernel/layout.js';
import { bridgeHarness, decodeAs, type BridgeHarness } from './bridge-harness.js';

const ROOT = 1;
const NOBODY = { uid: 65534, gid: 65534, pid: 4242 };
const O_RDWR = 2;
const { errno } = constants;

const SETATTR_ZERO = {
  valid: 0, fh: 0, size: 0, lockOwner: 0n, atime: 0, mtime: 0, ctime: 0, atimensec: 0, mtimensec: 0, ctimensec: 0, mode: 0, uid: 0, gid: 0,
};

describe('kernel bridge', () => {
  let h: BridgeHarness;
  beforeEach(async () => (h = await bridgeHarness()));
  afterEach(async () => h.close());

  async function create(name: string, mode = 0o644, caller = NOBODY, parent = ROOT): Promise<{ ino: number; fh: number; attr: S.FuseAttr; openFlags: number }> {
    const answer = await h.call(Opcode.CREATE, parent, [[S.createIn, { flags: O_RDWR, mode: 0o100000 | mode, umask: 0o022, openFlags: 0 }], name], caller);
    expect(answer?.error).toBe(0);
    const entry = decodeAs(S.entryOut, answer!.body);
    const open = decodeAs(S.openOut, answer!.body, S.entryOut.size);
    return { ino: entry.nodeid, fh: open.fh, attr: entry.attr, openFlags: open.openFlags };
  }

  async function getattr(ino: number): Promise<S.FuseAttr> {
    const answer = await h.call(Opcode.GETATTR, ino, [[S.getattrIn, { getattrFlags: 0, fh: 0 }]]);
    expect(answer?.error).toBe(0);
    return decodeAs(S.attrOut, answer!.body).attr;
  }

  it('answers an opcode it does not serve with ENOSYS', async () => {
    expect((await h.call(Opcode.STATX, ROOT))?.error).toBe(-errno.ENOSYS);
    expect((await h.call(Opcode.GETXATTR, ROOT, [[S.getxattrIn, { size: 0 }], 'user.x']))?.error).toBe(-errno.ENOSYS);
    expect((await h.call(250, ROOT))?.error).toBe(-errno.ENOSYS);
  });

  it('sends no reply to FORGET, BATCH_FORGET or INTERRUPT', async () => {
    expect(await h.call(Opcode.FORGET, ROOT, [[S.forgetIn, { nlookup: 1 }]], NOBODY, 100)).toBeNull();
    expect(await h.call(Opcode.BATCH_FORGET, 0, [[S.batchForgetIn, { count: 1 }], [S.forgetOne, { nodeid: 99, nlookup: 1 }]], NOBODY, 100)).toBeNull();
    expect(await h.call(Opcode.INTERRUPT, 0, [[S.interruptIn, { unique: 2n }]], NOBODY, 100)).toBeNull();
  });

  it('gives new nodes to the caller, regular files open for direct IO', async () => {
    const file = await create('f');
    expect([file.attr.uid, file.attr.gid, file.attr.mode]).toEqual([65534, 65534, 0o100644]);
    expect(file.openFlags & Fopen.DIRECT_IO).toBe(Fopen.DIRECT_IO);
    const dir = await h.call(Opcode.MKDIR, ROOT, [[S.mkdirIn, { mode: 0o755, umask: 0 }], 'd'], NOBODY);
    expect(decodeAs(S.entryOut, dir!.body).attr).toMatchObject({ uid: 65534, gid: 65534, mode: 0o40755 });
    const link = await h.call(Opcode.SYMLINK, ROOT, ['l', 'f'], NOBODY);
    expect(decodeAs(S.entryOut, link!.body).attr).toMatchObject({ uid: 65534, gid: 65534 });
  });

  it('a setgid directory passes its group on (and its bit to subdirectories)', async () => {
    const dir = decodeAs(S.entryOut, (await h.call(Opcode.MKDIR, ROOT, [[S.mkdirIn, { mode: 0o2775, umask: 0 }], 'shared'], { uid: 0, gid: 50, pid: 1 }))!.body);
    const file = await create('f', 0o644, NOBODY, dir.nodeid);
    expect(file.attr.gid).toBe(50);
    const sub = decodeAs(S.entryOut, (await h.call(Opcode.MKDIR, dir.nodeid, [[S.mkdirIn, { mode: 0o755, umask: 0 }], 'sub'], NOBODY))!.body);
    expect([sub.attr.gid, sub.attr.mode & 0o2000]).toEqual([50, 0o2000]);
  });

  it('keeps an unlinked inode while the kernel holds a lookup, frees it on FORGET', async () => {
    const file = await create('doomed');
    expect((await h.call(Opcode.RELEASE, file.ino, [[S.releaseIn, { fh: file.fh, flags: O_RDWR, releaseFlags: 0, lockOwner: 0n }]]))?.error).toBe(0);
    expect((await h.call(Opcode.UNLINK, ROOT, ['doomed']))?.error).toBe(0);
    expect((await getattr(file.ino)).nlink).toBe(0);
    await h.call(Opcode.FORGET, file.ino, [[S.forgetIn, { nlookup: 1 }]], NOBODY, 50);
    expect((await h.call(Opcode.GETATTR, file.ino, [[S.getattrIn, { getattrFlags: 0, fh: 0 }]]))?.error).toBe(-errno.ENOENT);
  });

  it('the last FORGET of an unlinked file drops its dirty pages before the fs frees its blocks', async () => {
    const file = await create('dirty');
    const payload = Buffer.alloc(64 * 1024, 9);
    await h.call(Opcode.WRITE, file.ino, [[S.writeIn, { fh: file.fh, offset: 0, size: payload.length, writeFlags: 0, lockOwner: 0n, flags: O_RDWR }], payload]);
    await h.call(Opcode.RELEASE, file.ino, [[S.releaseIn, { fh: file.fh, flags: O_RDWR, releaseFlags: 0, lockOwner: 0n }]]);
    expect(h.vfs.stats().cache.dirtyBytes).toBe(payload.length);
    expect((await h.call(Opcode.UNLINK, ROOT, ['dirty']))?.error).toBe(0);
    // Still the kernel's (a lookup): nothing is freed yet.
    expect(h.vfs.stats().cache.dirtyBytes).toBe(payload.length);
    expect(await h.call(Opcode.FORGET, file.ino, [[S.forgetIn, { nlookup: 1 }]], NOBODY, 200)).toBeNull();
    expect(h.vfs.stats().cache.dirtyBytes).toBe(0);
    await h.vfs.syncAll();
  });

  it('SETATTR sets distinct atime and mtime to the nanosecond, before 1970 too, *_NOW, size and mode', async () => {
    const file = await create('t');
    const set = async (changes: Partial<typeof SETATTR_ZERO>): Promise<S.FuseAttr> => {
      const answer = await h.call(Opcode.SETATTR, file.ino, [[S.setattrIn, { ...SETATTR_ZERO, ...changes }]]);
      expect(answer?.error).toBe(0);
      return decodeAs(S.attrOut, answer!.body).attr;
    };
    const times = await set({ valid: Fattr.ATIME | Fattr.MTIME, atime: -1000, atimensec: 123_456_789, mtime: 2_000_000_000, mtimensec: 999_999_999 });
    expect([times.atime, times.atimensec, times.mtime, times.mtimensec]).toEqual([-1000, 123_456_789, 2_000_000_000, 999_999_999]);
    const before = Date.now() / 1000;
    const now = await set({ valid: Fattr.MTIME | Fattr.MTIME_NOW });
    expect(now.mtime).toBeGreaterThanOrEqual(Math.floor(before));
    expect([now.atime, now.atimensec]).toEqual([-1000, 123_456_789]);
    expect((await set({ valid: Fattr.SIZE, size: 10_000 })).size).toBe(10_000);
    expect((await set({ valid: Fattr.MODE, mode: 0o106755 })).mode).toBe(0o106755);
    expect((await set({ valid: Fattr.UID | Fattr.GID | Fattr.KILL_SUIDGID, uid: 1, gid: 2 })).mode).toBe(0o100755);
  });

  it('a write flagged KILL_SUIDGID clears suid, and sgid only on a group-executable file', async () => {
    const file = await create('s', 0o6754);
    const data = Buffer.from('x');
    const answer = await h.call(Opcode.WRITE, file.ino, [[S.writeIn, { fh: file.fh, offset: 0, size: 1, writeFlags: WriteFlag.KILL_SUIDGID, lockOwner: 0n, flags: O_RDWR }], data]);
    expect(decodeAs(S.writeOut, answer!.body).size).toBe(1);
    expect((await getattr(file.ino)).mode).toBe(0o100754);
    const other = await create('g', 0o6744);
    await h.call(Opcode.WRITE, other.ino, [[S.writeIn, { fh: other.fh, offset: 0, size: 1, writeFlags: WriteFlag.KILL_SUIDGID, lockOwner: 0n, flags: O_RDWR }], data]);
    expect((await getattr(other.ino)).mode).toBe(0o102744);
  });

  it('WRITE, READ, FLUSH and FSYNC go through the handle', async () => {
    const file = await create('data');
    const payload = Buffer.alloc(20_000, 7);
    const written = await h.call(Opcode.WRITE, file.ino, [[S.writeIn, { fh: file.fh, offset: 100, size: payload.length, writeFlags: 0, lockOwner: 0n, flags: O_RDWR }], payload]);
    expect(decodeAs(S.writeOut, written!.body).size).toBe(payload.length);
    expect((await h.call(Opcode.FLUSH, file.ino, [[S.flushIn, { fh: file.fh, lockOwner: 0n }]]))?.error).toBe(0);
    expect((await h.call(Opcode.FSYNC, file.ino, [[S.fsyncIn, { fh: file.fh, fsyncFlags: 0 }]]))?.error).toBe(0);
    const read = await h.call(Opcode.READ, file.ino, [[S.readIn, { fh: file.fh, offset: 0, size: 1 << 20, readFlags: 0, lockOwner: 0n, flags: O_RDWR }]]);
    expect(read!.body.length).toBe(20_100);
    expect(read!.body[99]).toBe(0);
    expect(read!.body[100]).toBe(7);
  });

  it('RENAME2 with RENAME_NOREPLACE refuses an existing target; RENAME_EXCHANGE swaps', async () => {
    const a = await create('a');
    const b = await create('b');
    const rename2 = (flags: number): Promise<{ error: number } | null> =>
      h.call(Opcode.RENAME2, ROOT, [[S.rename2In, { newdir: ROOT, flags }], 'a', 'b']);
    expect((await rename2(1))?.error).toBe(-errno.EEXIST);
    expect((await rename2(2))?.error).toBe(0);
    const lookup = async (name: string): Promise<number> => decodeAs(S.entryOut, (await h.call(Opcode.LOOKUP, ROOT, [name]))!.body).nodeid;
    expect([await lookup('a'), await lookup('b')]).toEqual([b.ino, a.ino]);
  });

  it('READDIR lists . and .. first and continues from the offset the kernel passes back', async () => {
    for (const name of ['one', 'two', 'three']) await create(name);
    const opened = decodeAs(S.openOut, (await h.call(Opcode.OPENDIR, ROOT, [[S.openIn, { flags: 0, openFlags: 0 }]]))!.body);
    const names: string[] = [];
    let offset = 0;
    for (;;) {
      const answer = await h.call(Opcode.READDIR, ROOT, [[S.readIn, { fh: opened.fh, offset, size: 40, readFlags: 0, lockOwner: 0n, flags: 0 }]]);
      if (answer!.body.length === 0) break;
      const dirent = S.dirent.read(viewOf(answer!.body), 0);
      names.push(Buffer.from(answer!.body.subarray(S.dirent.size, S.dirent.size + dirent.namelen)).toString());
      offset = dirent.off;
    }
    expect(names).toEqual(['.', '..', 'one', 'two', 'three']);
    expect((await h.call(Opcode.RELEASEDIR, ROOT, [[S.releaseIn, { fh: opened.fh, flags: 0, releaseFlags: 0, lockOwner: 0n }]]))?.error).toBe(0);
  });

  it('READDIRPLUS gives each name its attributes as a lookup (none for . and ..)', async () => {
    const file = await create('listed');
    await h.call(Opcode.RELEASE, file.ino, [[S.releaseIn, { fh: file.fh, flags: O_RDWR, releaseFlags: 0, lockOwner: 0n }]]);
    await h.call(Opcode.FORGET, file.ino, [[S.forgetIn, { nlookup: 1 }]], NOBODY, 50);
    const opened = decodeAs(S.openOut, (await h.call(Opcode.OPENDIR, ROOT, [[S.openIn, { flags: 0, openFlags: 0 }]]))!.body);
    const answer = await h.call(Opcode.READDIRPLUS, ROOT, [[S.readIn, { fh: opened.fh, offset: 0, size: 4096, readFlags: 0, lockOwner: 0n, flags: 0 }]]);
    const records: S.Direntplus[] = [];
    for (let at = 0; at < answer!.body.length;) {
      const record = S.direntplus.read(viewOf(answer!.body), at);
      records.push(record);
      at += (S.direntplus.size + record.dirent.namelen + 7) & ~7;
    }
    expect(records.map((r) => r.entryOut.nodeid)).toEqual([0, 0, file.ino]);
    expect(records[2]!.entryOut.attr).toMatchObject({ ino: file.ino, uid: 65534, mode: 0o100644 });
    // That entry is a lookup: the unlinked inode stays until the kernel forgets it.
    await h.call(Opcode.UNLINK, ROOT, ['listed']);
    expect((await getattr(file.ino)).nlink).toBe(0);
    await h.call(Opcode.FORGET, file.ino, [[S.forgetIn, { nlookup: 1 }]], NOBODY, 50);
    expect((await h.call(Opcode.GETATTR, file.ino, [[S.getattrIn, { getattrFlags: 0, fh: 0 }]]))?.error).toBe(-errno.ENOENT);
  });

  it('LINK, READLINK, RMDIR, STATFS and ACCESS answer as POSIX says', async () => {
    const file = await create('orig');
    const linked = decodeAs(S.entryOut, (await h.call(Opcode.LINK, ROOT, [[S.linkIn, { oldnodeid: file.ino }], 'alias']))!.body);
    expect([linked.nodeid, linked.attr.nlink]).toEqual([file.ino, 2]);
    const symlink = decodeAs(S.entryOut, (await h.call(Opcode.SYMLINK, ROOT, ['sl', 'orig']))!.body);
    expect(Buffer.from((await h.call(Opcode.READLINK, symlink.nodeid))!.body).toString()).toBe('orig');
    await h.call(Opcode.MKDIR, ROOT, [[S.mkdirIn, { mode: 0o755, umask: 0 }], 'full']);
    await create('inside', 0o644, NOBODY, decodeAs(S.entryOut, (await h.call(Opcode.LOOKUP, ROOT, ['full']))!.body).nodeid);
    expect((await h.call(Opcode.RMDIR, ROOT, ['full']))?.error).toBe(-errno.ENOTEMPTY);
    const statfs = decodeAs(S.kstatfs, (await h.call(Opcode.STATFS, ROOT))!.body);
    expect(statfs.bsize).toBe(4096);
    expect(statfs.namelen).toBe(255);
    expect((await h.call(Opcode.ACCESS, file.ino, [[S.accessIn, { mask: 4 }]]))?.error).toBe(0);
    expect((await h.call(Opcode.LOOKUP, ROOT, ['missing']))?.error).toBe(-errno.ENOENT);
  });
});
