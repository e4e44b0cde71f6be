/**
 * `coherefs umount MOUNTPOINT [--lazy | --force] [--timeout S]`: asks the daemon to unmount, write
 * back and release the image, and returns when it has (so fsck or a new mount can follow at once).
 * - A mount in use is refused, as umount(8) refuses it (EBUSY, exit 1), naming the processes using it.
 * - --lazy detaches it at once (returns then); the daemon finishes after the last file on it closes.
 * - --force aborts the connection: processes using the mount get ENOTCONN; what reached the daemon is
 *   written back. A daemon that does not answer within --timeout has its connection aborted from here.
 * With no daemon answering (it was killed), falls back to fusermount -u, then to a lazy unmount of the
 * dead mount, and removes the socket the dead daemon left behind. Gives up after --timeout seconds
 * (the daemon may still be writing back then: the default leaves room for a large dirty cache on a
 * slow disk).
 */
import { realpath, rm } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { abortConnection, connectionName, ensureFusectl } from '../../fuse/fusectl.js';
import { forceUnmount } from '../../util/daemon-mount.js';
import { describeMountUsers, mountUsers, type MountUser } from '../../util/mount-users.js';
import { findMount, type MountEntry } from '../../util/mountinfo.js';
import { controlSocketPath, requestControl, type UnmountMode } from '../daemon/control-socket.js';
import { timeoutOption } from '../timeout-option.js';

const UMOUNT_TIMEOUT_SECONDS = 300;

/** The coherefs mount on `real`; a mistyped or foreign path is refused, never unmounted. */
async function coherefsMount(mountpoint: string, real: string): Promise<MountEntry> {
  const mount = await findMount(real);
  if (!mount) throw new Error(`${mountpoint} is not mounted`);
  if (mount.fstype !== 'fuse.coherefs') throw new Error(`${mountpoint} is a ${mount.fstype} mount, not coherefs: not unmounting it`);
  return mount;
}

/** Who uses the coherefs mount on `real` (nobody that can be seen, once it is detached). */
async function usersOf(real: string): Promise<MountUser[]> {
  const mount = await findMount(real);
  return mount?.fstype === 'fuse.coherefs' ? mountUsers(mount) : [];
}

async function unmountWithoutDaemon(mountpoint: string, real: string): Promise<void> {
  await coherefsMount(mountpoint, real);
  await forceUnmount(real);
  if (await findMount(real)) throw new Error(`${mountpoint} is still mounted (busy?)`);
  await rm(await controlSocketPath(real), { force: true });
}

/** --force on a daemon that does not answer: end its connection from here and clear the mount. */
async function abortFromHere(mountpoint: string, mount: MountEntry, why: Error): Promise<void> {
  if (!(await ensureFusectl())) throw new Error(`${why.message}; cannot abort the connection: fusectl is not mounted`);
  await abortConnection(connectionName(mount.device));
  await forceUnmount(mount.mountpoint);
  process.stderr.write(`coherefs: ${why.message}: aborted its connection and removed ${mountpoint}; what the daemon had not written back is lost\n`);
}

export function umountCommand(): Command {
  return new Command('umount')
    .description('flush and unmount a coherefs mount')
    .argument('<mountpoint>')
    .addOption(new Option('-l, --lazy', 'detach now; write back and release the image once the last file on it closes').conflicts('force'))
    .addOption(new Option('-f, --force', 'abort the connection (processes using the mount get ENOTCONN) after writing back what reached the daemon'))
    .addOption(timeoutOption(UMOUNT_TIMEOUT_SECONDS, 'the daemon to write back and unmount'))
    .action(async (mountpoint: string, flags: { lazy?: boolean; force?: boolean; timeout: number }) => {
      const mode: UnmountMode = flags.force ? 'force' : flags.lazy ? 'lazy' : 'normal';
      const real = await realpath(mountpoint);
      // Scanned before the abort, which is what ends their use of it.
      const before = mode === 'force' ? await usersOf(real) : [];
      try {
        await requestControl(real, { op: 'unmount', mode }, flags.timeout * 1000);
      } catch (err) {
        const { code, message } = err as NodeJS.ErrnoException;
        if (code === 'EBUSY') {
          const users = describeMountUsers(await usersOf(real));
          throw new Error(`${mountpoint} is busy (EBUSY), in use by:\n${users || '(processes this user cannot inspect)'}\n`
            + 'close them, or: coherefs umount --lazy (finishes after the last close), --force (aborts them)');
        }
        if (/did not answer/.test(message) && mode === 'force') return abortFromHere(mountpoint, await coherefsMount(mountpoint, real), err as Error);
        if (!/no coherefs daemon/.test(message)) throw err;
        return unmountWithoutDaemon(mountpoint, real);
      }
      if (before.length > 0) {
        process.stderr.write(`coherefs: aborted; these processes had the mount in use and get ENOTCONN from now on:\n${describeMountUsers(before)}\n`);
      }
    });
}
