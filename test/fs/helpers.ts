/** Shared setup for the src/fs tests: a formatted in-memory image, mounted. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
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

/** Bytes as runs of one value, e.g. '0-99:41 100-4095:0', so a failure shows what changed. */
export function byteRuns(bytes: Uint8Array): string {
  const out: string[] = [];
  for (let start = 0; start < bytes.length;) {
    let end = start + 1;
    while (end < bytes.length && bytes[end] === bytes[start]) end++;
    out.push(`${start}-${end - 1}:${bytes[start]!.toString(16)}`);
    start = end;
  }
  return out.join(' ');
}

/** A fresh temporary directory for each test of the enclosing describe, removed after it: call in the describe body. */
export function tempDirPerTest(prefix: string): () => string {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return () => dir;
}
