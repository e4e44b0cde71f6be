/**
 * Guards a shrink that is not yet committed: the durable size is still the old one, so a crash must
 * leave the file as it was before the shrink or as it was after, never the old size with part of its
 * fsync'd bytes zeroed. Also when the file grows again before any commit, since growing is when the
 * stale tail of the new last block gets zeroed.
 */
import { describe, expect, it } from 'vitest';
import { BLOCK_SIZE, Filesystem, fsck, MemoryDevice, mkfsDevice, ROOT_INO } from '../../src/fs/api.js';
import { RecordingDevice, seededRandom } from './crash-device.js';
import { byteRuns } from './helpers.js';

const OLD = 0x41;
const NEW = 0x62;
const OLD_SIZE = 2 * BLOCK_SIZE;
const SHRUNK = 100;

/** A file of two fsync'd blocks of OLD on a device that records every write and sync. */
async function fsyncedFile(): Promise<{ fs: Filesystem; device: RecordingDevice; ino: number }> {
  const memory = new MemoryDevice(2 * 2 ** 20);
  await mkfsDevice(memory);
  const device = new RecordingDevice(memory);
  const fs = await Filesystem.mountDevice(device, { commitIntervalMs: 0 });
  const ino = fs.create(ROOT_INO, 'f', 0o644, 0, 0).ino;
  await fs.store(ino).write(0, new Uint8Array(OLD_SIZE).fill(OLD));
  await fs.fsync(ino);
  return { fs, device, ino };
}

/** Mount what a crash left, check it with fsck, and return f's bytes as runs. */
async function recover(image: MemoryDevice): Promise<{ file: string; clean: boolean }> {
  const report = await fsck(new MemoryDevice(image.bytes.slice()));
  const fs = await Filesystem.mountDevice(image, { commitIntervalMs: 0 });
  const ino = fs.lookup(ROOT_INO, 'f');
  const bytes = new Uint8Array(fs.getattr(ino).size);
  await fs.store(ino).read(0, bytes);
  return { file: byteRuns(bytes), clean: report.clean };
}

/** The image a kill -9 leaves: every write issued so far reached the device, nothing more. */
async function killedImage(device: RecordingDevice): Promise<MemoryDevice> {
  const bytes = new Uint8Array(device.size);
  await device.read(0, bytes);
  return new MemoryDevice(bytes);
}

function filled(size: number, parts: Array<[from: number, to: number, value: number]>): string {
  const bytes = new Uint8Array(size);
  for (const [from, to, value] of parts) bytes.fill(value, from, to);
  return byteRuns(bytes);
}

describe('a crash after a shrink that is not committed yet', () => {
  it('leaves the old size with every fsync\'d byte', async () => {
    const { fs, device, ino } = await fsyncedFile();
    await fs.store(ino).setSize(SHRUNK);

    expect(await recover(await killedImage(device))).toEqual({ file: filled(OLD_SIZE, [[0, OLD_SIZE, OLD]]), clean: true });
  });

  it('leaves the file before the shrink, after it, or after the growth that followed, at every power-cut point', async () => {
    const { fs, device, ino } = await fsyncedFile();
    const from = device.trace.length;
    await fs.store(ino).setSize(SHRUNK);
    await fs.store(ino).write(3 * BLOCK_SIZE, new Uint8Array(50).fill(NEW));
    await fs.fsync(ino);

    const grownSize = 3 * BLOCK_SIZE + 50;
    const states = [
      filled(OLD_SIZE, [[0, OLD_SIZE, OLD]]),
      filled(SHRUNK, [[0, SHRUNK, OLD]]),
      filled(grownSize, [[0, SHRUNK, OLD], [3 * BLOCK_SIZE, grownSize, NEW]]),
    ];
    const cuts = Array.from({ length: device.trace.length - from + 1 }, (_, i) => from + i);
    const random = seededRandom(7);
    // Each round draws again which writes after the last sync land, whole, lost or torn.
    for (let round = 0; round < 10; round++) {
      for (const { cut, image } of device.crashImages(cuts, random)) {
        const { file, clean } = await recover(image);
        expect(clean, `cut ${cut}`).toBe(true);
        expect(states, `cut ${cut}`).toContain(file);
      }
    }
    expect(await recover(await killedImage(device))).toEqual({ file: states[2], clean: true });
  });
});
