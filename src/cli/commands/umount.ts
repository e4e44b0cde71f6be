/**
 * `coherefs umount MOUNTPOINT [--timeout S]`: asks the daemon to unmount, write back and release the image, and
 * returns when it has (so fsck or a new mount can follow at once). With no daemon answering (it was
 * killed), falls back to fusermount -u, then to a lazy unmount of the dead mount, and removes the
 * socket the dead daemon left behind. Gives up after --timeout seconds (the daemon may still be
 * writing back then: the default leaves room for a large dirty cache on a slow disk).
 */
import { realpath, rm } from 'node:fs/promises';
import { Command } from 'commander';
import { forceUnmount } from '../../util/daemon-mount.js';
import { findMount } from '../../util/mountinfo.js';
import { controlSocketPath, requestControl } from '../daemon/control-socket.js';
import { timeoutOption } from '../timeout-option.js';

const UMOUNT_TIMEOUT_SECONDS = 300;

async function unmountWithoutDaemon(mountpoint: string): Promise<void> {
  const real = await realpath(mountpoint);
  const socketPath = await controlSocketPath(real);
  const mount = await findMount(real);
  if (!mount) throw new Error(`${mountpoint} is not mounted`);
  // Never force an unmount of somebody else's filesystem (a mistyped path, a stale one).
  if (mount.fstype !== 'fuse.coherefs') throw new Error(`${mountpoint} is a ${mount.fstype} mount, not coherefs: not unmounting it`);
  await forceUnmount(real);
  if (await findMount(real)) throw new Error(`${mountpoint} is still mounted (busy?)`);
  await rm(socketPath, { force: true });
}

export function umountCommand(): Command {
  return new Command('umount')
    .description('flush and unmount a coherefs mount')
    .argument('<mountpoint>')
    .addOption(timeoutOption(UMOUNT_TIMEOUT_SECONDS, 'the daemon to write back and unmount'))
    .action(async (mountpoint: string, flags: { timeout: number }) => {
      try {
        await requestControl(mountpoint, { op: 'unmount' }, flags.timeout * 1000);
      } catch (err) {
        if (!/no coherefs daemon/.test((err as Error).message)) throw err;
        await unmountWithoutDaemon(mountpoint);
      }
    });
}
