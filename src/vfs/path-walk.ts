/**
 * Path walk (the kernel's link_path_walk, much reduced): fuse-native's high-level API names files by
 * path, and the kernel has already resolved symlinks and "..", so a walk is one lookup per component.
 */
import { constants } from 'node:fs';
import type { Filesystem } from '../fs/api.js';
import { ROOT_INO } from '../fs/api.js';
import { check } from '../util/errno.js';

const { S_IFMT, S_IFDIR } = constants;

export function splitPath(path: string): string[] {
  check(path.startsWith('/'), 'EINVAL', `not an absolute path: '${path}'`);
  return path.split('/').filter((part) => part !== '');
}

/** The inode number `path` names. Fails with ENOENT or ENOTDIR as the walk finds. */
export function walkPath(fs: Filesystem, path: string): number {
  let ino = ROOT_INO;
  for (const name of splitPath(path)) ino = fs.lookup(ino, name);
  return ino;
}

/** The parent directory's inode and the last component, for operations that create or remove names. */
export function walkParent(fs: Filesystem, path: string): { parent: number; name: string } {
  const parts = splitPath(path);
  const name = parts.pop();
  check(name !== undefined, 'EINVAL', 'the root has no parent');
  let parent = ROOT_INO;
  for (const part of parts) parent = fs.lookup(parent, part);
  return { parent, name };
}

/**
 * A name for each of `inos` that a name still reaches (the first found walking from the root), for
 * messages about files: an inode without a name left reads as "inode N (unlinked)".
 */
export function namesOf(fs: Filesystem, inos: readonly number[]): Map<number, string> {
  const wanted = new Set(inos);
  const names = new Map<number, string>();
  const walk = (dir: number, prefix: string): void => {
    for (const entry of fs.readdir(dir)) {
      const path = `${prefix}/${entry.name}`;
      if (wanted.has(entry.ino) && !names.has(entry.ino)) names.set(entry.ino, path);
      if ((entry.mode & S_IFMT) === S_IFDIR) walk(entry.ino, path);
    }
  };
  walk(ROOT_INO, '');
  for (const ino of inos) if (!names.has(ino)) names.set(ino, `inode ${ino} (unlinked)`);
  return names;
}
