/**
 * A small tmpfs in a mktemp directory: a host filesystem that fills up, for the tests of images on
 * a full host. Needs root; `remove()` unmounts it (lazily if busy) and deletes the directory.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface SmallHost {
  /** The tmpfs mountpoint. */
  path: string;
  remove(): Promise<void>;
}

export async function smallHost(size: string): Promise<SmallHost> {
  const dir = await mkdtemp(join(tmpdir(), 'coherefs-host-'));
  const path = join(dir, 'host');
  await mkdir(path);
  const remove = async (): Promise<void> => {
    await exec('umount', [path]).catch(() => exec('umount', ['-l', path]).catch(() => undefined));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await exec('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path]);
  } catch (err) {
    await remove();
    throw err;
  }
  return { path, remove };
}
