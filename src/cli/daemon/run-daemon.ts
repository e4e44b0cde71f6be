/**
 * The daemon's life: open the image, mount, serve until asked to stop, then write everything back.
 * Stop requests: SIGINT/SIGTERM, `coherefs umount` (control socket), or an unmount from outside
 * (`fusermount -u`, `umount`), noticed by watching mountinfo since libfuse 2 tells the binding nothing.
 */
import { serveVfs } from '../../fuse/api.js';
import { Vfs } from '../../vfs/api.js';
import type { Logger } from '../../util/logger.js';
import { findMount } from '../../util/mountinfo.js';
import { closeControl, controlSocketPath, listenControl } from './control-socket.js';
import { tuneGarbageCollector } from './gc-tuning.js';
import type { MountConfig } from './mount-config.js';

const MOUNT_WATCH_MS = 500;

/** Where the daemon's memory goes, in bytes: page frames are in arrayBuffers, page structs in the heap. */
function daemonMemory(): { rssBytes: number; heapUsedBytes: number; heapTotalBytes: number; arrayBuffersBytes: number } {
  const usage = process.memoryUsage();
  return { rssBytes: usage.rss, heapUsedBytes: usage.heapUsed, heapTotalBytes: usage.heapTotal, arrayBuffersBytes: usage.arrayBuffers };
}

export interface DaemonArgs {
  image: string;
  mountpoint: string;
  config: MountConfig;
  debug: boolean;
  log: Logger;
  /** Called once the mount is ready (the background parent then returns). */
  onReady?: () => void;
}

/** Runs until the mount is gone; resolves after the image is written back and released. */
export async function runDaemon(args: DaemonArgs): Promise<void> {
  const { image, mountpoint, config, log } = args;
  tuneGarbageCollector();
  const socketPath = await controlSocketPath(mountpoint);
  const vfs = await Vfs.open(image, {
    cacheSize: config.cacheSize, coherence: config.coherence, dioAlign: config.dioAlign, dioEvictDelayMs: config.dioEvictDelayMs, logger: log,
  });
  let session;
  try {
    session = await serveVfs(vfs, mountpoint, { allowOther: config.allowOther, debug: args.debug, fsname: 'coherefs', kernelFlags: config.kernelFlags }, log);
  } catch (err) {
    await vfs.close();
    throw err;
  }

  let stopping: Promise<void> | undefined;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));

  /** Unmount (unless already gone), then write back and release the image. */
  const stop = (reason: string, alreadyUnmounted = false): Promise<void> => {
    stopping ??= (async () => {
      log.info({ reason }, 'unmounting');
      if (!alreadyUnmounted) {
        try {
          await session.unmount();
        } catch (err) {
          stopping = undefined;
          throw err;
        }
      }
      clearInterval(watch);
      await closeControl(control, socketPath);
      await vfs.close();
      log.info('image written back and released');
      finished();
    })();
    return stopping;
  };

  let control: Awaited<ReturnType<typeof listenControl>>;
  try {
    control = await listenControl(socketPath, async (request) => {
      if (request.op === 'stats') return { image, mountpoint, pid: process.pid, ...vfs.stats(), memory: daemonMemory() };
      await stop('coherefs umount');
      return { unmounted: mountpoint };
    });
  } catch (err) {
    // Mounted but unreachable (no control socket): undo the mount rather than leave it and the lock behind.
    await session.unmount().catch(() => undefined);
    await vfs.close();
    throw err;
  }
  const watch = setInterval(() => {
    void findMount(mountpoint).then((entry) => {
      if (!entry && !stopping) stop('unmounted from outside', true).catch((err: Error) => log.error({ err }, 'shutdown failed'));
    });
  }, MOUNT_WATCH_MS);
  // SIGHUP too: closing the terminal of a foreground mount unmounts it cleanly instead of killing it.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      stop(signal).catch((err: Error) => log.error({ err }, 'unmount failed; the mount stays up'));
    });
  }

  log.info({ image, mountpoint, coherence: config.coherence, cacheSize: config.cacheSize, dioEvictDelayMs: config.dioEvictDelayMs }, 'mounted');
  args.onReady?.();
  await done;
}
