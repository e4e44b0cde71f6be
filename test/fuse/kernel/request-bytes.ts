/** A request as the kernel writes it to /dev/fuse: fuse_in_header (caller uid 1, gid 2, pid 3), then the body. */
import { viewOf } from '../../../src/fuse/kernel/layout.js';
import * as S from '../../../src/fuse/kernel/structs.js';

export const REQUEST_UNIQUE = 0xfedcba9876543210n;
export const REQUEST_NODEID = 7;

export function requestBytes(opcode: number, ...parts: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(parts);
  const bytes = new Uint8Array(S.inHeader.size + body.length);
  S.inHeader.write(viewOf(bytes), 0, { len: bytes.length, opcode, unique: REQUEST_UNIQUE, nodeid: REQUEST_NODEID, uid: 1, gid: 2, pid: 3, totalExtlen: 0 });
  bytes.set(body, S.inHeader.size);
  return bytes;
}
