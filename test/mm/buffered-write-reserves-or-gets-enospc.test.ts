/**
 * Guards space reservations (bch2_folio_reservation_get at write_begin): on a store that can fill,
 * a buffered write over holes reserves each page's block before it accepts a byte, so it comes back
 * short, then fails with ENOSPC in write itself, never at a writeback nobody waits for. Overwrites
 * of allocated blocks need no reservation; truncate and writeback give reservations back.
 */
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PageCache, bufferedRead, bufferedWrite, fsync, truncate } from '../../src/mm/api.js';
import { MemoryStore } from '../../src/mm/memory-store.js';

const CAPACITY = 10;

function setUp(): { cache: PageCache; store: MemoryStore; mapping: ReturnType<PageCache['createMapping']> } {
  // No writeback before fsync: the reservations stay visible.
  const cache = new PageCache({ cacheSize: 64 * PAGE_SIZE, dirtyExpireMs: 60_000, dirtyBackgroundRatio: 0.9, dirtyRatio: 0.95 });
  const store = new MemoryStore({ capacityBlocks: CAPACITY });
  return { cache, store, mapping: cache.createMapping(store, 'small') };
}

describe('buffered writes on a store that fills', () => {
  it('come back short at the last reservable page, then fail with ENOSPC in write', async () => {
    const { cache, store, mapping } = setUp();
    const data = new Uint8Array(16 * PAGE_SIZE).fill(0x42);
    expect(await bufferedWrite(mapping, 0, data)).toBe(CAPACITY * PAGE_SIZE);
    expect(store.reservedBlocks).toBe(CAPACITY);
    await expect(bufferedWrite(mapping, CAPACITY * PAGE_SIZE, data.subarray(0, PAGE_SIZE))).rejects.toMatchObject({ code: 'ENOSPC' });

    await fsync(mapping);
    expect(store.reservedBlocks).toBe(0);
    expect(store.contents()).toEqual(data.subarray(0, CAPACITY * PAGE_SIZE));
    await cache.close();
  });

  it('overwrite allocated blocks on a full store without any reservation', async () => {
    const { cache, store, mapping } = setUp();
    await bufferedWrite(mapping, 0, new Uint8Array(CAPACITY * PAGE_SIZE).fill(1));
    await fsync(mapping);
    const again = new Uint8Array(CAPACITY * PAGE_SIZE).fill(2);
    expect(await bufferedWrite(mapping, 0, again)).toBe(again.length);
    expect(store.reservedBlocks).toBe(0);
    await fsync(mapping);
    const back = new Uint8Array(again.length);
    await bufferedRead(mapping, 0, back);
    expect(back).toEqual(again);
    await cache.close();
  });

  it('give reservations back when truncate drops the dirty pages, so the room can be written again', async () => {
    const { cache, store, mapping } = setUp();
    await bufferedWrite(mapping, 0, new Uint8Array(CAPACITY * PAGE_SIZE).fill(3));
    await truncate(mapping, 0);
    expect(store.reservedBlocks).toBe(0);
    expect(await bufferedWrite(mapping, 0, new Uint8Array(CAPACITY * PAGE_SIZE).fill(4))).toBe(CAPACITY * PAGE_SIZE);
    await fsync(mapping);
    expect(store.contents()).toEqual(new Uint8Array(CAPACITY * PAGE_SIZE).fill(4));
    await cache.close();
  });
});
