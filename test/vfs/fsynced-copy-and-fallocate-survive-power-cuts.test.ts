/**
 * Guards the durability of copy_file_range and fallocate through the Vfs (page cache above the
 * image): after each call and an fsync of the file, a power cut leaves exactly what was fsync'd,
 * and a cut anywhere in the sequence, torn writes included, leaves an image fsck finds clean. The
 * sequence: a copy from a source whose data is still dirty in the cache (past the destination's
 * end), a copy over cached destination pages, a punch of a hole mid-extent (a ranged unmap record),
 * a zero range keeping the size, a shrink and an allocation growing the file again before any
 * commit, and an ftruncate to the same size.
 */
import { describe, expect, it } from 'vitest';
import { fsck, MemoryDevice, mkfsDevice } from '../../src/fs/api.js';
import { Vfs } from '../../src/vfs/api.js';
import { FALLOC_FL_KEEP_SIZE as KEEP, FALLOC_FL_PUNCH_HOLE as PUNCH, FALLOC_FL_ZERO_RANGE as ZERO } from '../../src/vfs/fallocate.js';
import { RecordingDevice, seededRandom } from '../fs/crash-device.js';
import { byteRuns } from '../fs/helpers.js';
import { O_RDWR } from './helpers.js';

const P = 4096;
const OPTIONS = { cacheSize: 1 << 20, coherence: 'locked', dioAlign: 512, commitIntervalMs: 0 } as const;

async function contents(vfs: Vfs, path: string): Promise<string> {
  const fh = vfs.open(path, O_RDWR);
  const buf = new Uint8Array(vfs.getattr(path).size);
  await vfs.read(fh, 0, buf);
  await vfs.release(fh);
  return byteRuns(buf);
}

describe('copy_file_range and fallocate across power cuts', () => {
  it('each fsync keeps what it made durable; every cut leaves a clean image', async () => {
    const memory = new MemoryDevice(4 * 2 ** 20);
    await mkfsDevice(memory, { logSize: 64 * 1024, checkpointSize: 256 * 1024 });
    const device = new RecordingDevice(memory);
    const vfs = await Vfs.openDevice(device, OPTIONS);
    vfs.mknod('/src', 0o644);
    vfs.mknod('/dst', 0o644);
    const src = vfs.open('/src', O_RDWR);
    const dst = vfs.open('/dst', O_RDWR);
    await vfs.write(dst, 0, new Uint8Array(4 * P).fill(0xdd));
    await vfs.fsync(dst);
    await vfs.write(src, 0, new Uint8Array(6 * P - 300).fill(0x5a));
    const steps = [
      () => vfs.copyFileRange(src, 0, dst, 3 * P + 100, 6 * P),
      async () => {
        await vfs.read(dst, 0, new Uint8Array(2 * P));
        await vfs.copyFileRange(src, P, dst, 200, P);
      },
      () => vfs.fallocate(dst, PUNCH | KEEP, 2 * P - 10, 3 * P),
      () => vfs.fallocate(dst, ZERO | KEEP, 6 * P, P + 7),
      async () => {
        await vfs.ftruncate(dst, 5 * P + 50);
        await vfs.fallocate(dst, 0, 0, 12 * P + 5);
      },
      () => vfs.ftruncate(dst, 12 * P + 5),
    ];
    const first = device.trace.length;
    const durable: Array<{ at: number; state: string }> = [];
    for (const step of steps) {
      await step();
      await vfs.fsync(dst);
      durable.push({ at: device.trace.length, state: await contents(vfs, '/dst') });
    }
    await vfs.release(src);
    await vfs.release(dst);
    await vfs.close();
    expect(new Set(durable.map((d) => d.state)).size).toBe(steps.length - 1);

    for (const { at, state } of durable) {
      for (const { image } of device.crashImages([at], () => 0)) {
        expect((await fsck(image)).problems, `after step ending at ${at}`).toEqual([]);
        const recovered = await Vfs.openDevice(image, OPTIONS);
        expect(await contents(recovered, '/dst'), `after step ending at ${at}`).toBe(state);
        await recovered.close();
      }
    }
    const last = durable[durable.length - 1]!.at;
    const cuts = Array.from({ length: last - first + 1 }, (_, i) => first + i);
    for (const { cut, image } of device.crashImages(cuts, seededRandom(14))) {
      expect((await fsck(image)).problems, `cut ${cut}`).toEqual([]);
    }
  });
});
