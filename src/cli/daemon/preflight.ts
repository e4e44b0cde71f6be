/** Checks made before anything is mounted, so that bad arguments fail with a clear message. */
import { readdir, realpath, stat } from 'node:fs/promises';
import { findMount } from '../../util/mountinfo.js';
import { UsageError } from '../usage-error.js';

/** The image must be an existing regular file (its content is checked when it is opened). */
export async function checkImage(image: string): Promise<string> {
  const info = await stat(image).catch(() => null);
  if (!info) throw new UsageError(`no such image: ${image} (create one with: coherefs mkfs ${image} --size 1G)`);
  if (!info.isFile()) throw new UsageError(`not an image file: ${image}`);
  return realpath(image);
}

/** The mountpoint must be an existing, empty directory that nothing is mounted on. */
export async function checkMountpoint(mountpoint: string): Promise<string> {
  const info = await stat(mountpoint).catch(() => null);
  if (!info) throw new UsageError(`no such mountpoint: ${mountpoint}`);
  if (!info.isDirectory()) throw new UsageError(`mountpoint is not a directory: ${mountpoint}`);
  const real = await realpath(mountpoint);
  const mounted = await findMount(real);
  if (mounted) throw new UsageError(`mountpoint is busy: ${real} already has a ${mounted.fstype} mount`);
  // libfuse 2 refuses a non-empty directory itself, but only after the daemon has started.
  if ((await readdir(real)).length > 0) throw new UsageError(`mountpoint is not empty: ${real} (the mount would hide its files)`);
  return real;
}
