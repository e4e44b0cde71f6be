/**
 * Guards writepages(): consecutive dirty pages go to the store in 128 KiB writes, not page by page,
 * and a run is clamped to i_size (no byte past it is written, so the file never grows by writeback).
 */
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PageCache, bufferedRead, bufferedWrite, fsync } from '../../src/mm/api.js';
import { MemoryStore } from '../../src/mm/memory-store.js';

describe('writeback batching', () => {
  it('writes 64 consecutive dirty pages back in two store writes, and a gap splits a run', async () => {
    const cache = new PageCache({ cacheSize: 4 << 20, dirtyExpireMs: 60_000 });
    const store = new MemoryStore();
    const mapping = cache.createMapping(store, 'batched');
    const data = Buffer.alloc(64 * PAGE_SIZE);
    for (let i = 0; i < data.length; i++) data[i] = (i * 13) % 251;
    await bufferedWrite(mapping, 0, data);
    await bufferedWrite(mapping, 70 * PAGE_SIZE, data.subarray(0, 2 * PAGE_SIZE));
    const before = store.writes;
    await fsync(mapping);
    expect(store.writes - before).toBe(3);
    expect(cache.stats.writebackPages).toBe(66);
    const back = Buffer.alloc(data.length);
    await bufferedRead(mapping, 0, back);
    expect(back.equals(data)).toBe(true);
    const direct = Buffer.alloc(data.length);
    await store.read(0, direct);
    expect(direct.equals(data)).toBe(true);
    await cache.close();
  });

  it('clamps a run to i_size when i_size ends inside it', async () => {
    const cache = new PageCache({ cacheSize: 1 << 20 });
    const store = new MemoryStore();
    const mapping = cache.createMapping(store, 'clamped');
    await bufferedWrite(mapping, 0, new Uint8Array(4 * PAGE_SIZE).fill(0xab));
    store.length = PAGE_SIZE + 100; // i_size lowered under the cache (as by a truncate it missed)
    await fsync(mapping);
    expect(store.length).toBe(PAGE_SIZE + 100);
    await cache.close();
  });
});
