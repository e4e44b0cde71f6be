/**
 * Encoding replies: a fuse_out_header, then the body, written to /dev/fuse in one write (header and
 * data as two buffers for writev, so read data is not copied). Knows nothing of the Vfs.
 */
import { viewOf, type Layout } from './layout.js';
import * as S from './structs.js';

/** What one write(2) (or writev) to /dev/fuse sends. */
export type Reply = Uint8Array[];

/** A body made of structs back to back (CREATE answers with entry_out then open_out). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each part pairs a layout with its own value type
export type StructPart = readonly [Layout<any>, unknown];

function header(unique: bigint, error: number, bodyLength: number): Uint8Array {
  const bytes = new Uint8Array(S.outHeader.size);
  S.outHeader.write(viewOf(bytes), 0, { len: S.outHeader.size + bodyLength, error, unique });
  return bytes;
}

/** The failure of request `unique` with a positive errno (sent as -errno). */
export function errorReply(unique: bigint, errno: number): Reply {
  return [header(unique, -errno, 0)];
}

/** Success with an empty body (RELEASE, FLUSH, UNLINK, ...). */
export function emptyReply(unique: bigint): Reply {
  return [header(unique, 0, 0)];
}

/** Success with one struct, or several back to back. */
export function structReply(unique: bigint, ...parts: StructPart[]): Reply {
  const length = parts.reduce((sum, [layout]) => sum + layout.size, 0);
  const bytes = new Uint8Array(S.outHeader.size + length);
  const view = viewOf(bytes);
  S.outHeader.write(view, 0, { len: bytes.length, error: 0, unique });
  let at = S.outHeader.size;
  for (const [layout, value] of parts) {
    layout.write(view, at, value);
    at += layout.size;
  }
  return [bytes];
}

/** Success with raw bytes (READ data, READLINK's target, READDIR's dirents). */
export function dataReply(unique: bigint, data: Uint8Array): Reply {
  return [header(unique, 0, data.length), data];
}
