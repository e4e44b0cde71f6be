/**
 * Errseq: a mapping's writeback error with a sequence number (the kernel's errseq_t), so that every
 * open file hears of every writeback failure once, at its next fsync or close, however many other
 * files saw it first. A failure nobody has seen yet is also reported to files opened after it
 * (errseq_sample() returns 0 for an unseen error), so that an error is never lost for want of an
 * open file at the moment it happened.
 */
import type { FsError } from '../util/errno.js';

/** What one open file has seen of its mapping's errors (struct file's f_wb_err). */
export interface ErrseqCursor {
  since: number;
}

export class Errseq {
  private seq = 0;
  private err: FsError | null = null;
  private seen = false;

  /** mirrors errseq_set() (mapping_set_error()): a writeback failed. */
  set(err: FsError): void {
    this.err = err;
    this.seq++;
    this.seen = false;
  }

  /** mirrors errseq_sample() at open: an unseen error is still to be reported to this file. */
  sample(): ErrseqCursor {
    return { since: this.seen ? this.seq : 0 };
  }

  /** mirrors errseq_check_and_advance() (file_check_and_advance_wb_err()): the error this file has not yet seen, once. */
  checkAndAdvance(cursor: ErrseqCursor): FsError | null {
    if (cursor.since === this.seq) return null;
    cursor.since = this.seq;
    this.seen = true;
    return this.err;
  }

  /** The latest error, whoever has seen it (for reports at unmount). */
  get latest(): FsError | null {
    return this.err;
  }
}
