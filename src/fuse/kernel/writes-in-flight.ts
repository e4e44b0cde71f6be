/**
 * How many WRITE requests of one inode the kernel had outstanding at once, as the daemon sees it:
 * the readers number requests in the order they read them, and each answer notes how many had been
 * read before it was written. A WRITE read before an earlier WRITE of its inode was answered was
 * outstanding together with it. The kernel sends a direct write only under its inode lock, held
 * until the answer; exclusive, the next WRITE of the inode cannot be read before the answer. Shared
 * (FOPEN_PARALLEL_DIRECT_WRITES, fuse_dio_lock()), several can. Never overcounts: the count of reads
 * is taken before the answer is written. Knows nothing of the Vfs.
 */
import { viewOf } from './layout.js';
import { Opcode } from './opcodes.js';
import type { Reply } from './reply.js';

/** Answered WRITEs remembered for the WRITEs still on their way to this thread (the readers' queues). */
const ANSWERED_KEPT = 64;

interface Write {
  nodeid: number;
  seq: number;
  /** Requests read before the answer went out; Infinity until then. */
  readsAtAnswer: number;
}

/** struct fuse_in_header / fuse_out_header offsets (structs.ts). */
const OPCODE_AT = 4;
const UNIQUE_AT = 8;
const NODEID_AT = 16;

export class WritesInFlight {
  /** The most WRITEs of one inode the kernel had outstanding at once. */
  peak = 0;
  private readonly unanswered = new Map<bigint, Write>();
  private readonly answered: Write[] = [];

  constructor(private readonly requestsRead: () => number) {}

  /** A request as read (its number in read order), before it is served. */
  arrived(bytes: Uint8Array, seq: number): void {
    const view = viewOf(bytes);
    if (view.getUint32(OPCODE_AT, true) !== Opcode.WRITE) return;
    const write: Write = { nodeid: Number(view.getBigUint64(NODEID_AT, true)), seq, readsAtAnswer: Infinity };
    const together = (w: Write): boolean => w.nodeid === write.nodeid && w.seq < seq && w.readsAtAnswer >= seq;
    let outstanding = 1;
    for (const w of this.unanswered.values()) if (together(w)) outstanding++;
    for (const w of this.answered) if (together(w)) outstanding++;
    this.peak = Math.max(this.peak, outstanding);
    this.unanswered.set(view.getBigUint64(UNIQUE_AT, true), write);
  }

  /** A reply about to be written (call before writing it). */
  answering(reply: Reply): void {
    if (this.unanswered.size === 0) return;
    const unique = viewOf(reply[0]!).getBigUint64(UNIQUE_AT, true);
    const write = this.unanswered.get(unique);
    if (!write) return;
    this.unanswered.delete(unique);
    write.readsAtAnswer = this.requestsRead();
    this.answered.push(write);
    if (this.answered.length > ANSWERED_KEPT) this.answered.shift();
  }
}
