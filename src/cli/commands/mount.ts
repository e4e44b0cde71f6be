/**
 * `coherefs mount IMAGE MOUNTPOINT [-f] [-d] [-o options]`: without -f, a background daemon is
 * started and the command returns once the mount is ready (or prints why it could not mount).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, openSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Command } from 'commander';
import { createLogger } from '../../util/logger.js';
import { controlSocketPath, daemonLogPath, ensureRuntimeDir } from '../daemon/control-socket.js';
import { MountOptionError, parseMountOptions } from '../daemon/mount-config.js';
import { UsageError, checkImage, checkMountpoint } from '../daemon/preflight.js';
import { runDaemon } from '../daemon/run-daemon.js';

/** The background daemon tells its parent on this fd: "ready", or the error that stopped it. */
const READY_FD = 3;

interface MountFlags {
  foreground?: boolean;
  debug?: boolean;
  options?: string;
}

async function startInBackground(image: string, mountpoint: string, flags: MountFlags): Promise<void> {
  await ensureRuntimeDir();
  const logPath = daemonLogPath(await controlSocketPath(mountpoint));
  const logFd = openSync(logPath, 'a', 0o600);
  const args = [process.argv[1]!, 'mount', image, mountpoint, '-f', ...(flags.debug ? ['-d'] : []), ...(flags.options ? ['-o', flags.options] : [])];
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', logFd, logFd, 'pipe'],
    env: { ...process.env, COHEREFS_READY_FD: String(READY_FD) },
  });
  const channel = child.stdio[READY_FD] as Readable;
  let message = '';
  channel.setEncoding('utf8');
  channel.on('data', (chunk: string) => (message += chunk));
  await new Promise<void>((resolve) => channel.on('close', () => resolve()));
  if (message.trim() !== 'ready') {
    throw new Error(message.trim() || `the daemon exited before mounting (log: ${logPath})`);
  }
  child.unref();
  process.stdout.write(`mounted ${image} on ${mountpoint} (daemon pid ${child.pid}, log ${logPath})\n`);
}

async function runForeground(image: string, mountpoint: string, flags: MountFlags, config: ReturnType<typeof parseMountOptions>): Promise<void> {
  const readyFd = process.env.COHEREFS_READY_FD;
  const tell = readyFd ? createWriteStream('', { fd: Number(readyFd) }) : null;
  const log = createLogger({ debug: flags.debug });
  try {
    await runDaemon({
      image, mountpoint, config, debug: flags.debug === true, log,
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
    .option('-d, --debug', 'debug logs')
    .option('-o, --options <list>', 'cache_size=256M,coherence=locked|evict|none,dio_align=512,allow_other,dio_evict_delay_ms=0 (fault injection)')
    .action(async (imageArg: string, mountpointArg: string, flags: MountFlags) => {
      let config;
      let image;
      let mountpoint;
      try {
        config = parseMountOptions(flags.options);
        image = await checkImage(imageArg);
        mountpoint = await checkMountpoint(mountpointArg);
      } catch (err) {
        if (err instanceof MountOptionError || err instanceof UsageError) {
          process.stderr.write(`coherefs mount: ${err.message}\n`);
          process.exit(2);
        }
        throw err;
      }
      if (!flags.foreground) return startInBackground(image, mountpoint, flags);
      await runForeground(image, mountpoint, flags, config);
      // The image is released. After an unmount from outside, fuse-native's loop thread would keep
      // the process alive (its close needs fusermount to succeed on the mount that is gone).
      process.exit(0);
    });
}
