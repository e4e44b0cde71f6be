/**
 * Metadata records: the operations the log carries and a checkpoint is made of. Each one sets a piece
 * of state (an inode's attributes, a directory entry, an extent), so replaying a record twice, or
 * replaying the log over a checkpoint that already holds some of it, changes nothing: replay converges.
 *
 * Format version 3: an inode record carries the device number of a device node and the inode's
 * flags, and `unmap` punches a range of blocks (a hole mid-file; `punch` still unmaps to the end).
 * Times are i64 seconds + u32 nanoseconds each. decodeOps still reads the older versions, for the
 * upgrade (upgrade.ts): version 2 had no device number, flags or unmap record; version 1 also held
 * times as f64 milliseconds.
 */
import { FORMAT_VERSION } from './layout.js';
import { nsFromMs, NSEC_PER_SEC, splitTime } from '../util/file-time.js';

/** The format version whose inode records held f64 milliseconds. */
export const MS_TIMES_VERSION = 1;
/** The last format version without device numbers, inode flags and the unmap record. */
export const NO_RDEV_VERSION = 2;

/**
 * Inode flag: the file may hold blocks past its size (fallocate with FALLOC_FL_KEEP_SIZE). Without
 * it, fsck reports such blocks as damage. Mirrors ext4's EXT4_EOFBLOCKS_FL.
 */
export const INODE_EOFBLOCKS = 1;
/** Every flag this version knows; fsck reports the others. */
export const INODE_FLAGS = INODE_EOFBLOCKS;

export interface InodeAttrs {
  ino: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  /** A character or block device's number (Linux's dev_t encoding, as st_rdev); 0 for other types. */
  rdev: number;
  /** INODE_* flags. */
  flags: number;
  size: number;
  /** Nanoseconds since the epoch (util/file-time.ts). */
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  /** A symlink's target; empty for other types. */
  target: string;
}

export type Op =
  | { kind: 'inode'; attrs: InodeAttrs }
  | { kind: 'free'; ino: number }
  | { kind: 'link'; parent: number; name: string; ino: number }
  | { kind: 'unlink'; parent: number; name: string }
  | { kind: 'map'; ino: number; lblk: number; pblk: number; len: number }
  | { kind: 'punch'; ino: number; lblk: number }
  | { kind: 'unmap'; ino: number; lblk: number; len: number };

const TAG = { inode: 1, free: 2, link: 3, unlink: 4, map: 5, punch: 6, unmap: 7 } as const;
const TIME_BYTES = 8 + 4;

/** Bytes a record takes on the image, for the metadata space budget (ENOSPC before a checkpoint overflows). */
export const RECORD_BYTES = {
  inode: (targetBytes: number): number => 1 + 8 + 16 + 8 + 8 + 3 * TIME_BYTES + 2 + targetBytes,
  link: (nameBytes: number): number => 1 + 16 + 1 + nameBytes,
  map: 1 + 8 + 8 + 8 + 4,
};

/** A growable little-endian byte writer (a DataView: much cheaper per field than Buffer's methods). */
class Writer {
  buf = Buffer.allocUnsafe(64 * 1024);
  view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
    this.view = new DataView(bigger.buffer, bigger.byteOffset, bigger.length);
  }
  u8(v: number): void { this.room(1); this.buf[this.at++] = v; }
  u32(v: number): void { this.room(4); this.view.setUint32(this.at, v, true); this.at += 4; }
  f64(v: number): void { this.room(8); this.view.setFloat64(this.at, v, true); this.at += 8; }
  time(ns: bigint): void {
    const { sec, nsec } = splitTime(ns);
    this.room(TIME_BYTES);
    this.view.setBigInt64(this.at, sec, true);
    this.view.setUint32(this.at + 8, nsec, true);
    this.at += TIME_BYTES;
  }
  str(v: string, lenBytes: 1 | 2): void {
    this.room(lenBytes + v.length * 3);
    const start = this.at + lenBytes;
    let n = 0;
    // ASCII, the common case, byte by byte (far cheaper than Buffer.write for short names).
    for (; n < v.length; n++) {
      const c = v.charCodeAt(n);
      if (c >= 0x80) break;
      this.buf[start + n] = c;
    }
    if (n < v.length) n = this.buf.write(v, start);
    if (lenBytes === 1) this.buf[this.at] = n; else this.view.setUint16(this.at, n, true);
    this.at += lenBytes + n;
  }
}

export function encodeOps(ops: Iterable<Op>): Buffer {
  const w = new Writer();
  for (const op of ops) {
    w.u8(TAG[op.kind]);
    switch (op.kind) {
      case 'inode': {
        const a = op.attrs;
        w.f64(a.ino); w.u32(a.mode); w.u32(a.nlink); w.u32(a.uid); w.u32(a.gid); w.u32(a.rdev); w.u32(a.flags);
        w.f64(a.size); w.time(a.atimeNs); w.time(a.mtimeNs); w.time(a.ctimeNs); w.str(a.target, 2);
        break;
      }
      case 'free': w.f64(op.ino); break;
      case 'link': w.f64(op.parent); w.f64(op.ino); w.str(op.name, 1); break;
      case 'unlink': w.f64(op.parent); w.str(op.name, 1); break;
      case 'map': w.f64(op.ino); w.f64(op.lblk); w.f64(op.pblk); w.u32(op.len); break;
      case 'punch': w.f64(op.ino); w.f64(op.lblk); break;
      case 'unmap': w.f64(op.ino); w.f64(op.lblk); w.f64(op.len); break;
    }
  }
  return w.buf.subarray(0, w.at);
}

/**
 * Decode a payload written in format `version`; throws on anything malformed (the caller has checked
 * its CRC, so that means a bug or damage).
 */
export function* decodeOps(buf: Buffer, version = FORMAT_VERSION): Generator<Op> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  let at = 0;
  const need = (n: number): void => {
    if (at + n > buf.length) throw new Error(`record truncated at byte ${at}`);
  };
  const u32 = (): number => { need(4); at += 4; return view.getUint32(at - 4, true); };
  const f64 = (): number => { need(8); at += 8; return view.getFloat64(at - 8, true); };
  const nsTime = (): bigint => {
    need(TIME_BYTES);
    at += TIME_BYTES;
    const nsec = view.getUint32(at - 4, true);
    if (nsec >= 1e9) throw new Error(`bad nanoseconds ${nsec} at byte ${at - 4}`);
    return view.getBigInt64(at - TIME_BYTES, true) * NSEC_PER_SEC + BigInt(nsec);
  };
  const time = version === MS_TIMES_VERSION ? (): bigint => nsFromMs(f64()) : nsTime;
  const hasRdev = version > NO_RDEV_VERSION;
  const str = (lenBytes: 1 | 2): string => {
    need(lenBytes);
    const n = lenBytes === 1 ? buf[at]! : view.getUint16(at, true);
    at += lenBytes;
    need(n);
    at += n;
    return buf.toString('utf8', at - n, at);
  };
  while (at < buf.length) {
    const tag = buf[at++];
    switch (tag) {
      case TAG.inode: {
        const ino = f64(), mode = u32(), nlink = u32(), uid = u32(), gid = u32();
        const rdev = hasRdev ? u32() : 0, flags = hasRdev ? u32() : 0;
        const size = f64(), atimeNs = time(), mtimeNs = time(), ctimeNs = time(), target = str(2);
        yield { kind: 'inode', attrs: { ino, mode, nlink, uid, gid, rdev, flags, size, atimeNs, mtimeNs, ctimeNs, target } };
        break;
      }
      case TAG.free: yield { kind: 'free', ino: f64() }; break;
      case TAG.link: { const parent = f64(), ino = f64(); yield { kind: 'link', parent, ino, name: str(1) }; break; }
      case TAG.unlink: { const parent = f64(); yield { kind: 'unlink', parent, name: str(1) }; break; }
      case TAG.map: { const ino = f64(), lblk = f64(), pblk = f64(); yield { kind: 'map', ino, lblk, pblk, len: u32() }; break; }
      case TAG.punch: { const ino = f64(); yield { kind: 'punch', ino, lblk: f64() }; break; }
      case TAG.unmap: {
        if (!hasRdev) throw new Error(`unknown record type ${tag} at byte ${at - 1}`);
        const ino = f64(), lblk = f64();
        yield { kind: 'unmap', ino, lblk, len: f64() };
        break;
      }
      default: throw new Error(`unknown record type ${tag} at byte ${at - 1}`);
    }
  }
}
