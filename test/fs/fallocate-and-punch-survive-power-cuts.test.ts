/**
 * Guards the ordering of fallocate's block changes: after a power cut anywhere in a sequence of
 * fsync'd allocations (growing the file, and keeping its size with blocks past the end) and punched
 * holes, the image mounts, fsck finds it clean, and the file shows one of the states it went
 * through, no older than the last fsync before the cut: never the bytes of the file that owned its
 * fresh blocks before (the zeros reach the device before the maps that point at them).
 */
import { describe, expect, it } from 'vitest';
import { Filesystem, fsck, MemoryDevice, mkfsDevice, ROOT_INO as R } from '../../src/fs/api.js';
import { RecordingDevice, seededRandom } from './crash-device.js';
import { byteRuns } from './helpers.js';

const B = 4096;
/** No page cache above the store here: a punch has no cached pages to drop. */
const noCache = async (): Promise<void> => {};

async function fileState(fs: Filesystem, ino: number): Promise<string> {
  const { size, blocks } = fs.getattr(ino);
  const data = Buffer.alloc(size);
  await fs.store(ino).read(0, data);
  return `${byteRuns(data)} (${blocks / 8} blocks)`;
}

describe('fallocate and punched holes across power cuts', () => {
  it('every cut leaves a clean image whose file shows a state it went through, none older than the last fsync', async () => {
    const memory = new MemoryDevice(4 * 2 ** 20);
    await mkfsDevice(memory, { logSize: 64 * 1024, checkpointSize: 256 * 1024 });
    const device = new RecordingDevice(memory);
    const fs = await Filesystem.mountDevice(device, { commitIntervalMs: 0 });
    // Free blocks that hold another file's bytes, for the allocations to reuse.
    const old = fs.create(R, 'old', 0o644, 0, 0).ino;
    await fs.store(old).write(0, new Uint8Array((fs.statfs().bfree - 8) * B).fill(0xee));
    await fs.sync();
    fs.unlink(R, 'old');
    const ino = fs.create(R, 'f', 0o644, 0, 0).ino;
    await fs.store(ino).write(0, new Uint8Array(3 * B).fill(0xaa));
    await fs.fsync(ino);

    const states = [await fileState(fs, ino)];
    const durableAt = [device.trace.length];
    const steps = [
      () => fs.allocateRange(ino, 2 * B, 6 * B, false),
      () => fs.punchRange(ino, B, 2 * B, noCache),
      () => fs.allocateRange(ino, 6 * B, 12 * B, true),
      () => fs.punchRange(ino, 0, 16 * B, noCache),
      () => fs.allocateRange(ino, 0, 20 * B, false),
    ];
    for (const step of steps) {
      await step();
      await fs.fsync(ino);
      states.push(await fileState(fs, ino));
      durableAt.push(device.trace.length);
    }
    await fs.unmount();
    expect(new Set(states).size).toBe(states.length);

    const first = durableAt[0]!;
    const cuts = Array.from({ length: device.trace.length - first + 1 }, (_, i) => first + i);
    for (const fate of [() => 0, () => 0.45, () => 0.99, seededRandom(14)]) {
      for (const { cut, image } of device.crashImages(cuts, fate)) {
        const since = durableAt.filter((at) => at <= cut).length - 1;
        const recovered = await Filesystem.mountDevice(image, { commitIntervalMs: 0 });
        const seen = await fileState(recovered, recovered.lookup(R, 'f'));
        await recovered.unmount();
        expect(states.slice(since), `cut ${cut}: the file shows ${seen}`).toContain(seen);
        expect((await fsck(image)).problems, `cut ${cut}`).toEqual([]);
      }
    }
  });
});
