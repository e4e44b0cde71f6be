/**
 * Under HANDLE_KILLPRIV_V2 the kernel flags every write (and O_TRUNC open) of a task without
 * CAP_FSETID with KILL_SUIDGID, whatever the file's mode. Only a file with suid, or sgid and group
 * execute, changes (as should_remove_suid()); a plain file gets no setattr, no new ctime and nothing
 * to commit.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FUSE_OPEN_KILL_SUIDGID, WriteFlag } from '../../../src/fuse/kernel/flags.js';
import { Opcode } from '../../../src/fuse/kernel/opcodes.js';
import * as S from '../../../src/fuse/kernel/structs.js';
import { bridgeHarness, decodeAs, type BridgeHarness } from './bridge-harness.js';

const ROOT = 1;
const NOBODY = { uid: 65534, gid: 65534, pid: 4242 };
const O_RDWR = 2;

describe('KILL_SUIDGID on a file without suid or sgid', () => {
  let h: BridgeHarness;
  beforeEach(async () => (h = await bridgeHarness()));
  afterEach(async () => h.close());

  async function create(name: string, mode: number): Promise<{ ino: number; fh: number }> {
    const answer = await h.call(Opcode.CREATE, ROOT, [[S.createIn, { flags: O_RDWR, mode: 0o100000 | mode, umask: 0, openFlags: 0 }], name], NOBODY);
    expect(answer?.error).toBe(0);
    return { ino: decodeAs(S.entryOut, answer!.body).nodeid, fh: decodeAs(S.openOut, answer!.body, S.entryOut.size).fh };
  }

  const release = (ino: number, fh: number): Promise<unknown> =>
    h.call(Opcode.RELEASE, ino, [[S.releaseIn, { fh, flags: O_RDWR, releaseFlags: 0, lockOwner: 0n }]]);

  const write = (ino: number, fh: number, writeFlags: number): Promise<unknown> =>
    h.call(Opcode.WRITE, ino, [[S.writeIn, { fh, offset: 0, size: 1, writeFlags, lockOwner: 0n, flags: O_RDWR }], Buffer.from('x')]);

  it('an open flagged KILL_SUIDGID of a plain 0644 file changes neither its ctime nor the image', async () => {
    const file = await create('plain', 0o644);
    await release(file.ino, file.fh);
    await h.vfs.syncAll();
    const ctime = h.vfs.getattr(file.ino).ctimeNs;
    const image = Buffer.from(h.device.bytes);

    const answer = await h.call(Opcode.OPEN, file.ino, [[S.openIn, { flags: O_RDWR, openFlags: FUSE_OPEN_KILL_SUIDGID }]], NOBODY);
    expect(answer?.error).toBe(0);
    await release(file.ino, decodeAs(S.openOut, answer!.body).fh);
    await h.vfs.syncAll();

    expect(h.vfs.getattr(file.ino)).toMatchObject({ mode: 0o100644, ctimeNs: ctime });
    expect(Buffer.from(h.device.bytes).equals(image), 'the image changed: a commit after the open').toBe(true);
  });

  it('a write flagged KILL_SUIDGID to a plain file does no setattr; to a setuid file it clears the bit', async () => {
    const setattr = vi.spyOn(h.vfs, 'setattr');
    const plain = await create('plain', 0o644);
    await write(plain.ino, plain.fh, WriteFlag.KILL_SUIDGID);
    // sgid without group execute is a locking mark, not a privilege: it stays, and costs nothing.
    const mark = await create('mark', 0o2644);
    await write(mark.ino, mark.fh, WriteFlag.KILL_SUIDGID);
    expect(setattr).not.toHaveBeenCalled();
    expect([h.vfs.getattr(plain.ino).mode, h.vfs.getattr(mark.ino).mode]).toEqual([0o100644, 0o102644]);

    const setuid = await create('setuid', 0o4755);
    await write(setuid.ino, setuid.fh, WriteFlag.KILL_SUIDGID);
    expect(setattr).toHaveBeenCalledTimes(1);
    expect(h.vfs.getattr(setuid.ino).mode).toBe(0o100755);
  });
});
