/**
 * Serving a Vfs over the kernel transport: the session (kernel/session.ts) reads requests, the
 * bridge (kernel-bridge.ts) answers them, and unmount-controls.ts takes the mount down as for
 * libfuse. Resolves once the kernel's INIT is answered; a refused INIT (a kernel too old) unmounts
 * again and rejects with a KernelMountError, as a mount that could not be made does (libfuse may serve). The readers' ENODEV is the connection's end, seen before any poll sees it.
 */
import type { Vfs } from '../vfs/api.js';
import type { Logger } from '../util/logger.js';
import { readMountinfo } from '../util/mountinfo.js';
import { KernelBridge } from './kernel-bridge.js';
import { InitRefused, READ_BUFFER_BYTES, type InitOut } from './kernel/init.js';
import { KernelPageCache } from './kernel/kernel-page-cache.js';
import { KernelMountError, startKernelSession } from './kernel/session.js';
import { WritesInFlight } from './kernel/writes-in-flight.js';
import { buildKernelMountOptions, type MountRequest } from './mount-options.js';
import { unmountControls, type FuseSession } from './unmount-controls.js';

export async function serveVfsOnKernel(vfs: Vfs, mountpoint: string, request: MountRequest, log: Logger): Promise<FuseSession> {
  const { source, options } = buildKernelMountOptions(request, process.getuid?.() ?? 0, process.getgid?.() ?? 0);
  let initDone!: (result: InitOut | Error) => void;
  const init = new Promise<InitOut | Error>((resolve) => (initDone = resolve));
  let connectionEnded!: () => void;
  const ended = new Promise<void>((resolve) => (connectionEnded = resolve));
  let bridge: KernelBridge | undefined;
  // Only a WRITE's answer asks how many requests were read: after INIT, so the session is there.
  const writes = new WritesInFlight(() => kernel.requestsRead());
  const kernel = await startKernelSession(
    { mountpoint, source, options, readBufferBytes: READ_BUFFER_BYTES },
    {
      request: (bytes, seq, send, notifier) => {
        bridge ??= new KernelBridge(vfs, log, (reply) => (writes.answering(reply), send(reply)), { onInit: initDone },
          new KernelPageCache((message) => notifier.send(message), vfs.cache.options.coherence));
        writes.arrived(bytes, seq);
        return bridge.handle(bytes);
      },
      stopped: (reason) => {
        log.info({ reason }, 'the kernel transport stopped reading');
        initDone(new Error(`the mount went away before INIT (${reason})`));
        // A failed read leaves the connection up (unanswered): only the watch can see its end then.
        if (reason === 'unmounted') connectionEnded();
      },
    },
  );
  const entry = (await readMountinfo()).filter((mount) => mount.mountpoint === mountpoint && mount.fstype === 'fuse.coherefs').pop();
  if (!entry) throw new Error(`${mountpoint}: mounted, but not in /proc/self/mountinfo`);
  const { session, end } = await unmountControls(mountpoint, entry);
  void ended.then(end);
  const granted = await init;
  if (granted instanceof Error) {
    await session.abort().catch((err: unknown) => log.error({ err }, 'unmounting after a failed INIT failed'));
    throw granted instanceof InitRefused ? new KernelMountError(granted.message) : granted;
  }
  log.info({ protocol: `${granted.major}.${granted.minor}`, flags: granted.flags, flags2: granted.flags2, maxWrite: granted.maxWrite }, 'kernel transport: INIT answered');
  return { mountpoint, ...session, counters: () => ({ writesInFlightPeak: writes.peak }) };
}
