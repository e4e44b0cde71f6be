/**
 * FUSE_NOTIFY_INVAL_INODE as include/uapi/linux/fuse.h lays it out: a fuse_out_header with unique 0
 * and the notify code (2) in `error`, then struct fuse_notify_inval_inode_out (ino, off, len; off
 * and len signed), 40 bytes in all, each field at its offset and back.
 */
import { describe, expect, it } from 'vitest';
import { viewOf } from '../../../src/fuse/kernel/layout.js';
import { invalInodeMessage, notifyInvalInodeOut } from '../../../src/fuse/kernel/notify.js';
import * as S from '../../../src/fuse/kernel/structs.js';

describe('the FUSE_NOTIFY_INVAL_INODE message', () => {
  it('is a 16-byte out header (unique 0, error = the code) and a 24-byte body that round-trips', () => {
    const inval = { ino: 2 ** 40 + 5, off: 3 * 4096, len: -1 };
    const bytes = invalInodeMessage(inval);
    const view = viewOf(bytes);
    expect(bytes.length).toBe(40);
    expect(notifyInvalInodeOut.size).toBe(24);
    expect([view.getUint32(0, true), view.getInt32(4, true), view.getBigUint64(8, true)]).toEqual([40, 2, 0n]);
    expect([view.getBigUint64(16, true), view.getBigInt64(24, true), view.getBigInt64(32, true)]).toEqual([2n ** 40n + 5n, 12288n, -1n]);
    expect(S.outHeader.read(view, 0)).toEqual({ len: 40, error: 2, unique: 0n });
    expect(notifyInvalInodeOut.read(view, S.outHeader.size)).toEqual(inval);
  });
});
