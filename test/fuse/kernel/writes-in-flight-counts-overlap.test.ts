/**
 * Guards the count behind fuse.writesInFlightPeak: a WRITE counts as outstanding together with an
 * earlier WRITE of the same inode only when it was read before that one's answer went out; other
 * inodes, other opcodes, and WRITEs read after the answer (what an exclusive inode lock allows) keep
 * the peak at 1, also when the answer reaches this thread after the later request.
 */
import { describe, expect, it } from 'vitest';
import { viewOf } from '../../../src/fuse/kernel/layout.js';
import { Opcode } from '../../../src/fuse/kernel/opcodes.js';
import { emptyReply } from '../../../src/fuse/kernel/reply.js';
import { WritesInFlight } from '../../../src/fuse/kernel/writes-in-flight.js';
import * as S from '../../../src/fuse/kernel/structs.js';

function request(opcode: number, unique: bigint, nodeid: number): Uint8Array {
  const bytes = new Uint8Array(S.inHeader.size);
  S.inHeader.write(viewOf(bytes), 0, { len: bytes.length, opcode, unique, nodeid, uid: 0, gid: 0, pid: 1, totalExtlen: 0 });
  return bytes;
}

/** A tracker whose readers have read `reads.n` requests so far. */
function tracker(): { writes: WritesInFlight; reads: { n: number } } {
  const reads = { n: 0 };
  return { writes: new WritesInFlight(() => reads.n), reads };
}

describe('WRITEs of one inode in flight at once', () => {
  it('stays 1 when each WRITE was read after the previous answer', () => {
    const { writes, reads } = tracker();
    for (let seq = 1; seq <= 3; seq++) {
      reads.n = seq;
      writes.arrived(request(Opcode.WRITE, BigInt(seq), 5), seq);
      writes.answering(emptyReply(BigInt(seq)));
    }
    expect(writes.peak).toBe(1);
  });

  it('counts WRITEs read before an earlier one was answered, even if served after that answer', () => {
    const { writes, reads } = tracker();
    reads.n = 3; // three read together; this thread serves them one by one
    writes.arrived(request(Opcode.WRITE, 1n, 5), 1);
    writes.answering(emptyReply(1n));
    writes.arrived(request(Opcode.WRITE, 2n, 5), 2);
    writes.arrived(request(Opcode.WRITE, 3n, 5), 3);
    expect(writes.peak).toBe(3);
  });

  it('ignores other inodes and other opcodes', () => {
    const { writes, reads } = tracker();
    reads.n = 3;
    writes.arrived(request(Opcode.WRITE, 1n, 5), 1);
    writes.arrived(request(Opcode.WRITE, 2n, 6), 2);
    writes.arrived(request(Opcode.READ, 3n, 5), 3);
    expect(writes.peak).toBe(1);
  });
});
