/**
 * Guards the open reply flags: every regular file opens FOPEN_DIRECT_IO (our cache is the cache);
 * only O_DIRECT opens, by OPEN or CREATE, add FOPEN_PARALLEL_DIRECT_WRITES, so the kernel lets their
 * non-extending writes in together while buffered writers stay serialized by its inode lock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { constants } from 'node:fs';
import { Fopen } from '../../../src/fuse/kernel/flags.js';
import { Opcode } from '../../../src/fuse/kernel/opcodes.js';
import * as S from '../../../src/fuse/kernel/structs.js';
import { bridgeHarness, decodeAs, type BridgeHarness } from './bridge-harness.js';

const ROOT = 1;
const { O_RDWR, O_DIRECT } = constants;

describe('open reply flags', () => {
  let h: BridgeHarness;
  beforeEach(async () => (h = await bridgeHarness()));
  afterEach(async () => h.close());

  const created = async (name: string, flags: number): Promise<{ ino: number; openFlags: number }> => {
    const answer = await h.call(Opcode.CREATE, ROOT, [[S.createIn, { flags, mode: 0o100644, umask: 0, openFlags: 0 }], name]);
    expect(answer?.error).toBe(0);
    return { ino: decodeAs(S.entryOut, answer!.body).nodeid, openFlags: decodeAs(S.openOut, answer!.body, S.entryOut.size).openFlags };
  };
  const opened = async (ino: number, flags: number): Promise<number> => {
    const answer = await h.call(Opcode.OPEN, ino, [[S.openIn, { flags, openFlags: 0 }]]);
    expect(answer?.error).toBe(0);
    return decodeAs(S.openOut, answer!.body).openFlags;
  };

  it('add FOPEN_PARALLEL_DIRECT_WRITES to O_DIRECT opens only', async () => {
    const both = Fopen.DIRECT_IO | Fopen.PARALLEL_DIRECT_WRITES;
    const direct = await created('direct', O_RDWR | O_DIRECT);
    const buffered = await created('buffered', O_RDWR);
    expect([direct.openFlags, buffered.openFlags]).toEqual([both, Fopen.DIRECT_IO]);
    expect([await opened(buffered.ino, O_RDWR | O_DIRECT), await opened(direct.ino, O_RDWR)]).toEqual([both, Fopen.DIRECT_IO]);
  });
});
