/**
 * The daemon's life: open the image, mount, serve until asked to stop, then write everything back.
 * Stop requests: SIGINT/SIGTERM/SIGHUP, `coherefs umount` (control socket), or an unmount from outside
 * (`fusermount -u`, `umount`), noticed by watching mountinfo since libfuse 2 tells the binding nothing.
 * The signal handlers come first: a signal during setup undoes what was set up (mount, image lock)
 * instead of killing the daemon half way and leaving them behind.
 */
import type { Server } from 'node:net';
import { serveVfs, type FuseSession } from '../../fuse/api.js';
import { Vfs } from '../../vfs/api.js';
import type { Logger } from '../../util/logger.js';
import { findMount } from '../../util/mountinfo.js';
import { closeControl, controlSocketPath, listenControl } from './control-socket.js';
import { tuneGarbageCollector } from './gc-tuning.js';
import type { MountConfig } from './mount-config.js';
import { runShutdownSteps } from './shutdown-steps.js';

const MOUNT_WATCH_MS = 500;
// SIGHUP too: closing the terminal of a foreground mount unmounts it cleanly instead of killing it.
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Where the daemon's memory goes, in bytes: page frames are in arrayBuffers, page structs in the heap. */
function daemonMemory(): { rssBytes: number; heapUsedBytes: number; heapTotalBytes: number; arrayBuffersBytes: number } {
  const usage = process.memoryUsage();
  return { rssBytes: usage.rss, heapUsedBytes: usage.heapUsed, heapTotalBytes: usage.heapTotal, arrayBuffersBytes: usage.arrayBuffers };
}

export interface DaemonArgs {
  image: string;
  mountpoint: string;
  config: MountConfig;
  log: Logger;
  /** Called once the mount is ready (the background parent then returns). */
  onReady?: () => void;
}

/**
 * Runs until the mount is gone; resolves after the image is written back and released. Rejects when
 * setup failed or was interrupted by a signal (undone: nothing mounted, the image released), or when
 * a step of the shutdown failed (the others still ran).
 */
export async function runDaemon(args: DaemonArgs): Promise<void> {
  const { image, mountpoint, config, log } = args;
  let serving = false;
  let signalDuringSetup: NodeJS.Signals | undefined;
  for (const signal of STOP_SIGNALS) {
    // Failures are logged by stop() itself; here they only must not become unhandled rejections.
    process.on(signal, () => (serving ? void stop(signal).catch(() => undefined) : (signalDuringSetup ??= signal)));
  }
  const stopIfSignalled = (): void => {
    if (signalDuringSetup) throw new Error(`${signalDuringSetup} arrived while mounting: setup undone, nothing is mounted`);
  };

  tuneGarbageCollector();
  const socketPath = await controlSocketPath(mountpoint);
  let vfs: Vfs | undefined;
  let session: FuseSession | undefined;
  let control: Server | undefined;
  try {
    stopIfSignalled();
    log.info({ image }, 'opening the image');
    vfs = await Vfs.open(image, {
      cacheSize: config.cacheSize, coherence: config.coherence, dioAlign: config.dioAlign, dioEvictDelayMs: config.dioEvictDelayMs, logger: log,
    });
    stopIfSignalled();
    log.info({ mountpoint }, 'mounting');
    session = await serveVfs(vfs, mountpoint, { allowOther: config.allowOther, fsname: 'coherefs', kernelFlags: config.kernelFlags }, log);
    stopIfSignalled();
    const counted = vfs;
    control = await listenControl(socketPath, async (request) => {
      if (request.op === 'stats') return { image, mountpoint, pid: process.pid, ...counted.stats(), memory: daemonMemory() };
      await stop('coherefs umount');
      return { unmounted: mountpoint };
    });
    stopIfSignalled();
  } catch (err) {
    // Mounted but unreachable, or interrupted: undo the mount rather than leave it and the lock behind.
    const [openControl, mounted, opened] = [control, session, vfs];
    await runShutdownSteps(log, [
      ['closing the control socket', () => openControl && closeControl(openControl, socketPath)],
      ['unmounting', () => mounted?.unmount()],
      ['writing back and releasing the image', () => opened?.close()],
    ]);
    throw err;
  }
  const [served, mounted, listening] = [vfs, session, control];

  let stopping: Promise<void> | undefined;
  let finished!: (err?: Error) => void;
  const done = new Promise<void>((resolve, reject) => (finished = (err) => (err ? reject(err) : resolve())));

  /** Unmount (unless already gone), then write back and release the image, whatever step fails. */
  function stop(reason: string, alreadyUnmounted = false): Promise<void> {
    stopping ??= (async () => {
      log.info({ reason }, 'unmounting');
      if (!alreadyUnmounted) {
        try {
          await mounted.unmount();
        } catch (err) {
          // Still mounted (busy, say) and still served: a later request may try again.
          stopping = undefined;
          log.error({ err }, 'unmount failed; the mount stays up');
          throw err;
        }
      }
      clearInterval(watch);
      const failed = await runShutdownSteps(log, [
        ['closing the control socket', () => closeControl(listening, socketPath)],
        ['writing back and releasing the image', () => served.close()],
      ]);
      if (!failed) log.info('image written back and released');
      finished(failed);
      if (failed) throw failed;
    })();
    return stopping;
  }

  const watch = setInterval(() => {
    findMount(mountpoint).then(
      (entry) => (entry || stopping ? undefined : stop('unmounted from outside', true)),
      (err: Error) => log.error({ err }, 'reading mountinfo failed'),
    ).catch(() => undefined);
  }, MOUNT_WATCH_MS);
  serving = true;

  log.info({ image, mountpoint, coherence: config.coherence, cacheSize: config.cacheSize, dioEvictDelayMs: config.dioEvictDelayMs }, 'mounted');
  args.onReady?.();
  await done;
}
