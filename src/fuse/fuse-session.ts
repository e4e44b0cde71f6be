/**
 * A fuse-native mount with coherefs's options (mount-options.ts), mounted and unmounted as promises.
 * The FUSE loop runs on libfuse threads that hand each request to this process's one JS thread:
 * never touch the mountpoint synchronously from here (the request could not be served: deadlock).
 *
 * Unmounting is ours, not fuse-native's: its close runs `fusermount -uz`, a lazy unmount after which
 * a daemon that exits leaves every process still using a file with EIO. Here an unmount is umount(8)'s
 * (refused with EBUSY while something is open), or a lazy one whose end the owner waits for (`ended`),
 * or an abort; each runs fusermount in a child process, so the JS thread keeps serving meanwhile.
 * libfuse 2 tells the binding nothing when the mount goes, so a poll of mountinfo and fusectl does.
 */
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import Fuse from 'fuse-native';
import type { FuseOperations } from 'fuse-native';
import { FsError } from '../util/errno.js';
import { readMountinfo, type MountEntry } from '../util/mountinfo.js';
import { abortConnection, connectionAlive, connectionName, ensureFusectl } from './fusectl.js';
import { appendMountOptions, buildMountOptions, type MountRequest } from './mount-options.js';

const WATCH_MS = 500;

export interface FuseSession {
  readonly mountpoint: string;
  /** umount(8): rejects with an EBUSY FsError while a file, a cwd or a mapping on the mount is in use. */
  unmount(): Promise<void>;
  /**
   * umount -l: out of the namespace now; the connection is served until the last file on it closes,
   * then `ended` resolves. Rejects when fusectl is missing (that end could not be seen).
   */
  detach(): Promise<void>;
  /** umount -f: detach, then end the connection at once (open files fail with ENOTCONN from then on); `ended` resolves. */
  abort(): Promise<void>;
  /** Resolves once the mount has left the namespace: by one of the above, or from outside. */
  readonly detached: Promise<void>;
  /**
   * Resolves once the connection has ended: detached and nothing open on it any more, so no request
   * will come. Without fusectl, as soon as it is detached.
   */
  readonly ended: Promise<void>;
}

/** fusermount ARGS in a child process; its own message when it fails, EBUSY as an FsError. */
function fusermount(args: string[], mountpoint: string): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile('fusermount', [...args, mountpoint], (err, _stdout, stderr) => {
      if (!err) return resolve();
      const message = stderr.trim().replace(/^fusermount: /, '') || err.message;
      reject(/busy/i.test(message) ? new FsError('EBUSY', `${mountpoint} is busy`) : new Error(message));
    }),
  );
}

/** Why libfuse could not mount, when it is the device: libfuse itself only prints it to stderr. */
async function whyFuseFailed(): Promise<string> {
  const err = await access('/dev/fuse', constants.R_OK | constants.W_OK).then(() => undefined, (e: NodeJS.ErrnoException) => e);
  if (!err) return "fuse failed (libfuse's reason, when it gives one, is printed to stderr)";
  const reason = err.code === 'ENOENT' ? 'no such device (is the fuse module loaded?)' : err.code === 'EACCES' ? 'permission denied' : err.code;
  return `fuse failed: cannot open /dev/fuse: ${reason}`;
}

/**
 * Polls until the mount `entry` has left mountinfo, then until its fusectl entry is gone; `end` is
 * for an abort, after which no request arrives though the entry stays until the last close.
 */
function watchMount(entry: MountEntry, fusectl: boolean): { detached: Promise<void>; ended: Promise<void>; end: () => void } {
  let detach!: () => void;
  let end!: () => void;
  const detached = new Promise<void>((resolve) => (detach = resolve));
  const ended = new Promise<void>((resolve) => (end = () => {
    clearInterval(timer);
    resolve();
  }));
  const connection = connectionName(entry.device);
  let gone = false;
  const timer = setInterval(() => {
    void (async () => {
      if (!gone) {
        gone = !(await readMountinfo()).some((mount) => mount.id === entry.id);
        if (gone) detach();
      }
      if (gone && !(fusectl && (await connectionAlive(connection)))) end();
    })().catch(() => undefined);
  }, WATCH_MS);
  return { detached, ended, end };
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
  const fusectl = await ensureFusectl();
  const { detached, ended, end } = watchMount(entry, fusectl);
  const connection = connectionName(entry.device);
  const inNamespace = async () => (await readMountinfo()).some((mount) => mount.id === entry.id);
  const needFusectl = (what: string): void => {
    if (!fusectl) throw new Error(`${what} needs fusectl: mount -t fusectl none /sys/fs/fuse/connections`);
  };
  return {
    mountpoint: fuse.mnt,
    detached,
    ended,
    // Each checks the mount is still this one: fusermount goes by path, and the path may hold a newer mount.
    async unmount() {
      if (!(await inNamespace())) return;
      await fusermount(['-u'], fuse.mnt);
      // Not busy, so no file was open: ended, even if a copy of the mount in another mount namespace
      // keeps the connection (and its fusectl entry) alive.
      end();
    },
    async detach() {
      needFusectl('a lazy unmount');
      if (await inNamespace()) await fusermount(['-u', '-z'], fuse.mnt);
    },
    async abort() {
      needFusectl('aborting the connection');
      if (await inNamespace()) await fusermount(['-u', '-z'], fuse.mnt);
      await abortConnection(connection);
      end();
    },
  };
}
