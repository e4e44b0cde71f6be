/**
 * READ replies are read into reused buffers (kernel/read-buffers.ts): READs served at once each get
 * their own, a failed READ hands its buffer back like an answered one, and a short READ after a long
 * one carries none of the long one's bytes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { constants } from 'node:os';
import { Opcode } from '../../../src/fuse/kernel/opcodes.js';
import * as S from '../../../src/fuse/kernel/structs.js';
import { bridgeHarness, decodeAs, type BridgeHarness } from './bridge-harness.js';

const ROOT = 1;
const O_RDWR = 2;
const MIB = 1 << 20;

describe('READ reply buffers', () => {
  let h: BridgeHarness;
  beforeEach(async () => (h = await bridgeHarness()));
  afterEach(async () => h.close());

  async function fileOf(name: string, fill: number, length: number): Promise<{ ino: number; fh: number }> {
    const created = await h.call(Opcode.CREATE, ROOT, [[S.createIn, { flags: O_RDWR, mode: 0o100644, umask: 0o022, openFlags: 0 }], name]);
    const ino = decodeAs(S.entryOut, created!.body).nodeid;
    const fh = decodeAs(S.openOut, created!.body, S.entryOut.size).fh;
    const data = Buffer.alloc(length, fill);
    const written = await h.call(Opcode.WRITE, ino, [[S.writeIn, { fh, offset: 0, size: length, writeFlags: 0, lockOwner: 0n, flags: O_RDWR }], data]);
    expect(decodeAs(S.writeOut, written!.body).size).toBe(length);
    return { ino, fh };
  }

  const read = (file: { ino: number; fh: number }, size: number) =>
    h.call(Opcode.READ, file.ino, [[S.readIn, { fh: file.fh, offset: 0, size, readFlags: 0, lockOwner: 0n, flags: O_RDWR }]]);

  it('READs in flight together each answer with their own file', async () => {
    const files = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((fill) => fileOf(`f${fill}`, fill, MIB)));
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(files.map((file) => read(file, MIB)));
      answers.forEach((answer, i) => {
        expect(answer!.body.length).toBe(MIB);
        expect(answer!.body.every((byte) => byte === i + 1)).toBe(true);
      });
    }
  });

  it('a short READ after a long one and after a failed one carries only its own bytes', async () => {
    const long = await fileOf('long', 0xaa, MIB);
    const short = await fileOf('short', 0x55, 100);
    expect((await read(long, MIB))!.body.length).toBe(MIB);
    expect((await read({ ino: long.ino, fh: 9999 }, MIB))!.error).toBe(-constants.errno.EBADF);
    const answer = await read(short, MIB);
    expect(answer!.body).toEqual(Buffer.alloc(100, 0x55));
  });
});
