/**
 * `coherefs umount MOUNTPOINT`: asks the daemon to unmount, write back and release the image, and
 * returns when it has (so fsck or a new mount can follow at once). With no daemon answering (it was
 * killed), falls back to fusermount -u, then to a lazy unmount of the dead mount, and removes the
 * socket the dead daemon left behind.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { controlSocketPath, requestControl } from '../daemon/control-socket.js';

const run = promisify(execFile);

async function unmountWithoutDaemon(mountpoint: string): Promise<void> {
  const socketPath = await controlSocketPath(mountpoint);
  try {
    await run('fusermount', ['-u', mountpoint]);
  } catch {
    await run('umount', ['-l', mountpoint]);
  }
  await rm(socketPath, { force: true });
}

export function umountCommand(): Command {
  return new Command('umount')
    .description('flush and unmount a coherefs mount')
    .argument('<mountpoint>')
    .action(async (mountpoint: string) => {
      try {
        await requestControl(mountpoint, { op: 'unmount' });
      } catch (err) {
        if (!/no coherefs daemon/.test((err as Error).message)) throw err;
        await unmountWithoutDaemon(mountpoint);
      }
    });
}
