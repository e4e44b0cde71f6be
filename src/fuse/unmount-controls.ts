/**
 * Taking a FUSE mount out of the namespace, for both transports: umount(8)'s refusal while busy
 * (EBUSY), a lazy detach whose end the owner waits for, an abort through fusectl; each by fusermount in
 * a child process (never synchronously: the mountpoint is served by this process). A poll of
 * mountinfo and fusectl sees the mount leave and its connection end, whoever unmounted it.
 */
import { execFile } from 'node:child_process';
import { FsError } from '../util/errno.js';
import { readMountinfo, type MountEntry } from '../util/mountinfo.js';
import { abortConnection, connectionAlive, connectionName, ensureFusectl } from './fusectl.js';

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
  /**
   * The transport's own counters, for `coherefs stats` (the kernel transport's): writesInFlightPeak,
   * the most WRITE requests of one file the kernel had outstanding at once.
   */
  counters?(): Record<string, number>;
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

/**
 * Polls until the mount `entry` has left mountinfo, then until its fusectl entry is gone; `end` is
 * for an abort, after which no request arrives though the entry stays until the last close, and for
 * a transport that learns of the end first.
 */
function watchMount(entry: MountEntry, fusectl: boolean): { detached: Promise<void>; ended: Promise<void>; end: () => void } {
  let detach!: () => void;
  let end!: () => void;
  const detached = new Promise<void>((resolve) => (detach = resolve));
  const ended = new Promise<void>((resolve) => (end = () => {
    clearInterval(timer);
    // A connection that ended has left the namespace too, whether or not a poll saw it go.
    detach();
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

/**
 * The unmount calls and watches of the mount `entry` on `mountpoint`. `end` is for a transport that
 * learns of the connection's end first (the kernel transport's ENODEV).
 */
export async function unmountControls(mountpoint: string, entry: MountEntry): Promise<{ session: Omit<FuseSession, 'mountpoint'>; end: () => void }> {
  const fusectl = await ensureFusectl();
  const { detached, ended, end } = watchMount(entry, fusectl);
  const connection = connectionName(entry.device);
  const inNamespace = async () => (await readMountinfo()).some((mount) => mount.id === entry.id);
  const needFusectl = (what: string): void => {
    if (!fusectl) throw new Error(`${what} needs fusectl: mount -t fusectl none /sys/fs/fuse/connections`);
  };
  const session = {
    detached,
    ended,
    // Each checks the mount is still this one: fusermount goes by path, and the path may hold a newer mount.
    async unmount() {
      if (!(await inNamespace())) return;
      await fusermount(['-u'], mountpoint);
      // Not busy, so no file was open: ended, even if a copy of the mount in another mount namespace
      // keeps the connection (and its fusectl entry) alive.
      end();
    },
    async detach() {
      needFusectl('a lazy unmount');
      if (await inNamespace()) await fusermount(['-u', '-z'], mountpoint);
    },
    async abort() {
      needFusectl('aborting the connection');
      if (await inNamespace()) await fusermount(['-u', '-z'], mountpoint);
      await abortConnection(connection);
      end();
    },
  };
  return { session, end };
}
