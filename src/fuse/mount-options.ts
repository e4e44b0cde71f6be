/**
 * The mount options coherefs hands to libfuse 2 through fuse-native.
 *
 * fuse-native builds a `-o` string from a fixed set of constructor options (its `_fuseOptions()`);
 * libfuse options it does not know (`direct_io`, `max_write`, `use_ino`) are appended to that
 * string (see fuse-session.ts). Both the mount and the high-level library parse the same string.
 *
 * Measured on this machine (kernel 6.18, libfuse 2.9.9, fuse-native 2.2.6) with a scratch in-memory
 * daemon and dd/python on a mktemp mountpoint:
 * - The string that works: `-odefault_permissions,max_read=131072,fsname=coherefs,subtype=coherefs,
 *   direct_io,max_write=131072,use_ino,attr_timeout=0` (plus `allow_other` first when asked). mountinfo shows
 *   type `fuse.coherefs`, source `coherefs`.
 * - Request sizes: with direct_io, `dd bs=1M` arrives as 131072-byte reads and writes, buffered and
 *   O_DIRECT alike; `dd bs=4k` arrives as 4096-byte requests (no kernel readahead). Without direct_io
 *   a buffered 1 MiB dd arrives as 4096-byte writes (1024 of them for 4 MiB).
 * - Open flags: the handle's flags reach `open` intact: O_DIRECT (0x4000) shows, e.g. 0xc001 for
 *   `dd oflag=direct` (O_LARGEFILE|O_DIRECT|O_WRONLY). fuse-native's `create` receives only the mode,
 *   never the flags, so the daemon implements `mknod` and not `create`: the kernel then sends
 *   MKNOD followed by OPEN with the full flags.
 * - mmap on a direct_io file: MAP_SHARED fails with ENODEV (errno 19); MAP_PRIVATE works, and its first
 *   fault arrives as one 131072-byte read.
 * - O_DIRECT alignment is not enforced on FUSE: a 100-byte O_DIRECT pwrite at offset 3 from an
 *   unaligned buffer reaches the daemon as is. Refusing it (EINVAL) is the daemon's job.
 * - Unlink of an open file: with `hard_remove`, libfuse forgets the name at once and then refuses
 *   every READ on the still-open file with ENOENT before it reaches the daemon (fuse-native cannot set
 *   flag_nullpath_ok). Without it, libfuse renames the file to `.fuse_hiddenNNNN` while it is open
 *   and unlinks that name after the last release: the file stays readable until close, as POSIX says.
 * - use_ino: without it libfuse invents its own inode numbers, so two hard links show two st_ino.
 * - attr_timeout=0: libfuse's high-level API gives each name its own kernel inode, so the kernel's
 *   cached size of one hard link went stale (for libfuse's default 1 s) after a write through the
 *   other, and reads through it stopped at the old size. Attributes are therefore never cached.
 * - utimens: fuse-native 2.2.6 hands the access time over twice (fuse-native.c passes l->atime for
 *   both): the daemon never learns the mtime of utimes(2); `touch` (both times now) is unaffected.
 * - allow_other: as root, `allowOther: true` mounts with `allow_other` (mountinfo shows it); other users
 *   need `user_allow_other` in /etc/fuse.conf (commented out on this machine).
 * - `timeout: false` is a constructor option, not a mount option: without it fuse-native answers
 *   ETIMEDOUT after 15 s while the handler still runs (DESIGN.md §5).
 * - libfuse's own `debug` option is never passed: it prints its request trace as raw text from C
 *   into the daemon's JSON log. With -d the daemon logs each request and its answer itself
 *   (operations.ts).
 */
import type { FuseOptions } from 'fuse-native';

/** libfuse 2 negotiates protocol 7.19: 128 KiB is the largest request it can receive. */
export const MAX_REQUEST_BYTES = 128 * 1024;

/** Who speaks to the kernel: coherefs itself over /dev/fuse (the default where it can mount), or fuse-native over libfuse 2. */
export type Transport = 'libfuse' | 'kernel';
export const TRANSPORTS: readonly Transport[] = ['libfuse', 'kernel'];

export interface MountRequest {
  /** Unset: kernel where it can mount, else libfuse (api.ts). */
  transport?: Transport;
  /** Let other users see the mount (the kernel still checks modes: default_permissions). */
  allowOther?: boolean;
  /** The mount's source column in mountinfo (e.g. the image path); defaults to `coherefs`. */
  fsname?: string;
  /** Generic per-mount flags libfuse passes to mount(2): nosuid, nodev, noexec, noatime, sync, ... */
  kernelFlags?: readonly string[];
}

export interface MountOptions {
  /** What fuse-native's constructor takes. */
  binding: FuseOptions;
  /** libfuse options fuse-native cannot express, appended to its `-o` string. */
  appended: string[];
}

/** The fsname and kernel flags, refused when they could inject options. */
function checkedRequest(request: MountRequest): { fsname: string; kernelFlags: readonly string[] } {
  const fsname = request.fsname ?? 'coherefs';
  const kernelFlags = request.kernelFlags ?? [];
  const badFlag = kernelFlags.find((flag) => !/^[a-z]+$/.test(flag));
  if (badFlag !== undefined) throw new Error(`not a mount flag: '${badFlag}'`);
  if (!/^[^,\s\\]+$/.test(fsname)) throw new Error(`fsname may not contain commas, spaces or backslashes: '${fsname}'`);
  return { fsname, kernelFlags };
}

/** The one place that decides how coherefs mounts: same options for the daemon and the ceiling. */
export function buildMountOptions(request: MountRequest = {}): MountOptions {
  const { fsname, kernelFlags } = checkedRequest(request);
  return {
    binding: {
      timeout: false,
      defaultPermissions: true,
      allowOther: request.allowOther === true,
      maxRead: MAX_REQUEST_BYTES,
      fsname,
      subtype: 'coherefs',
    },
    appended: ['direct_io', `max_write=${MAX_REQUEST_BYTES}`, 'use_ino', 'attr_timeout=0', ...kernelFlags],
  };
}

/** Append options to fuse-native's `-o...` string (which is empty when it built no option). */
export function appendMountOptions(built: string, appended: readonly string[]): string {
  if (appended.length === 0) return built;
  if (built === '') return `-o${appended.join(',')}`;
  if (!built.startsWith('-o')) throw new Error(`unexpected fuse-native option string: '${built}'`);
  return `${built},${appended.join(',')}`;
}

/**
 * The kernel transport's mount(8) options (after fd=): the root is a directory, the mounting user
 * owns the connection, the kernel checks permissions (default_permissions, always), others see the
 * mount only with allow_other. Returns the source column too.
 */
export function buildKernelMountOptions(request: MountRequest, uid: number, gid: number): { source: string; options: string } {
  const { fsname, kernelFlags } = checkedRequest(request);
  const options = ['rootmode=40000', `user_id=${uid}`, `group_id=${gid}`, 'default_permissions'];
  if (request.allowOther === true) options.push('allow_other');
  return { source: fsname, options: [...options, ...kernelFlags].join(',') };
}
