/**
 * The kernel's FUSE control filesystem (fusectl, /sys/fs/fuse/connections): one directory per live
 * connection, named after the device number of its superblock. The kernel removes it when the
 * connection ends (fuse_conn_destroy): after the unmount, once the last file open on the mount has
 * closed; after that no request can arrive. Writing to its `abort` file ends the connection at once,
 * as a forced unmount does (fuse_abort_conn): pending and later requests fail with ENOTCONN.
 */
import { execFile } from 'node:child_process';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readMountinfo } from '../util/mountinfo.js';

const FUSECTL = '/sys/fs/fuse/connections';
const run = promisify(execFile);

/** The connection's directory name: the kernel's dev_t of "major:minor" (MKDEV), printed as %u. */
export function connectionName(device: string): string {
  const [major, minor] = device.split(':').map(Number);
  return String(major! * 2 ** 20 + minor!);
}

/**
 * Whether fusectl can be used, mounting it when it is not (as systemd does at boot; only root may).
 * Context: runs mount(8) in a child process, never touches a FUSE mount.
 */
export async function ensureFusectl(): Promise<boolean> {
  const mounted = async () => (await readMountinfo()).some((entry) => entry.fstype === 'fusectl' && entry.mountpoint === FUSECTL);
  if (await mounted()) return true;
  await run('mount', ['-t', 'fusectl', 'fusectl', FUSECTL]).catch(() => undefined);
  return mounted();
}

/** Whether the connection still exists (mounted, or detached with files still open on it). */
export async function connectionAlive(name: string): Promise<boolean> {
  return access(join(FUSECTL, name)).then(() => true, () => false);
}

/** End the connection now (a connection already gone is not an error). */
export async function abortConnection(name: string): Promise<void> {
  await writeFile(join(FUSECTL, name, 'abort'), '1').catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}
