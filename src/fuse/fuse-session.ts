/**
 * A fuse-native mount with coherefs's options (mount-options.ts), mounted and unmounted as promises.
 * The FUSE loop runs on libfuse threads that hand each request to this process's one JS thread:
 * never touch the mountpoint synchronously from here (the request could not be served: deadlock).
 */
import Fuse from 'fuse-native';
import type { FuseOperations } from 'fuse-native';
import { appendMountOptions, buildMountOptions, type MountRequest } from './mount-options.js';

export interface FuseSession {
  readonly mountpoint: string;
  unmount(): Promise<void>;
  /**
   * Resolves once the kernel ended the connection: reads of /dev/fuse fail with ENODEV, the mount is
   * gone (kernel transport only; libfuse 2 tells the binding nothing, so the daemon watches mountinfo).
   */
  readonly unmounted?: Promise<void>;
}

/** Mount `ops` on `mountpoint`; resolves once the kernel sent INIT (the mount is usable). */
export async function mountFuse(mountpoint: string, ops: FuseOperations, request: MountRequest = {}): Promise<FuseSession> {
  const { binding, appended } = buildMountOptions(request);

  class CoherefsFuse extends Fuse {
    protected override _fuseOptions(): string {
      return appendMountOptions(super._fuseOptions(), appended);
    }
  }

  const fuse = new CoherefsFuse(mountpoint, ops, binding);
  await new Promise<void>((resolve, reject) => fuse.mount((err) => (err ? reject(err) : resolve())));
  let unmounted: Promise<void> | undefined;
  return {
    mountpoint: fuse.mnt,
    unmount() {
      unmounted ??= new Promise<void>((resolve, reject) => fuse.unmount((err) => (err ? reject(err) : resolve())));
      return unmounted;
    },
  };
}
