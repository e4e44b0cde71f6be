/**
 * A FUSE daemon run as a child process in its own process group: start it, wait until its mount
 * shows in /proc/self/mountinfo, and tear it down whatever state it is in (serving, hung, dead).
 * Used by the integration tests, the benchmark and the demonstrations; a signal that ends the process
 * using it tears down every daemon still running (cleanup-on-signal.ts).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, realpath, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cleanUpOnSignal } from './cleanup-on-signal.js';
import { findMount } from './mountinfo.js';

const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface DaemonMountOptions {
  /** The daemon command; `{mountpoint}` in args is replaced by the mountpoint. */
  command: string;
  args: string[];
  /** A mountpoint to use; default: a fresh mktemp directory, removed at teardown. */
  mountpoint?: string;
  /** How long to wait for the mount to appear (default 15 s). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface DaemonMount {
  readonly mountpoint: string;
  readonly pid: number;
  /** Everything the daemon wrote to stderr so far. */
  stderr(): string;
  /** The daemon's exit code once it has exited by itself; null while it runs or after a signal killed it. */
  exitCode(): number | null;
  /**
   * End the daemon (SIGTERM, so it flushes and unmounts itself; after 10 s: unmount, SIGKILL) and clear
   * its mount (fusermount -u, else umount -l); safe to call more than once and after the daemon died.
   */
  teardown(): Promise<void>;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await sleep(50);
  }
  return condition();
}

/** Unmount a FUSE mount: politely, else lazily (busy or dead daemon: `umount -l`). */
export async function forceUnmount(mountpoint: string): Promise<void> {
  if (!(await findMount(mountpoint))) return;
  await run('fusermount', ['-u', mountpoint]).catch(() => run('umount', ['-l', mountpoint]).catch(() => undefined));
  if (await findMount(mountpoint)) await run('umount', ['-l', mountpoint]).catch(() => undefined);
}

/** Signal the daemon's whole process group (it may have spawned helpers such as fusermount). */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || exited(child)) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

export async function startDaemonMount(options: DaemonMountOptions): Promise<DaemonMount> {
  const ownDir = options.mountpoint === undefined;
  const mountpoint = await realpath(options.mountpoint ?? (await mkdtemp(join(tmpdir(), 'coherefs-mnt-'))));
  const args = options.args.map((arg) => arg.replaceAll('{mountpoint}', mountpoint));
  const child = spawn(options.command, args, {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: options.env ?? process.env,
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

  let tornDown: Promise<void> | undefined;
  // The daemon is in its own process group: a Ctrl-C of the tool does not reach it, this does.
  const forget = cleanUpOnSignal(() => teardown());
  const teardown = (): Promise<void> =>
    (tornDown ??= (async () => {
      // SIGTERM first: the daemon's own shutdown writes back, commits and unmounts.
      signalGroup(child, 'SIGTERM');
      if (!(await waitFor(() => exited(child), 10_000))) {
        await forceUnmount(mountpoint);
        signalGroup(child, 'SIGKILL');
        await waitFor(() => exited(child), 5000);
      }
      await forceUnmount(mountpoint);
      if (ownDir) await rmdir(mountpoint).catch(() => undefined);
      forget();
    })());

  const mounted = await Promise.race([
    waitFor(async () => exited(child) || (await findMount(mountpoint))?.fstype.startsWith('fuse') === true, options.timeoutMs ?? 15_000),
    spawnError.then((err) => {
      stderr += `\n${err.message}`;
      return false;
    }),
  ]);
  if (!mounted || exited(child) || child.pid === undefined) {
    await teardown();
    throw new Error(`daemon '${options.command} ${args.join(' ')}' did not mount ${mountpoint}:\n${stderr}`);
  }
  const pid = child.pid;
  return { mountpoint, pid, stderr: () => stderr, exitCode: () => child.exitCode, teardown };
}

/** The crash: SIGKILL the daemon's process group, then clear the dead mount it leaves behind. */
export async function killDaemon9(mount: DaemonMount): Promise<void> {
  try {
    process.kill(-mount.pid, 'SIGKILL');
  } catch {
    // already dead
  }
  await waitForExit(mount.pid, 5000);
  await forceUnmount(mount.mountpoint);
}

/** Wait until process `pid` is gone (true), or `timeoutMs` passed (false). */
export function waitForExit(pid: number, timeoutMs = 15_000): Promise<boolean> {
  return waitFor(() => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }, timeoutMs);
}
