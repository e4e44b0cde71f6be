/**
 * Notifications (include/uapi/linux/fuse.h, enum fuse_notify_code): messages the daemon writes to
 * /dev/fuse unasked. Each is a fuse_out_header with unique 0 and the notify code in `error`, then
 * the code's struct, in one write; the kernel acts on it inside that write (fuse_notify()).
 */
import { struct, viewOf, type ValueOf } from './layout.js';
import * as S from './structs.js';

export const NotifyCode = {
  INVAL_INODE: 2,
} as const;

/** Drop the kernel's cached pages of [off, off + len) of `ino` (len 0 or less: to the end) and its attributes. */
export const notifyInvalInodeOut = struct({ ino: 'u64', off: 'i64', len: 'i64' }, 24);

export type NotifyInvalInodeOut = ValueOf<typeof notifyInvalInodeOut>;

/** The bytes of one FUSE_NOTIFY_INVAL_INODE message. */
export function invalInodeMessage(inval: NotifyInvalInodeOut): Uint8Array {
  const bytes = new Uint8Array(S.outHeader.size + notifyInvalInodeOut.size);
  const view = viewOf(bytes);
  S.outHeader.write(view, 0, { len: bytes.length, error: NotifyCode.INVAL_INODE, unique: 0n });
  notifyInvalInodeOut.write(view, S.outHeader.size, inval);
  return bytes;
}
