import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PageCache, bufferedRead, bufferedWrite, directRead, directWrite, fsync, truncate, type Mapping } from '../../src/mm/api.js';
import { MemoryStore } from '../../src/mm/memory-store.js';
import { prng, testSeed } from './prng.js';

interface File {
  mapping: Mapping;
  store: MemoryStore;
  model: Uint8Array;
  size: number;
}

const FILES = 4;
const OPS = 3000;
const MAX_FILE = 96 * PAGE_SIZE;

function modelWrite(file: File, pos: number, src: Uint8Array): void {
  if (pos + src.length > file.model.length) {
    const grown = new Uint8Array(Math.max(pos + src.length, file.model.length * 2));
    grown.set(file.model);
    file.model = grown;
  }
  file.model.set(src, pos);
  file.size = Math.max(file.size, pos + src.length);
}

function modelTruncate(file: File, size: number): void {
  if (size < file.size) file.model.fill(0, size, file.size);
  if (size > file.model.length) modelWrite(file, size, new Uint8Array(0));
  file.size = size;
}

async function run(seed: number): Promise<void> {
  const rand = prng(seed);
  const cache = new PageCache({ cacheSize: 48 * PAGE_SIZE, dirtyExpireMs: 2, writebackIntervalMs: 5, dirtyRatio: 0.4, dirtyBackgroundRatio: 0.2 });
  let worstExcess = 0;
  const checkBound = (): void => {
    worstExcess = Math.max(worstExcess, cache.nrPages - cache.capacityPages);
  };
  cache.scheduleHook = checkBound;
  const files: File[] = Array.from({ length: FILES }, (_, i) => {
    const store = new MemoryStore({ yieldToEventLoop: i % 2 === 0 });
    return { mapping: cache.createMapping(store, `file${i}`), store, model: new Uint8Array(0), size: 0 };
  });

  const step = async (file: File): Promise<void> => {
    const pos = rand.int(MAX_FILE);
    const length = rand.pick([1, 100, PAGE_SIZE, PAGE_SIZE + 7, 3 * PAGE_SIZE, 20_000]);
    const roll = rand.next();
    const aligned = Math.floor(pos / 512) * 512;
    const alignedLength = 512 * (1 + rand.int(24));
    if (roll < 0.1) {
      const src = new Uint8Array(alignedLength).map(() => rand.int(256));
      modelWrite(file, aligned, src);
      expect(await directWrite(file.mapping, aligned, src)).toBe(alignedLength);
    } else if (roll < 0.2) {
      const expected = file.model.slice(aligned, Math.min(aligned + alignedLength, Math.max(aligned, file.size)));
      const dst = new Uint8Array(alignedLength);
      expect(await directRead(file.mapping, aligned, dst)).toBe(expected.length);
      expect(Buffer.from(dst.subarray(0, expected.length)).equals(Buffer.from(expected))).toBe(true);
    } else if (roll < 0.5) {
      const src = new Uint8Array(length).map(() => rand.int(256));
      modelWrite(file, pos, src);
      expect(await bufferedWrite(file.mapping, pos, src)).toBe(length);
    } else if (roll < 0.9) {
      const expected = file.model.slice(pos, Math.min(pos + length, Math.max(pos, file.size)));
      const dst = new Uint8Array(length);
      const n = await bufferedRead(file.mapping, pos, dst);
      expect(n).toBe(expected.length);
      expect(Buffer.from(dst.subarray(0, n)).equals(Buffer.from(expected))).toBe(true);
    } else if (roll < 0.97) {
      const size = rand.int(MAX_FILE);
      modelTruncate(file, size);
      await truncate(file.mapping, size);
    } else {
      await fsync(file.mapping);
      expect(Buffer.from(file.store.contents()).equals(Buffer.from(file.model.subarray(0, file.size)))).toBe(true);
    }
    checkBound();
  };

  for (let done = 0; done < OPS; ) {
    // A few files at a time, concurrently: each file sees its operations in order.
    const batch = files.filter(() => rand.next() < 0.6);
    await Promise.all(batch.map((file) => step(file)));
    done += Math.max(1, batch.length);
  }
  for (const file of files) {
    await fsync(file.mapping);
    expect(file.store.size()).toBe(file.size);
    expect(Buffer.from(file.store.contents()).equals(Buffer.from(file.model.subarray(0, file.size)))).toBe(true);
  }
  const stats = cache.stats.snapshot();
  await cache.close();
  expect(worstExcess).toBeLessThanOrEqual(0);
  // The run must actually have exercised eviction, writeback and readahead.
  expect(stats.evictions).toBeGreaterThan(0);
  expect(stats.writebackPages).toBeGreaterThan(0);
  expect(stats.cacheHits).toBeGreaterThan(0);
}

describe('buffered and direct IO through a small cache', () => {
  it('give the same bytes as a plain model over thousands of random operations', async () => {
    const seeds = [testSeed(), 1, 2];
    for (const seed of seeds) {
      try {
        await run(seed);
      } catch (err) {
        throw new Error(`seed ${seed} (replay with COHEREFS_SEED=${seed}): ${String(err)}`, { cause: err });
      }
    }
  });
});
