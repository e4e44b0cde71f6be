/**
 * The FUSE front: how coherefs meets the kernel, over one of two transports (`-o transport=`).
 * Unless one is chosen, the kernel transport serves wherever it can mount, and libfuse where it
 * cannot (no /dev/fuse to open, or mount(8) refused: a daemon not run as root), with a warning that
 * says why; a transport chosen is that one or a failed mount, never the other.
 *
 * kernel: coherefs speaks the FUSE protocol itself on /dev/fuse (kernel/), and
 * kernel-bridge.ts answers each request from the Vfs by inode number, with the caller's ids owning
 * new nodes, 1 MiB requests, and MAP_SHARED on direct-IO files (DIRECT_IO_ALLOW_MMAP).
 *
 * libfuse (the fallback): a libfuse 2 filesystem driven through fuse-native: libfuse's threads receive each
 * request from /dev/fuse and hand it to this process's one JS thread, where `fuseOperations` answers
 * it from a Vfs through a callback. It mounts with the kernel's page cache bypassed (`direct_io`), so
 * every buffered read and write reaches the daemon, whose own page cache (src/mm) is then *the* page
 * cache; the open flags of each handle (O_DIRECT or not) choose between the buffered and the direct
 * path.
 *
 * What that costs and guarantees, measured (details in mount-options.ts): requests of up to 128 KiB;
 * O_DIRECT visible in the open flags (only through mknod + open: fuse-native's `create` drops the
 * flags); MAP_SHARED mmaps refused with ENODEV, MAP_PRIVATE maps served as reads; unlinked open files
 * hidden as `.fuse_hidden*` until their last close; our inode numbers (`use_ino`); no binding timeout (`timeout: false`).
 */
import type { Vfs } from '../vfs/api.js';
import type { Logger } from '../util/logger.js';
import { mountFuse, type FuseSession } from './fuse-session.js';
import type { MountRequest } from './mount-options.js';
import { fuseOperations } from './operations.js';
import { serveVfsOnKernel } from './kernel-transport.js';
import { KernelMountError } from './kernel/session.js';
import type { Transport } from './mount-options.js';

export { buildMountOptions, appendMountOptions, MAX_REQUEST_BYTES } from './mount-options.js';
export { TRANSPORTS } from './mount-options.js';
export type { MountOptions, MountRequest, Transport } from './mount-options.js';
export { mountFuse } from './fuse-session.js';
export type { FuseSession } from './fuse-session.js';

/** A mount being served, and by which transport. */
export interface ServedMount extends FuseSession {
  readonly transport: Transport;
}

/**
 * Mount `vfs` on `mountpoint` over the requested transport, or (none requested) over the kernel
 * transport, falling back to libfuse where that cannot mount; resolves once the kernel can send requests.
 */
export async function serveVfs(vfs: Vfs, mountpoint: string, request: MountRequest, log: Logger): Promise<ServedMount> {
  if (request.transport !== 'libfuse') {
    try {
      return { transport: 'kernel', ...(await serveVfsOnKernel(vfs, mountpoint, request, log)) };
    } catch (err) {
      if (request.transport === 'kernel' || !(err instanceof KernelMountError)) throw err;
      log.warn({ reason: err.message }, 'the kernel transport cannot mount here, so libfuse serves');
    }
  }
  return { transport: 'libfuse', ...(await mountFuse(mountpoint, fuseOperations(vfs, log), request)) };
}
