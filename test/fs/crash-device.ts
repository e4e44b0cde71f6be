/**
 * A device that records every write and sync, and builds the image a power cut would leave at any
 * point of that record: everything before the last sync, plus a random subset of the writes after
 * it — some whole, some lost, some torn (only some of their 512-byte sectors, and parts of sectors).
 */
import { MemoryDevice, type ImageDevice } from '../../src/fs/api.js';
import { ioVecGather, ioVecLength, type IoVec } from '../../src/util/iovec.js';

export type TraceEntry = { kind: 'write'; pos: number; data: Uint8Array } | { kind: 'sync' };

export class RecordingDevice implements ImageDevice {
  readonly trace: TraceEntry[] = [];
  private readonly initial: Uint8Array;

  constructor(private readonly inner: MemoryDevice) {
    this.initial = inner.bytes.slice();
  }

  get size(): number {
    return this.inner.size;
  }

  read(pos: number, buf: IoVec): Promise<void> {
    return this.inner.read(pos, buf);
  }

  async write(pos: number, buf: IoVec): Promise<void> {
    const data = new Uint8Array(ioVecLength(buf));
    ioVecGather(buf, data, 0);
    this.trace.push({ kind: 'write', pos, data });
    await this.inner.write(pos, data);
  }

  async sync(): Promise<void> {
    this.trace.push({ kind: 'sync' });
  }

  async close(): Promise<void> {}

  /**
   * The images left by a power cut just before trace entry `cut`, for each of the (ascending) cuts.
   * Context: `random` decides the fate of each unsynced write.
   */
  *crashImages(cuts: number[], random: () => number): Generator<{ cut: number; image: MemoryDevice }> {
    const durable = this.initial.slice();
    let pending: Array<{ pos: number; data: Uint8Array }> = [];
    let at = 0;
    for (const cut of cuts) {
      for (; at < cut; at++) {
        const entry = this.trace[at]!;
        if (entry.kind === 'write') {
          pending.push(entry);
        } else {
          for (const w of pending) durable.set(w.data, w.pos);
          pending = [];
        }
      }
      const image = durable.slice();
      for (const w of pending) applyTorn(image, w.pos, w.data, random);
      yield { cut, image: new MemoryDevice(image) };
    }
  }
}

const SECTOR = 512;

function applyTorn(image: Uint8Array, pos: number, data: Uint8Array, random: () => number): void {
  const fate = random();
  if (fate < 0.3) return;
  if (fate < 0.6) {
    image.set(data, pos);
    return;
  }
  for (let start = pos; start < pos + data.length;) {
    const end = Math.min(pos + data.length, (Math.floor(start / SECTOR) + 1) * SECTOR);
    const sectorFate = random();
    if (sectorFate < 0.4) {
      image.set(data.subarray(start - pos, end - pos), start);
    } else if (sectorFate < 0.6) {
      const a = start + Math.floor(random() * (end - start));
      const b = a + Math.floor(random() * (end - a + 1));
      image.set(data.subarray(a - pos, b - pos), a);
    }
    start = end;
  }
}

/** mulberry32: a small seeded PRNG, so a failing run can be repeated from its seed. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
