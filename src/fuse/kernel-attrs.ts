/**
 * Attributes between the Vfs and the FUSE wire: Attr to fuse_attr and fuse_entry_out (times split
 * into seconds and nanoseconds), and SETATTR's valid bits to a Vfs change.
 */
import type { Attr } from '../fs/api.js';
import type { InodeSetAttr } from '../vfs/api.js';
import { NSEC_PER_SEC, currentTime, splitTime } from '../util/file-time.js';
import { Fattr } from './kernel/flags.js';
import type * as S from './kernel/structs.js';

/** How long the kernel may trust a name or attributes: every change goes through it, which updates its view. */
const ENTRY_VALID_S = 1;
export const ATTR_VALID_S = 1;
const BLKSIZE = 4096;
/** The attributes of no node (a READDIRPLUS entry without a lookup). */
export const NO_ATTR: Attr = { ino: 0, mode: 0, nlink: 0, uid: 0, gid: 0, rdev: 0, size: 0, blocks: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n };

/** Nanoseconds since the epoch from a timespec's two fields. */
function joinTime(sec: number, nsec: number): bigint {
  return BigInt(sec) * NSEC_PER_SEC + BigInt(nsec);
}

export function fuseAttr(a: Attr): S.FuseAttr {
  const [atime, mtime, ctime] = [a.atimeNs, a.mtimeNs, a.ctimeNs].map(splitTime);
  return {
    ino: a.ino, size: a.size, blocks: a.blocks,
    atime: Number(atime!.sec), mtime: Number(mtime!.sec), ctime: Number(ctime!.sec),
    atimensec: atime!.nsec, mtimensec: mtime!.nsec, ctimensec: ctime!.nsec,
    mode: a.mode, nlink: a.nlink, uid: a.uid, gid: a.gid, rdev: a.rdev, blksize: BLKSIZE, flags: 0,
  };
}

export function entryOf(attr: Attr): S.EntryOut {
  return { nodeid: attr.ino, generation: 0, entryValid: ENTRY_VALID_S, attrValid: ATTR_VALID_S, entryValidNsec: 0, attrValidNsec: 0, attr: fuseAttr(attr) };
}

/** SETATTR's valid bits as a Vfs change; *_NOW means the daemon's clock. */
export function setattrChanges(arg: S.SetattrIn, now = currentTime()): InodeSetAttr {
  const has = (bit: number): boolean => (arg.valid & bit) !== 0;
  const time = (set: number, setNow: number, sec: number, nsec: number): bigint | undefined =>
    has(setNow) ? now : has(set) ? joinTime(sec, nsec) : undefined;
  return {
    mode: has(Fattr.MODE) ? arg.mode : undefined,
    uid: has(Fattr.UID) ? arg.uid : undefined,
    gid: has(Fattr.GID) ? arg.gid : undefined,
    size: has(Fattr.SIZE) ? arg.size : undefined,
    atimeNs: time(Fattr.ATIME, Fattr.ATIME_NOW, arg.atime, arg.atimensec),
    mtimeNs: time(Fattr.MTIME, Fattr.MTIME_NOW, arg.mtime, arg.mtimensec),
    killSuidgid: has(Fattr.KILL_SUIDGID),
  };
}
