/** Shared setup for the src/vfs tests: a Vfs over a formatted in-memory image. */
import { MemoryDevice, mkfsDevice, type GeometryOptions } from '../../src/fs/api.js';
import { Vfs } from '../../src/vfs/api.js';

export const O_RDWR = 2;

export async function freshVfs(geometry: GeometryOptions = {}, size = 8 * 2 ** 20): Promise<{ vfs: Vfs; device: MemoryDevice }> {
  const device = new MemoryDevice(size);
  await mkfsDevice(device, geometry);
  const vfs = await Vfs.openDevice(device, { cacheSize: 1 << 20, coherence: 'locked', dioAlign: 512, commitIntervalMs: 0 });
  return { vfs, device };
}

/** Write `data` to a new file at `path` and fsync it. */
export async function savedFile(vfs: Vfs, path: string, data: Uint8Array): Promise<void> {
  vfs.mknod(path, 0o644);
  const fh = vfs.open(path, O_RDWR);
  await vfs.write(fh, 0, data);
  await vfs.fsync(fh);
  await vfs.release(fh);
}

export async function readAll(vfs: Vfs, path: string): Promise<Uint8Array> {
  const fh = vfs.open(path, O_RDWR);
  const buf = new Uint8Array(vfs.getattr(path).size);
  await vfs.read(fh, 0, buf);
  await vfs.release(fh);
  return buf;
}
