/**
 * Guards the kernel-cache half of coherence on the kernel transport: once an inode got a READ the
 * kernel's page cache may have sent (page-aligned, whole pages, no lock owner), a WRITE that did not come from
 * that cache is answered only after FUSE_NOTIFY_INVAL_INODE for exactly its range was delivered;
 * the kernel's own writeback (FUSE_WRITE_CACHE), inodes without such a READ, inodes the kernel has
 * forgotten since, and coherence=none send none.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ReadFlag, WriteFlag } from '../../../src/fuse/kernel/flags.js';
import { KernelPageCache } from '../../../src/fuse/kernel/kernel-page-cache.js';
import { viewOf } from '../../../src/fuse/kernel/layout.js';
import { NotifyCode, notifyInvalInodeOut, type NotifyInvalInodeOut } from '../../../src/fuse/kernel/notify.js';
import { Opcode } from '../../../src/fuse/kernel/opcodes.js';
import * as S from '../../../src/fuse/kernel/structs.js';
import type { CoherenceMode } from '../../../src/mm/api.js';
import { bridgeHarness, decodeAs, type BridgeHarness } from './bridge-harness.js';

const ROOT = 1;
const O_RDWR = 2;
const PAGE = 4096;

interface Setup {
  h: BridgeHarness;
  sent: NotifyInvalInodeOut[];
  /** While set, notifications stay undelivered until it resolves. */
  gate: Promise<void> | undefined;
}

async function setUp(coherence: CoherenceMode = 'locked'): Promise<Setup> {
  const setup: Setup = { h: undefined as unknown as BridgeHarness, sent: [], gate: undefined };
  const send = async (message: Uint8Array): Promise<void> => {
    const header = S.outHeader.read(viewOf(message), 0);
    expect([header.len, header.error, header.unique]).toEqual([message.length, NotifyCode.INVAL_INODE, 0n]);
    setup.sent.push(notifyInvalInodeOut.read(viewOf(message), S.outHeader.size));
    await setup.gate;
  };
  setup.h = await bridgeHarness(new KernelPageCache(send, coherence));
  return setup;
}

async function createFile(h: BridgeHarness): Promise<{ ino: number; fh: number }> {
  const created = await h.call(Opcode.CREATE, ROOT, [[S.createIn, { flags: O_RDWR, mode: 0o100644, umask: 0, openFlags: 0 }], 'mapped']);
  return { ino: decodeAs(S.entryOut, created!.body).nodeid, fh: decodeAs(S.openOut, created!.body, S.entryOut.size).fh };
}

/** A READ as the page cache sends it (no lock owner), or as a read(2) does (`ReadFlag.LOCKOWNER`). */
function read(h: BridgeHarness, ino: number, fh: number, offset: number, size: number, readFlags = 0) {
  return h.call(Opcode.READ, ino, [[S.readIn, { fh, offset, size, readFlags, lockOwner: 0n, flags: O_RDWR, padding: 0 }]]);
}

function write(h: BridgeHarness, ino: number, fh: number, offset: number, size: number, writeFlags = 0) {
  const data = Buffer.alloc(size, 7);
  return h.call(Opcode.WRITE, ino, [[S.writeIn, { fh, offset, size, writeFlags, lockOwner: 0n, flags: O_RDWR }], data]);
}

describe('a WRITE that bypassed the kernel page cache drops its pages there before the reply', () => {
  let s: Setup;
  afterEach(async () => s.h.close());

  it('sends INVAL_INODE for the written range after a page-cache READ, and replies only once it is delivered', async () => {
    s = await setUp();
    const { ino, fh } = await createFile(s.h);
    await write(s.h, ino, fh, 0, 4 * PAGE);
    expect(s.sent).toEqual([]);
    await read(s.h, ino, fh, 0, 4 * PAGE);

    let release!: () => void;
    s.gate = new Promise((resolve) => (release = resolve));
    let replied = false;
    const answer = write(s.h, ino, fh, PAGE, 2 * PAGE).then((reply) => ((replied = true), reply));
    await vi.waitFor(() => expect(s.sent).toEqual([{ ino, off: PAGE, len: 2 * PAGE }]));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(replied).toBe(false);
    release();
    expect(decodeAs(S.writeOut, (await answer)!.body).size).toBe(2 * PAGE);
  });

  it('sends none for the kernel writeback (FUSE_WRITE_CACHE), nor after a READ the page cache cannot send', async () => {
    s = await setUp();
    const { ino, fh } = await createFile(s.h);
    await write(s.h, ino, fh, 0, 4 * PAGE);
    await read(s.h, ino, fh, 100, 512);
    await read(s.h, ino, fh, PAGE, 100);
    await read(s.h, ino, fh, PAGE, PAGE, ReadFlag.LOCKOWNER);
    await write(s.h, ino, fh, 0, PAGE);
    expect(s.sent).toEqual([]);
    await read(s.h, ino, fh, PAGE, PAGE);
    await write(s.h, ino, fh, 0, PAGE, WriteFlag.CACHE);
    expect(s.sent).toEqual([]);
  });

  it('keeps sending while the kernel holds a lookup, and sends none once it forgot the inode (its pages went with it)', async () => {
    s = await setUp();
    const { ino, fh } = await createFile(s.h);
    expect((await s.h.call(Opcode.LOOKUP, ROOT, ['mapped']))?.error).toBe(0);
    await read(s.h, ino, fh, 0, PAGE);
    const forget = () => s.h.call(Opcode.FORGET, ino, [[S.forgetIn, { nlookup: 1 }]], undefined, 100);
    expect(await forget()).toBeNull();
    await write(s.h, ino, fh, 0, PAGE);
    expect(s.sent).toEqual([{ ino, off: 0, len: PAGE }]);
    // CREATE and LOOKUP were two lookups: this FORGET is the kernel's last reference.
    expect(await forget()).toBeNull();
    await write(s.h, ino, fh, 0, PAGE);
    expect(s.sent).toHaveLength(1);
  });

  it('sends none in coherence=none', async () => {
    s = await setUp('none');
    const { ino, fh } = await createFile(s.h);
    await read(s.h, ino, fh, 0, PAGE);
    await write(s.h, ino, fh, 0, PAGE);
    expect(s.sent).toEqual([]);
  });
});
