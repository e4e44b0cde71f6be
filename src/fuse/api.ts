/**
 * src/fuse — the FUSE front of coherefs, over fuse-native (libfuse 2, high-level, path-based API).
 *
 * The model: the kernel's FUSE module turns each system call on the mount into a request; libfuse
 * threads hand every request to this process's one JS thread, where `fuseOperations` answers it
 * from a Vfs. The mount bypasses the kernel's own page cache (`direct_io`), so *this* daemon's page
 * cache is the only one: buffered and direct requests both arrive here, and the handle's O_DIRECT
 * flag picks the path. Facts measured about the binding are in mount-options.ts.
 */
import type { Vfs } from '../vfs/api.js';
import type { Logger } from '../util/logger.js';
import { mountFuse, type FuseSession } from './fuse-session.js';
import type { MountRequest } from './mount-options.js';
import { fuseOperations } from './operations.js';

export type { FuseSession } from './fuse-session.js';
export { buildMountOptions, MAX_REQUEST_BYTES, type MountRequest } from './mount-options.js';
export { mountFuse } from './fuse-session.js';

/** Mount `vfs` on `mountpoint`; resolves once the kernel can send requests. */
export function serveVfs(vfs: Vfs, mountpoint: string, request: MountRequest, log: Logger): Promise<FuseSession> {
  return mountFuse(mountpoint, fuseOperations(vfs, log), request);
}
