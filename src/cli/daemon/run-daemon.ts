/**
 * The daemon's life: open the image, mount, serve until asked to stop, then write everything back.
 * Stop requests: SIGINT/SIGTERM/SIGHUP, `coherefs umount` (control socket), or an unmount from outside
 * (`fusermount -u`, `umount`, also lazy: the session watches mountinfo and fusectl). Whatever the way,
 * the image is released only after the last file on the mount has closed, so no process using one
 * sees EIO: a busy mount refuses `coherefs umount` (EBUSY), and a lazy unmount waits for that close.
 * The signal handlers come first: a signal during setup undoes what was set up (mount, image lock)
 * instead of killing the daemon half way and leaving them behind.
 */
import type { Server } from 'node:net';
import { serveVfs, type ServedMount } from '../../fuse/api.js';
import { Vfs } from '../../vfs/api.js';
import type { Logger } from '../../util/logger.js';
import { SerialQueue } from '../../util/serial-queue.js';
import { closeControl, controlDrained, controlSocketPath, listenControl, type UnmountMode } from './control-socket.js';
import { withCommandNames } from './lock-holder-names.js';
import { tuneGarbageCollector } from './gc-tuning.js';
import type { MountConfig } from './mount-config.js';
import { runShutdownSteps } from './shutdown-steps.js';

const UNMOUNT_MODES: readonly UnmountMode[] = ['normal', 'lazy', 'force'];
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
    // Failures are logged by unmount() and finish(); here they only must not become unhandled rejections.
    process.on(signal, () => (serving ? void stopOnSignal(signal).catch(() => undefined) : (signalDuringSetup ??= signal)));
  }
  const stopIfSignalled = (): void => {
    if (signalDuringSetup) throw new Error(`${signalDuringSetup} arrived while mounting: setup undone, nothing is mounted`);
  };

  tuneGarbageCollector();
  const socketPath = await controlSocketPath(mountpoint);
  let vfs: Vfs | undefined;
  let session: ServedMount | undefined;
  let control: Server | undefined;
  try {
    stopIfSignalled();
    log.info({ image }, 'opening the image');
    vfs = await Vfs.open(image, {
      cacheSize: config.cacheSize, coherence: config.coherence, dioAlign: config.dioAlign, dioEvictDelayMs: config.dioEvictDelayMs, logger: log,
    });
    stopIfSignalled();
    log.info({ mountpoint }, 'mounting');
    session = await serveVfs(vfs, mountpoint, {
      transport: config.transport, allowOther: config.allowOther, fsname: 'coherefs', kernelFlags: config.kernelFlags,
    }, log);
    stopIfSignalled();
    const [counted, served] = [vfs, session];
    control = await listenControl(socketPath, async (request) => {
      if (request.op === 'stats') {
        const stats = counted.stats();
        const locks = await withCommandNames(stats.locks);
        return {
          image, mountpoint, pid: process.pid, transport: served.transport, ...stats, locks,
          ...(served.counters && { fuse: served.counters() }), memory: daemonMemory(),
        };
      }
      const mode = request.mode ?? 'normal';
      if (!UNMOUNT_MODES.includes(mode)) throw new Error(`unknown unmount mode: ${String(mode)}`);
      await unmount('coherefs umount', mode);
      // A lazy unmount answers once detached; the others once the image is written back and released.
      if (mode !== 'lazy') await finish();
      return { unmounted: mountpoint, mode };
    });
    stopIfSignalled();
  } catch (err) {
    // Mounted but unreachable, or interrupted: undo the mount rather than leave it and the lock behind.
    const [openControl, mounted, opened] = [control, session, vfs];
    await runShutdownSteps(log, [
      ['closing the control socket', () => openControl && closeControl(openControl, socketPath)],
      // Nobody should be using a mount that was never announced; if someone is, the setup still ends.
      ['unmounting', () => mounted?.unmount().catch(() => mounted.abort())],
      ['writing back and releasing the image', () => opened?.close()],
    ]);
    throw err;
  }
  const [served, mounted, listening] = [vfs, session, control];

  // Unmount requests one at a time: a second one sees what the first did (mount gone, or busy).
  const unmounts = new SerialQueue();
  let finishing: Promise<void> | undefined;
  let finished!: (err?: Error) => void;
  const done = new Promise<void>((resolve, reject) => (finished = (err) => (err ? reject(err) : resolve())));

  /**
   * Once the mount has left the namespace (by us or from outside): wait until the last file on it has
   * closed (nothing can arrive after that), then write back and release the image, whatever step fails.
   */
  function finish(): Promise<void> {
    finishing ??= (async () => {
      await mounted.ended;
      const failed = await runShutdownSteps(log, [
        ['closing the control socket', () => closeControl(listening, socketPath)],
        ['writing back and releasing the image', () => served.close()],
      ]);
      if (!failed) log.info('image written back and released');
      finished(failed);
      if (failed) throw failed;
    })();
    return finishing;
  }

  /** Take the mount out of the namespace as `mode` says; refused (busy): it stays mounted and served. */
  function unmount(reason: string, mode: UnmountMode): Promise<void> {
    return unmounts.run(async () => {
      if (finishing && mode !== 'force') return;
      log.info({ reason, mode }, 'unmounting');
      try {
        await { normal: () => mounted.unmount(), lazy: () => mounted.detach(), force: () => mounted.abort() }[mode]();
      } catch (err) {
        log.warn({ err }, 'unmount refused; the mount stays up');
        throw err;
      }
      if (mode === 'lazy') log.info('detached: the image is written back once the last file on it closes');
      void finish().catch(() => undefined);
    });
  }

  /** A signal cannot be refused: a busy mount is detached and finished after its last close; a second signal aborts it. */
  async function stopOnSignal(signal: NodeJS.Signals): Promise<void> {
    if (finishing) return unmount(signal, 'force');
    await unmount(signal, 'normal').catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EBUSY') throw err;
      return unmount(signal, 'lazy');
    });
  }

  void mounted.detached.then(() => finish()).catch(() => undefined);
  serving = true;

  log.info({ image, mountpoint, transport: mounted.transport, coherence: config.coherence, cacheSize: config.cacheSize, dioEvictDelayMs: config.dioEvictDelayMs }, 'mounted');
  args.onReady?.();
  try {
    await done;
  } finally {
    await controlDrained(listening);
  }
}
