/**
 * A fuse-native mount with coherefs's options (mount-options.ts), mounted and unmounted as promises.
 * The FUSE loop runs on libfuse threads that hand each request to this process's one JS thread:
 * never touch the mountpoint synchronously from here (the request could not be served: deadlock).
 *
 * Unmounting is ours, not fuse-native's: its close runs `fusermount -uz`, a lazy unmount after which
 * a daemon that exits leaves every process still using a file with EIO. Here an unmount is umount(8)'s
 * (refused with EBUSY while something is open), or a lazy one whose end the owner waits for (`ended`),
 * or an abort (unmount-controls.ts, shared with the kernel transport); each runs fusermount in a child
 * process, so the JS thread keeps serving meanwhile. libfuse 2 tells the binding nothing when the
 * mount goes, so a poll of mountinfo and fusectl does.
 */
import { access, constants } from 'node:fs/promises';
import Fuse from 'fuse-native';
import type { FuseOperations } from 'fuse-native';
import { readMountinfo } from '../util/mountinfo.js';
import { appendMountOptions, buildMountOptions, type MountRequest } from './mount-options.js';
import { unmountControls, type FuseSession } from './unmount-controls.js';

export type { FuseSession } from './unmount-controls.js';

/** Why libfuse could not mount, when it is the device: libfuse itself only prints it to stderr. */
async function whyFuseFailed(): Promise<string> {
  const err = await access('/dev/fuse', constants.R_OK | constants.W_OK).then(() => undefined, (e: NodeJS.ErrnoException) => e);
  if (!err) return "fuse failed (libfuse's reason, when it gives one, is printed to stderr)";
  const reason = err.code === 'ENOENT' ? 'no such device (is the fuse module loaded?)' : err.code === 'EACCES' ? 'permission denied' : err.code;
  return `fuse failed: cannot open /dev/fuse: ${reason}`;
}

/** Mount `ops` on `mountpoint`; resolves once the kernel sent INIT (the mount is usable). */
export async function mountFuse(mountpoint: string, ops: FuseOperations, request: MountRequest = {}): Promise<FuseSession> {
  const { binding, appended } = buildMountOptions(request);

  class CoherefsFuse extends Fuse {
    protected override _fuseOptions(): string {
      return appendMountOptions(super._fuseOptions(), appended);
    }
  }

  const fuse = new CoherefsFuse(mountpoint, ops, binding);
  await new Promise<void>((resolve, reject) => fuse.mount((err) => (err ? reject(err) : resolve())))
    .catch(async (err: Error) => {
      throw err.message === 'fuse failed' ? new Error(await whyFuseFailed()) : err;
    });
  const entry = (await readMountinfo()).filter((mount) => mount.mountpoint === fuse.mnt && mount.fstype.startsWith('fuse')).pop();
  if (!entry) throw new Error(`${fuse.mnt}: mounted, but not in /proc/self/mountinfo`);
  return { mountpoint: fuse.mnt, ...(await unmountControls(fuse.mnt, entry)).session };
}
