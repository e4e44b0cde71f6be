/**
 * INTERRUPT on the kernel bridge: a request interrupted while it is being served completes and
 * is answered normally (every Vfs call runs to completion; the kernel waits for that answer), the
 * INTERRUPT itself gets no reply, and one naming a request already answered changes nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Opcode } from '../../../src/fuse/kernel/opcodes.js';
import * as S from '../../../src/fuse/kernel/structs.js';
import { bridgeHarness, decodeAs, type BridgeHarness } from './bridge-harness.js';

const ROOT = 1;
const O_RDWR = 2;
const CALLER = { uid: 0, gid: 0, pid: 1 };

describe('INTERRUPT on the kernel bridge', () => {
  let h: BridgeHarness;
  beforeEach(async () => (h = await bridgeHarness()));
  afterEach(async () => h.close());

  it('the interrupted WRITE completes with its full count; the INTERRUPT gets no reply', async () => {
    // The harness numbers requests 2, 4, 6, ...: CREATE is 2, the WRITE 4.
    const created = await h.call(Opcode.CREATE, ROOT, [[S.createIn, { flags: O_RDWR, mode: 0o100644, umask: 0, openFlags: 0 }], 'f']);
    const ino = decodeAs(S.entryOut, created!.body).nodeid;
    const fh = decodeAs(S.openOut, created!.body, S.entryOut.size).fh;
    const data = Buffer.alloc(1 << 20, 0x5a);
    const write = h.call(Opcode.WRITE, ino, [[S.writeIn, { fh, offset: 0, size: data.length, writeFlags: 0, lockOwner: 0n, flags: O_RDWR }], data]);
    const interrupt = h.call(Opcode.INTERRUPT, 0, [[S.interruptIn, { unique: 4n }]], CALLER, 200);
    const [written, interruptReply] = await Promise.all([write, interrupt]);
    expect([written?.error, decodeAs(S.writeOut, written!.body).size]).toEqual([0, data.length]);
    expect(interruptReply).toBeNull();
    expect(await h.call(Opcode.INTERRUPT, 0, [[S.interruptIn, { unique: 4n }]], CALLER, 100)).toBeNull();
    const read = await h.call(Opcode.READ, ino, [[S.readIn, { fh, offset: 0, size: data.length, readFlags: 0, lockOwner: 0n, flags: O_RDWR }]]);
    expect(Buffer.from(read!.body).equals(data)).toBe(true);
  });
});
