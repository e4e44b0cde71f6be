/** Small images damaged on purpose, for the fsck --repair tests. */
import { expect } from 'vitest';
import { Allocator } from '../../src/fs/allocator.js';
import { Journal } from '../../src/fs/journal.js';
import { loadImage } from '../../src/fs/load.js';
import type { Geometry } from '../../src/fs/layout.js';
import type { Metadata } from '../../src/fs/metadata.js';
import { fsck, MemoryDevice, repair, type Filesystem, type ImageDevice, type RepairReport } from '../../src/fs/api.js';

/** Rewrite the image's metadata as `mutate` leaves it, as a checkpoint (what a buggy writer would leave). */
export async function rewriteMetadata(device: ImageDevice, mutate: (meta: Metadata, g: Geometry) => void): Promise<void> {
  const loaded = await loadImage(device);
  if (!('meta' in loaded)) throw new Error(`the test image does not load: ${loaded.problems[0]?.message}`);
  const g = loaded.sb.geometry;
  mutate(loaded.meta, g);
  const journal = new Journal(device, loaded.sb, loaded.meta, new Allocator(g.dataStart, g.dataBlocks), loaded.logEnd, loaded.logSeq);
  await journal.checkpoint();
}

/** The device as a power cut now would leave it (a MemoryDevice holds only what was written). */
export const crashCopy = (device: MemoryDevice): MemoryDevice => new MemoryDevice(device.bytes.slice());

/** A file's bytes as text. */
export async function contents(fs: Filesystem, ino: number): Promise<string> {
  const bytes = Buffer.alloc(fs.getattr(ino).size);
  await fs.store(ino).read(0, bytes);
  return bytes.toString();
}

/**
 * Repair, expecting repair lines matching `expected`, a clean fsck after, and nothing left for a
 * second repair to do.
 */
export async function repairToClean(device: ImageDevice, expected: RegExp[]): Promise<RepairReport> {
  const report = await repair(device);
  expect(report.problems).toEqual([]);
  expect(report.clean).toBe(true);
  for (const line of expected) expect(report.repairs).toContainEqual(expect.stringMatching(line));
  const after = await fsck(device);
  expect(after.problems).toEqual([]);
  expect(after.notes).toEqual([]);
  expect(await repair(device)).toEqual({ clean: true, repairs: [], problems: [] });
  return report;
}
