/**
 * What /proc tells about the visible processes (this pid namespace): their pids, their open
 * descriptors' fdinfo, their command lines. Only procfs is read, so nothing here waits on another
 * filesystem, even a hung one. A process that ends, or that this user may not inspect, reads as empty.
 */
import { readdir, readFile } from 'node:fs/promises';

const orNothing = <T>(promise: Promise<T>, nothing: T): Promise<T> => promise.catch(() => nothing);

/** The visible processes, lowest pid first. */
export async function pids(): Promise<number[]> {
  return (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry)).map(Number).sort((a, b) => a - b);
}

export interface FdInfo {
  /** The descriptor number, as named in /proc/PID/fd. */
  fd: string;
  /** /proc/PID/fdinfo/FD: "pos:", "flags:", "mnt_id:", and one "lock:" line per lock it holds. */
  info: string;
}

/** The process's open descriptors with their fdinfo. */
export async function fdinfos(pid: number): Promise<FdInfo[]> {
  const fds = await orNothing(readdir(`/proc/${pid}/fdinfo`), []);
  const infos = await Promise.all(fds.map((fd) => orNothing(readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8'), '')));
  return fds.map((fd, i) => ({ fd, info: infos[i]! })).filter(({ info }) => info !== '');
}

/**
 * The process's command line, its arguments joined by single spaces (its command name when it has
 * none, as a kernel thread), cut to maxChars with "…"; '' once the process is gone.
 */
export async function commandOf(pid: number, maxChars: number): Promise<string> {
  const line = (await orNothing(readFile(`/proc/${pid}/cmdline`, 'utf8'), '')).split('\0').join(' ').replace(/\s+/g, ' ').trim();
  const command = line || (await orNothing(readFile(`/proc/${pid}/comm`, 'utf8'), '')).trim();
  return command.length > maxChars ? `${command.slice(0, maxChars - 1)}…` : command;
}

/** /proc/PID/comm: the thread's command name (a thread id works too); '' once it is gone. */
export async function commOf(pid: number): Promise<string> {
  return (await orNothing(readFile(`/proc/${pid}/comm`, 'utf8'), '')).trim();
}
