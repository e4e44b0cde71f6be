/**
 * Two power cuts in a row around checkpoints. The first can land between the two superblock writes,
 * leaving copy B valid but naming the previous checkpoint slot; the next mount's checkpoint goes to the
 * idle slot, which is that one. If a second cut then tears copy A, B is the only valid copy left: the
 * image must still mount, with every fsync'd byte, and fsck clean.
 */
import { describe, expect, it } from 'vitest';
import { BLOCK_SIZE, Filesystem, fsck, MemoryDevice, mkfsDevice, ROOT_INO } from '../../src/fs/api.js';
import { decodeSuperblock, type SuperblockCopy } from '../../src/fs/layout.js';
import { RecordingDevice, type TraceEntry } from './crash-device.js';

const IMAGE_SIZE = 2 * 2 ** 20;
const KEPT = new Uint8Array(10_000).fill(0x4b);
const LATER = new Uint8Array(6_000).fill(0x4c);

/** What a power cut does to a write issued since the last sync. */
type Fate = 'lost' | 'whole' | 'torn';
/** A torn write lands only its first bytes: a superblock copy torn so fails its CRC (it sits at byte 124). */
const TORN_BYTES = 100;

type Write = Extract<TraceEntry, { kind: 'write' }>;

function pendingWrites(device: RecordingDevice, cut: number): Write[] {
  const pending: Write[] = [];
  for (const entry of device.trace.slice(0, cut)) {
    if (entry.kind === 'sync') pending.length = 0;
    else pending.push(entry);
  }
  return pending;
}

/** The image a power cut just before trace entry `cut` leaves: what was synced, then each later write as `fate` says. */
function imageAfterCut(device: RecordingDevice, cut: number, fate: Fate): MemoryDevice {
  // A random source of 0 loses every unsynced write, leaving exactly what was synced.
  const [{ image }] = [...device.crashImages([cut], () => 0)];
  for (const w of pendingWrites(device, cut)) {
    if (fate !== 'lost') image!.bytes.set(fate === 'whole' ? w.data : w.data.subarray(0, TORN_BYTES), w.pos);
  }
  return image!;
}

/** Every image a power cut anywhere from trace entry `from` on can leave, with each fate of the unsynced writes. */
function* crashImages(device: RecordingDevice, from: number): Generator<{ cut: number; fate: Fate; image: MemoryDevice }> {
  for (let cut = from; cut <= device.trace.length; cut++) {
    const fates: Fate[] = pendingWrites(device, cut).length ? ['lost', 'whole', 'torn'] : ['lost'];
    for (const fate of fates) yield { cut, fate, image: imageAfterCut(device, cut, fate) };
  }
}

function superblockCopies(image: MemoryDevice): SuperblockCopy[] {
  return [0, 1].map((block) => decodeSuperblock(Buffer.from(image.bytes.subarray(block * BLOCK_SIZE, (block + 1) * BLOCK_SIZE))));
}

async function readWhole(fs: Filesystem, name: string): Promise<Uint8Array> {
  const ino = fs.lookup(ROOT_INO, name);
  const bytes = new Uint8Array(fs.getattr(ino).size);
  await fs.store(ino).read(0, bytes);
  return bytes;
}

async function freshImage(): Promise<MemoryDevice> {
  const image = new MemoryDevice(IMAGE_SIZE);
  await mkfsDevice(image, { logSize: 8 * 1024, checkpointSize: 64 * 1024 });
  return image;
}

/**
 * A session on `image`, recorded: mount (a checkpoint), write and fsync the file `name`, unmount
 * (another checkpoint). `fsyncedAt` is where the unmount's trace begins: a cut from there on owes `name`.
 */
async function session(image: MemoryDevice, name: string, bytes: Uint8Array): Promise<{ device: RecordingDevice; fsyncedAt: number }> {
  const device = new RecordingDevice(image);
  const fs = await Filesystem.mountDevice(device, { commitIntervalMs: 0 });
  const ino = fs.create(ROOT_INO, name, 0o644, 0, 0).ino;
  await fs.store(ino).write(0, bytes);
  await fs.fsync(ino);
  const fsyncedAt = device.trace.length;
  await fs.unmount();
  return { device, fsyncedAt };
}

/** Mount what the second cut left: the fsync'd files are whole, and fsck is clean after unmount. */
async function expectRecovered(image: MemoryDevice, laterPromised: boolean): Promise<void> {
  const fs = await Filesystem.mountDevice(image, { commitIntervalMs: 0 });
  expect(await readWhole(fs, 'kept')).toEqual(KEPT);
  if (laterPromised) expect(await readWhole(fs, 'later')).toEqual(LATER);
  await fs.unmount();
  const report = await fsck(image);
  expect(report.problems).toEqual([]);
}

/** The image a power cut leaves between the unmount's two superblock writes: copy A new, copy B stale. */
async function cutBeforeUnmountWritesCopyB(): Promise<MemoryDevice> {
  const first = await session(await freshImage(), 'kept', KEPT);
  const writeB = first.device.trace.findIndex((e, i) => i >= first.fsyncedAt && e.kind === 'write' && e.pos === BLOCK_SIZE);
  const image = imageAfterCut(first.device, writeB, 'lost');
  const [a, b] = superblockCopies(image);
  expect(a?.status === 'ok' && b?.status === 'ok' && a.sb.generation > b.sb.generation && a.sb.activeSlot !== b.sb.activeSlot,
    'copy B is valid, older, and names the other slot').toBe(true);
  return image;
}

describe('superblock copies across two power cuts', () => {
  it('fsck is clean on an image with a stale copy B, and notes that mount rewrites it', async () => {
    const report = await fsck(await cutBeforeUnmountWritesCopyB());
    expect(report.problems).toEqual([]);
    expect(report.notes.join('\n')).toMatch(/superblock copy B: generation \d+, older than copy A's \d+ .*; mount rewrites it/);
  });

  it('copy B left stale by a cut between the superblock writes, then copy A torn by the next mount: mounts with the fsync\'d file', async () => {
    const afterFirstCut = await cutBeforeUnmountWritesCopyB();
    const second = await session(afterFirstCut, 'later', LATER);
    // The first write to copy A in the next session is its mount's checkpoint switching slots.
    const writeA = second.device.trace.findIndex((e) => e.kind === 'write' && e.pos === 0);
    const afterSecondCut = imageAfterCut(second.device, writeA + 1, 'torn');
    expect(superblockCopies(afterSecondCut)[0]?.status, 'the second cut tears copy A').toBe('bad-crc');
    await expectRecovered(afterSecondCut, false);
  });

  it('power cuts anywhere in an unmount and in the whole next session, writes lost, whole or torn: always mounts with every fsync\'d byte', async () => {
    const first = await session(await freshImage(), 'kept', KEPT);
    let checked = 0;
    for (const cut1 of crashImages(first.device, first.fsyncedAt)) {
      const second = await session(cut1.image, 'later', LATER);
      for (const cut2 of crashImages(second.device, 0)) {
        try {
          await expectRecovered(cut2.image, cut2.cut >= second.fsyncedAt);
        } catch (err) {
          throw new Error(`first cut at ${cut1.cut} (${cut1.fate}), second at ${cut2.cut} (${cut2.fate}): ${(err as Error).message}`);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});
