/**
 * COPY_FILE_RANGE and COPY_FILE_RANGE_64 through the kernel bridge over a real Vfs (in-memory
 * image): each answers in its own reply struct, unsynced source data is copied, the destination
 * grows and its mtime moves; the generic checks (flags, O_APPEND or read-only destination,
 * overlapping ranges of one file) fail as the kernel's do; a copy by a non-root caller clears the
 * destination's suid; a copy the image has no room for fails with ENOSPC and changes nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { constants } from 'node:os';
import { Opcode } from '../../../src/fuse/kernel/opcodes.js';
import * as S from '../../../src/fuse/kernel/structs.js';
import { bridgeHarness, decodeAs, type BridgeHarness } from './bridge-harness.js';

const ROOT = 1;
const NOBODY = { uid: 65534, gid: 65534, pid: 4242 };
const O_RDONLY = 0;
const O_RDWR = 2;
const O_APPEND = 0o2000;
const { errno } = constants;

describe('COPY_FILE_RANGE through the kernel bridge', () => {
  let h: BridgeHarness;
  beforeEach(async () => (h = await bridgeHarness()));
  afterEach(async () => h.close());

  async function create(name: string, mode = 0o644): Promise<{ ino: number; fh: number }> {
    const answer = await h.call(Opcode.CREATE, ROOT, [[S.createIn, { flags: O_RDWR, mode: 0o100000 | mode, umask: 0, openFlags: 0 }], name]);
    expect(answer?.error).toBe(0);
    return { ino: decodeAs(S.entryOut, answer!.body).nodeid, fh: decodeAs(S.openOut, answer!.body, S.entryOut.size).fh };
  }

  async function open(ino: number, flags: number): Promise<number> {
    const answer = await h.call(Opcode.OPEN, ino, [[S.openIn, { flags, openFlags: 0 }]]);
    expect(answer?.error).toBe(0);
    return decodeAs(S.openOut, answer!.body).fh;
  }

  async function write(file: { ino: number; fh: number }, offset: number, data: Uint8Array): Promise<void> {
    const answer = await h.call(Opcode.WRITE, file.ino, [[S.writeIn, { fh: file.fh, offset, size: data.length, writeFlags: 0, lockOwner: 0n, flags: O_RDWR }], data]);
    expect(answer?.error).toBe(0);
  }

  async function read(file: { ino: number; fh: number }, offset: number, size: number): Promise<Uint8Array> {
    const answer = await h.call(Opcode.READ, file.ino, [[S.readIn, { fh: file.fh, offset, size, readFlags: 0, lockOwner: 0n, flags: O_RDWR }]]);
    expect(answer?.error).toBe(0);
    return answer!.body;
  }

  async function getattr(ino: number): Promise<S.FuseAttr> {
    return decodeAs(S.attrOut, (await h.call(Opcode.GETATTR, ino, [[S.getattrIn, { getattrFlags: 0, fh: 0 }]]))!.body).attr;
  }

  function copy(
    opcode: number, from: { ino: number; fh: number }, offIn: number, to: { ino: number; fh: number }, offOut: number, len: number,
    flags = 0, caller = { uid: 0, gid: 0, pid: 1 },
  ) {
    return h.call(opcode, from.ino, [[S.copyFileRangeIn, { fhIn: from.fh, offIn, nodeidOut: to.ino, fhOut: to.fh, offOut, len, flags }]], caller);
  }

  it('answers COPY_FILE_RANGE_64 with a 64-bit count and COPY_FILE_RANGE with fuse_write_out', async () => {
    const src = await create('src');
    const dst = await create('dst');
    const data = Buffer.alloc(10_000, 0x61);
    await write(src, 0, data);
    const before = await getattr(dst.ino);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const wide = await copy(Opcode.COPY_FILE_RANGE_64, src, 0, dst, 3, 6000);
    expect([wide?.error, wide?.body.length, decodeAs(S.copyFileRangeOut, wide!.body).bytesCopied]).toEqual([0, 8, 6000]);
    const narrow = await copy(Opcode.COPY_FILE_RANGE, src, 6000, dst, 6003, 100_000);
    expect([narrow?.error, narrow?.body.length, decodeAs(S.writeOut, narrow!.body).size]).toEqual([0, 8, 4000]);
    const after = await getattr(dst.ino);
    expect(after.size).toBe(10_003);
    expect(after.mtime * 1e9 + after.mtimensec).toBeGreaterThan(before.mtime * 1e9 + before.mtimensec);
    const back = await read(dst, 0, 20_000);
    expect(Buffer.from(back).equals(Buffer.concat([Buffer.alloc(3), data]))).toBe(true);
  });

  it('refuses flags, a destination open read-only or O_APPEND, and overlapping ranges of one file', async () => {
    const src = await create('src');
    await write(src, 0, Buffer.alloc(8192, 1));
    const dst = await create('dst');
    expect((await copy(Opcode.COPY_FILE_RANGE_64, src, 0, dst, 0, 10, 1))?.error).toBe(-errno.EINVAL);
    const readOnly = { ino: dst.ino, fh: await open(dst.ino, O_RDONLY) };
    expect((await copy(Opcode.COPY_FILE_RANGE_64, src, 0, readOnly, 0, 10))?.error).toBe(-errno.EBADF);
    const appender = { ino: dst.ino, fh: await open(dst.ino, O_RDWR | O_APPEND) };
    expect((await copy(Opcode.COPY_FILE_RANGE_64, src, 0, appender, 0, 10))?.error).toBe(-errno.EBADF);
    expect((await copy(Opcode.COPY_FILE_RANGE_64, src, 0, src, 4000, 4096))?.error).toBe(-errno.EINVAL);
    expect((await getattr(dst.ino)).size).toBe(0);
    expect(decodeAs(S.copyFileRangeOut, (await copy(Opcode.COPY_FILE_RANGE_64, src, 0, src, 4096, 4096))!.body).bytesCopied).toBe(4096);
  });

  it('a copy by a non-root caller clears the destination suid; by root it keeps it', async () => {
    const src = await create('src');
    await write(src, 0, Buffer.alloc(100, 2));
    const kept = await create('kept', 0o4755);
    await copy(Opcode.COPY_FILE_RANGE_64, src, 0, kept, 0, 100);
    expect((await getattr(kept.ino)).mode & 0o7777).toBe(0o4755);
    const cleared = await create('cleared', 0o4777);
    await copy(Opcode.COPY_FILE_RANGE_64, src, 0, cleared, 0, 100, 0, NOBODY);
    expect((await getattr(cleared.ino)).mode & 0o7777).toBe(0o777);
  });

  it('a copy the image has no room for fails with ENOSPC before any byte lands', async () => {
    const src = await create('big');
    const chunk = Buffer.alloc(2 ** 20, 3);
    const free = async (): Promise<number> => decodeAs(S.kstatfs, (await h.call(Opcode.STATFS, ROOT))!.body).bfree;
    let size = 0;
    while ((await free()) * 4096 > 2 * chunk.length) {
      await write(src, size, chunk);
      await h.call(Opcode.FSYNC, src.ino, [[S.fsyncIn, { fh: src.fh, fsyncFlags: 0 }]]);
      size += chunk.length;
    }
    const dst = await create('dst');
    const freeBefore = await free();
    expect((await copy(Opcode.COPY_FILE_RANGE_64, src, 0, dst, 0, size))?.error).toBe(-errno.ENOSPC);
    expect([(await getattr(dst.ino)).size, await free()]).toEqual([0, freeBefore]);
  });
});
