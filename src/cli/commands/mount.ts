/**
 * `coherefs mount IMAGE MOUNTPOINT [-f] [-d] [-o options] [--timeout S]`: without -f, a background
 * daemon is started and the command returns once the mount is ready (or prints why it could not
 * mount). A daemon not ready within --timeout seconds is stopped, and its mount cleared if it made one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, fstatSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Command } from 'commander';
import { forceUnmount, waitForExit } from '../../util/daemon-mount.js';
import { createLogger } from '../../util/logger.js';
import { findMount } from '../../util/mountinfo.js';
import { openDaemonLog } from '../daemon/daemon-log.js';
import { parseMountOptions, type MountConfig } from '../daemon/mount-config.js';
import { checkImage, checkMountpoint } from '../daemon/preflight.js';
import { runDaemon } from '../daemon/run-daemon.js';
import { ensureRuntimeDir } from '../daemon/runtime-dir.js';
import { timeoutOption } from '../timeout-option.js';

/** The background daemon tells its parent on this fd: "ready", or the error that stopped it. */
const READY_FD = 3;
/** Opening an image and mounting take well under a second; a daemon this slow is stuck. */
const READY_TIMEOUT_SECONDS = 30;
/** How long a daemon that was not ready gets to undo its setup on SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5000;

interface MountFlags {
  foreground?: boolean;
  debug?: boolean;
  options?: string;
  timeout: number;
}

/** SIGTERM the daemon's process group (it may have spawned fusermount), then SIGKILL; clear a mount it left. */
async function stopUnreadyDaemon(child: ChildProcess, mountpoint: string): Promise<void> {
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // the group is gone already
    }
  };
  signalGroup('SIGTERM');
  if (!(await waitForExit(child.pid!, STOP_GRACE_MS))) {
    signalGroup('SIGKILL');
    await waitForExit(child.pid!, STOP_GRACE_MS);
  }
  // Preflight found nothing mounted here, so a coherefs mount now is the dead daemon's.
  if ((await findMount(mountpoint))?.fstype === 'fuse.coherefs') await forceUnmount(mountpoint);
}

/** The daemon's message on the ready channel once it closes, or null after `timeoutMs`. */
function readyMessage(channel: Readable, timeoutMs: number): Promise<string | null> {
  let message = '';
  channel.setEncoding('utf8');
  channel.on('data', (chunk: string) => (message += chunk));
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs);
    channel.on('close', () => {
      clearTimeout(timer);
      resolve(message.trim());
    });
  });
}

/**
 * What the daemon wrote to its log since `offset` that is not one of its JSON records: the words of
 * libfuse and fusermount, which print why a mount failed to stderr, and only there.
 */
async function plainLines(logPath: string, offset: number): Promise<string[]> {
  const text = (await readFile(logPath)).subarray(offset).toString('utf8');
  return text.split('\n').filter((line) => line.trim() && !line.startsWith('{'));
}

async function startInBackground(image: string, mountpoint: string, flags: MountFlags): Promise<void> {
  const { path: logPath, fd: logFd } = await openDaemonLog(image, mountpoint);
  const logStart = fstatSync(logFd).size;
  const args = [process.argv[1]!, 'mount', image, mountpoint, '-f', ...(flags.debug ? ['-d'] : []), ...(flags.options ? ['-o', flags.options] : [])];
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', logFd, logFd, 'pipe'],
    env: { ...process.env, COHEREFS_READY_FD: String(READY_FD) },
  });
  const message = await readyMessage(child.stdio[READY_FD] as Readable, flags.timeout * 1000);
  if (message === null) {
    await stopUnreadyDaemon(child, mountpoint);
    throw new Error(`the daemon (pid ${child.pid}) was not ready within ${flags.timeout} s and was stopped; nothing is mounted (log: ${logPath})`);
  }
  if (message !== 'ready') {
    // Its own last words (`coherefs: MESSAGE`) came through the ready channel already.
    const said = (await plainLines(logPath, logStart)).filter((line) => !line.startsWith('coherefs: ')).join('\n');
    throw new Error(`${message || 'the daemon exited before mounting'}${said ? `\n${said}` : ''}\n(log: ${logPath})`);
  }
  child.unref();
  process.stdout.write(`mounted ${image} on ${mountpoint} (daemon pid ${child.pid}, log ${logPath})\n`);
}

async function runForeground(image: string, mountpoint: string, flags: MountFlags, config: MountConfig): Promise<void> {
  const readyFd = process.env.COHEREFS_READY_FD;
  const tell = readyFd ? createWriteStream('', { fd: Number(readyFd) }) : null;
  const log = createLogger({ debug: flags.debug });
  try {
    await runDaemon({
      image, mountpoint, config, log,
      onReady: () => tell?.end('ready\n'),
    });
  } catch (err) {
    tell?.end(`${(err as Error).message}\n`);
    throw err;
  }
}

export function mountCommand(): Command {
  return new Command('mount')
    .description('mount a coherefs image')
    .argument('<image>', 'the image file (see coherefs mkfs)')
    .argument('<mountpoint>', 'an empty directory')
    .option('-f, --foreground', 'stay in the foreground (Ctrl-C unmounts)')
    .option('-d, --debug', 'debug logs: each FUSE request and its answer')
    .option('-o, --options <list>', 'cache_size=256M,coherence=locked|evict|none,dio_align=512,allow_other,transport=kernel|libfuse (default: kernel where it can mount, else libfuse; also COHEREFS_TRANSPORT),dio_evict_delay_ms=0 (fault injection)')
    .addOption(timeoutOption(READY_TIMEOUT_SECONDS, 'the background daemon to mount'))
    .action(async (imageArg: string, mountpointArg: string, flags: MountFlags) => {
      // Bad arguments fail here with a UsageError (exit 2), before anything is started or mounted.
      const config = parseMountOptions(flags.options, process.env);
      const image = await checkImage(imageArg);
      const mountpoint = await checkMountpoint(mountpointArg);
      await ensureRuntimeDir();
      if (!flags.foreground) return startInBackground(image, mountpoint, flags);
      await runForeground(image, mountpoint, flags, config);
      // The image is released. After an unmount from outside, fuse-native's loop thread would keep
      // the process alive (its close needs fusermount to succeed on the mount that is gone).
      process.exit(0);
    });
}
