/** The open(2) flags the vfs acts on (x86-64 Linux values, from Node's constants). */
import { constants } from 'node:fs';

export const O_ACCMODE = 0o3;
export const O_WRONLY = constants.O_WRONLY;
export const O_RDWR = constants.O_RDWR;
export const O_APPEND = constants.O_APPEND;
export const O_TRUNC = constants.O_TRUNC;
export const O_EXCL = constants.O_EXCL;
export const O_DIRECT = constants.O_DIRECT;

export function isWritable(flags: number): boolean {
  const access = flags & O_ACCMODE;
  return access === O_WRONLY || access === O_RDWR;
}
