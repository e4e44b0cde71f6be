/**
 * Guards the split between a page and its cache: a page's lock, unlock and writeback bits touch the
 * page and its waiters only (folio_unlock() clears a bit and wakes), never the cache's LRU, so they
 * neither evict anything nor make a page young; reclaim happens where the cache adds pages. A task
 * in direct reclaim that sleeps because every page is in flight still wakes when any page settles.
 */
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PageCache, bufferedRead, runTask } from '../../src/mm/api.js';
import type { Mapping } from '../../src/mm/mapping.js';
import type { Page } from '../../src/mm/page.js';
import { MemoryStore } from '../../src/mm/memory-store.js';
import { settle } from './prng.js';

const CACHE_PAGES = 16;

async function filledFile(cache: PageCache, name: string, pages: number): Promise<Mapping> {
  const store = new MemoryStore();
  await store.write(0, new Uint8Array(pages * PAGE_SIZE).fill(1));
  return cache.createMapping(store, name);
}

/** Read pages 0..n-1 of the file one at a time: each a miss, the LRU in index order. */
async function readEach(mapping: Mapping, n: number): Promise<void> {
  for (let index = 0; index < n; index++) await bufferedRead(mapping, index * PAGE_SIZE, new Uint8Array(PAGE_SIZE));
}

/** A cache full of file a's clean pages (read in index order), and a one-page file b not cached. */
async function cacheFullOfA(): Promise<{ cache: PageCache; a: Mapping; b: Mapping }> {
  const cache = new PageCache({ cacheSize: CACHE_PAGES * PAGE_SIZE, readaheadMaxPages: 0 });
  const a = await filledFile(cache, 'a', CACHE_PAGES);
  const b = await filledFile(cache, 'b', 1);
  await readEach(a, CACHE_PAGES);
  return { cache, a, b };
}

function pageOf(mapping: Mapping, index: number): Page {
  const page = mapping.pages.get(index);
  if (!page) throw new Error(`page ${index} of ${mapping} is not cached`);
  return page;
}

describe('page state changes', () => {
  it('never reach up into the cache: lock, unlock and writeback run with no cache behind the page', async () => {
    const cache = new PageCache({ cacheSize: CACHE_PAGES * PAGE_SIZE, readaheadMaxPages: 0 });
    const mapping = await filledFile(cache, 'a', 1);
    await readEach(mapping, 1);
    const page = pageOf(mapping, 0);
    Object.defineProperty(mapping, 'cache', { get: () => { throw new Error('a page state change reached the cache'); }, configurable: true });
    try {
      expect(page.trylock()).toBe(true);
      page.startWriteback();
      page.unlock();
      page.endWriteback();
      expect(page.locked || page.writeback).toBe(false);
    } finally {
      Object.defineProperty(mapping, 'cache', { value: cache });
    }
    await cache.close();
  });

  it('leave the LRU order alone: a page locked and unlocked is still the oldest, and no unlock evicts', async () => {
    const { cache, a, b } = await cacheFullOfA();
    expect(cache.nrPages).toBe(CACHE_PAGES);
    // Lock traffic on the oldest page, as writeback or a truncate of a neighbour makes it: no access.
    const oldest = pageOf(a, 0);
    for (let round = 0; round < 3; round++) {
      expect(oldest.trylock()).toBe(true);
      oldest.unlock();
    }
    expect(cache.stats.evictions).toBe(0);
    await readEach(b, 1);
    expect(cache.stats.evictions).toBe(1);
    expect(a.pages.has(0)).toBe(false);
    expect(a.pages.has(1)).toBe(true);
    await cache.close();
  });

  it('wake a task in direct reclaim when any locked page is unlocked, not only the oldest', async () => {
    const { cache, a, b } = await cacheFullOfA();
    // Every page in flight (as readers of each would hold them): no page can go.
    const pages = Array.from({ length: CACHE_PAGES }, (_, index) => pageOf(a, index));
    for (const page of pages) expect(page.trylock()).toBe(true);
    let done = false;
    const reader = runTask('reader', () => bufferedRead(b, 0, new Uint8Array(PAGE_SIZE))).then(() => void (done = true));
    await settle();
    expect(done).toBe(false);
    expect(cache.stats.reclaimWaits).toBeGreaterThan(0);
    expect(cache.nrPages).toBe(CACHE_PAGES);
    pages[7]!.unlock();
    await settle();
    expect(done).toBe(true);
    await reader;
    expect(a.pages.has(7)).toBe(false);
    expect(cache.nrPages).toBe(CACHE_PAGES);
    for (const page of pages) if (page.locked) page.unlock();
    await cache.close();
  });
});
