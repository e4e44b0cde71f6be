/**
 * The task a request comes from (the kernel transport passes the caller's ids with each request),
 * and the owner and mode a new inode gets from it, as inode_init_owner() decides them.
 */
import { constants } from 'node:fs';
import type { Attr } from '../fs/api.js';

const { S_IFMT, S_IFDIR, S_IXGRP } = constants;
const S_ISUID = 0o4000;
const S_ISGID = 0o2000;

export interface Caller {
  uid: number;
  gid: number;
  pid: number;
}

/** mirrors inode_init_owner(): a setgid directory passes on its group (and, to directories, the bit). */
export function initOwner(dir: Attr, mode: number, caller: Caller): { mode: number; uid: number; gid: number } {
  if (!(dir.mode & S_ISGID)) return { mode, uid: caller.uid, gid: caller.gid };
  const isDir = (mode & S_IFMT) === S_IFDIR;
  // A file's setgid bit survives only for a member of the group (supplementary groups are not
  // passed by FUSE: the caller's own gid, or root, counts).
  const keepsSgid = isDir || caller.gid === dir.gid || caller.uid === 0;
  const sgid = isDir ? mode | S_ISGID : keepsSgid ? mode : mode & ~S_ISGID;
  return { mode: sgid, uid: caller.uid, gid: dir.gid };
}

/** mirrors should_remove_suid(): the bits a write by a task without CAP_FSETID clears: suid, and sgid on a group-executable. */
export function suidgidToKill(mode: number): number {
  return mode & (S_ISUID | (mode & S_IXGRP ? S_ISGID : 0));
}
