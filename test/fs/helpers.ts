/** Shared setup for the src/fs tests: a formatted in-memory image, mounted. */
import { Filesystem, MemoryDevice, mkfsDevice, type GeometryOptions } from '../../src/fs/api.js';

export async function freshFs(size = 8 * 2 ** 20, geometry: GeometryOptions = {}): Promise<{ fs: Filesystem; device: MemoryDevice }> {
  const device = new MemoryDevice(size);
  await mkfsDevice(device, geometry);
  const fs = await Filesystem.mountDevice(device, { commitIntervalMs: 0 });
  return { fs, device };
}

/** Expect an FsError with this errno code. */
export function errnoOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

export async function asyncErrnoOf(fn: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}
