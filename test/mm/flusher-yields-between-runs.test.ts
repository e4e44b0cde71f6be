/**
 * Guards the flusher's pacing: it writes back one run at a time and lets the requests waiting on
 * the event loop go between runs (a pass whose store writes complete at once would otherwise run
 * to its end through microtasks and hold every request back), and once started it goes a chunk
 * below the background threshold, so the next dirtied page does not wake it again at once.
 */
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PageCache, bufferedWrite } from '../../src/mm/api.js';
import type { Mapping } from '../../src/mm/api.js';
import { MemoryStore } from '../../src/mm/memory-store.js';

const CACHE_PAGES = 4096;
const BACKGROUND_PAGES = CACHE_PAGES / 10;
/** Every other page dirty: each one a run of its own, one store write each. */
const DIRTY_PAGES = 600;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function dirtyEveryOtherPage(mapping: Mapping): Promise<void> {
  const page = new Uint8Array(PAGE_SIZE).fill(1);
  for (let i = 0; i < DIRTY_PAGES; i++) await bufferedWrite(mapping, 2 * i * PAGE_SIZE, page);
}

describe('the flusher', () => {
  it('writes back one run per turn of the event loop, so requests go between its runs', async () => {
    const cache = new PageCache({ cacheSize: CACHE_PAGES * PAGE_SIZE, dirtyBackgroundRatio: 0.1, dirtyRatio: 0.9 });
    const store = new MemoryStore();
    await dirtyEveryOtherPage(cache.createMapping(store));
    const writesBefore = store.writes;
    await nextTurn();
    expect(store.writes - writesBefore).toBeLessThanOrEqual(2);
    expect(cache.nrDirty).toBeGreaterThan(BACKGROUND_PAGES);
    await cache.close();
  });

  it('once started, goes a chunk below the background threshold', async () => {
    const cache = new PageCache({ cacheSize: CACHE_PAGES * PAGE_SIZE, dirtyBackgroundRatio: 0.1, dirtyRatio: 0.9 });
    await dirtyEveryOtherPage(cache.createMapping(new MemoryStore()));
    for (let turn = 0; turn < 2 * DIRTY_PAGES && cache.nrDirty > BACKGROUND_PAGES - 128; turn++) await nextTurn();
    await nextTurn();
    expect(cache.nrDirty).toBeLessThan(BACKGROUND_PAGES - 100);
    expect(cache.nrDirty).toBeGreaterThan(0);
    await cache.close();
  });
});
