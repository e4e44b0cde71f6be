/**
 * A WRITE flagged FUSE_WRITE_CACHE (the kernel's writeback of a shared mapping's pages) sets mtime
 * and ctime: the kernel transport does not negotiate WRITEBACK_CACHE, so the kernel keeps no times of
 * its own for FUSE inodes (S_NOCMTIME) and sends none; without this a file changed through mmap
 * would keep its old mtime.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fattr, WriteFlag } from '../../../src/fuse/kernel/flags.js';
import { Opcode } from '../../../src/fuse/kernel/opcodes.js';
import * as S from '../../../src/fuse/kernel/structs.js';
import { bridgeHarness, decodeAs, type BridgeHarness } from './bridge-harness.js';

const ROOT = 1;
const O_RDWR = 2;
const LONG_AGO_S = 1_000_000_000;

describe('the kernel writeback of mmapped pages', () => {
  let h: BridgeHarness;
  beforeEach(async () => (h = await bridgeHarness()));
  afterEach(async () => h.close());

  it('sets mtime and ctime, as a write(2) does', async () => {
    const created = await h.call(Opcode.CREATE, ROOT, [[S.createIn, { flags: O_RDWR, mode: 0o100644, umask: 0, openFlags: 0 }], 'mapped']);
    const ino = decodeAs(S.entryOut, created!.body).nodeid;
    const fh = decodeAs(S.openOut, created!.body, S.entryOut.size).fh;
    const times = { ...S.setattrIn.read(new DataView(new ArrayBuffer(S.setattrIn.size)), 0), valid: Fattr.MTIME, mtime: LONG_AGO_S };
    expect((await h.call(Opcode.SETATTR, ino, [[S.setattrIn, times]]))?.error).toBe(0);
    const before = h.vfs.getattr(ino);
    expect(before.mtimeNs).toBe(BigInt(LONG_AGO_S) * 1_000_000_000n);

    const page = Buffer.alloc(4096, 5);
    const answer = await h.call(Opcode.WRITE, ino, [[S.writeIn, { fh, offset: 0, size: page.length, writeFlags: WriteFlag.CACHE, lockOwner: 0n, flags: O_RDWR }], page]);
    expect(decodeAs(S.writeOut, answer!.body).size).toBe(page.length);

    const after = h.vfs.getattr(ino);
    expect(after.mtimeNs).toBeGreaterThan(BigInt(Date.now() - 60_000) * 1_000_000n);
    expect(after.ctimeNs).toBeGreaterThanOrEqual(before.ctimeNs);
    expect(after.ctimeNs).toBe(after.mtimeNs);
  });
});
