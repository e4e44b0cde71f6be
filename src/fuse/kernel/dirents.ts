/**
 * Packing directory entries into a READDIR reply: each fuse_dirent is followed by its name and
 * padded to 8 bytes (FUSE_DIRENT_ALIGN); `off` is the position to continue from, so the kernel's
 * next READDIR asks for entries from there. The reply stops before the entry that would overflow.
 * READDIRPLUS records put a fuse_entry_out before each dirent (fuse_direntplus).
 */
import { viewOf } from './layout.js';
import * as S from './structs.js';
import type { EntryOut } from './structs.js';

export interface DirentRecord {
  ino: number;
  name: string;
  /** The file type as in d_type: (mode & S_IFMT) >> 12. */
  type: number;
}

const align8 = (n: number): number => (n + 7) & ~7;

/**
 * Entries `from` onwards (their index is their offset) that fit in `maxBytes`. With `plus`, a
 * READDIRPLUS reply: `plus` gives each packed entry's fuse_entry_out, and is called only for those.
 */
export function packDirents(entries: readonly DirentRecord[], from: number, maxBytes: number, plus?: (entry: DirentRecord) => EntryOut): Uint8Array {
  const recordHeader = plus ? S.direntplus.size : S.dirent.size;
  const records: { entry: DirentRecord; name: Buffer; off: number }[] = [];
  let length = 0;
  for (let index = from; index < entries.length; index++) {
    const entry = entries[index]!;
    const name = Buffer.from(entry.name, 'utf8');
    const size = align8(recordHeader + name.length);
    if (length + size > maxBytes) break;
    records.push({ entry, name, off: index + 1 });
    length += size;
  }
  const bytes = new Uint8Array(length);
  const view = viewOf(bytes);
  let at = 0;
  for (const { entry, name, off } of records) {
    const dirent = { ino: entry.ino, off, namelen: name.length, type: entry.type };
    if (plus) S.direntplus.write(view, at, { entryOut: plus(entry), dirent });
    else S.dirent.write(view, at, dirent);
    bytes.set(name, at + recordHeader);
    at += align8(recordHeader + name.length);
  }
  return bytes;
}
