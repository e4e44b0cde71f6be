/**
 * The processes using a mount, as `fuser -m` finds them: open files (by the mount id in
 * /proc/PID/fdinfo), working and root directories and executables (by path), and mapped files (by
 * device in /proc/PID/maps). Only /proc is read, never the mount itself, so a hung daemon cannot hang
 * the caller. Processes this user may not inspect are missed, as with fuser.
 */
import { readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { MountEntry } from './mountinfo.js';
import { commandOf, fdinfos, pids } from './procfs.js';

export interface MountUser {
  pid: number;
  /** The command line (shortened), or the command name when it has none. */
  command: string;
  /** What it uses: "/mnt/f (open for writing)", "cwd /mnt/d", "mapped /mnt/lib". */
  uses: string[];
}

const COMMAND_CHARS = 60;
const ACCESS = ['reading', 'writing', 'reading and writing'] as const;

const orNothing = <T>(promise: Promise<T>, nothing: T): Promise<T> => promise.catch(() => nothing);

function inside(path: string, mountpoint: string): boolean {
  return path === mountpoint || path.startsWith(`${mountpoint}/`);
}

async function openFiles(pid: number, mount: MountEntry): Promise<string[]> {
  const proc = join('/proc', String(pid));
  const uses: string[] = [];
  for (const { fd, info } of await fdinfos(pid)) {
    if (Number(/^mnt_id:\s*(\d+)/m.exec(info)?.[1]) !== mount.id) continue;
    const flags = parseInt(/^flags:\s*([0-7]+)/m.exec(info)?.[1] ?? '0', 8);
    const path = await orNothing(readlink(join(proc, 'fd', fd)), `fd ${fd}`);
    uses.push(`${path} (open for ${ACCESS[flags & 3] ?? 'reading'})`);
  }
  return uses;
}

async function placesAndMaps(pid: number, mount: MountEntry): Promise<string[]> {
  const proc = join('/proc', String(pid));
  const uses: string[] = [];
  for (const link of ['cwd', 'root', 'exe']) {
    const path = await orNothing(readlink(join(proc, link)), '');
    if (path && inside(path, mount.mountpoint)) uses.push(`${link} ${path}`);
  }
  const [major, minor] = mount.device.split(':').map(Number);
  const mapped = new Set<string>();
  for (const line of (await orNothing(readFile(join(proc, 'maps'), 'utf8'), '')).split('\n')) {
    // address perms offset dev inode path; dev is hex "major:minor".
    const fields = line.trim().split(/\s+/);
    const [devMajor, devMinor] = (fields[3] ?? '').split(':').map((hex) => parseInt(hex, 16));
    if (fields.length >= 6 && devMajor === major && devMinor === minor) mapped.add(fields.slice(5).join(' '));
  }
  return [...uses, ...[...mapped].map((path) => `mapped ${path}`)];
}

/** Every process (this one included) that keeps `mount` busy. */
export async function mountUsers(mount: MountEntry): Promise<MountUser[]> {
  const users: MountUser[] = [];
  for (const pid of await pids()) {
    const uses = [...(await openFiles(pid, mount)), ...(await placesAndMaps(pid, mount))];
    if (uses.length > 0) users.push({ pid, command: (await commandOf(pid, COMMAND_CHARS)) || '?', uses });
  }
  return users;
}

/** "pid 12 (python3 w.py): /mnt/f (open for writing)", one line per process. */
export function describeMountUsers(users: MountUser[]): string {
  return users.map((user) => `pid ${user.pid} (${user.command}): ${user.uses.join(', ')}`).join('\n');
}
