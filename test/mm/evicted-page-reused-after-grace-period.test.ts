/**
 * Guards the page recycler (src/mm/page-recycler.ts): the Page object of an evicted page is not
 * reused while a task that might still hold it runs, and is reused once that task has ended.
 * Reused too early, a task that looked a page up before an await would afterwards see another
 * file's data under the same object and take it for its own.
 */
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PageCache, bufferedRead, bufferedWrite, runTask } from '../../src/mm/api.js';
import type { Mapping } from '../../src/mm/api.js';
import { MemoryStore } from './memory-store.js';

const CACHE_PAGES = 16;

async function fileOfPages(cache: PageCache, pages: number): Promise<Mapping> {
  const mapping = cache.createMapping(new MemoryStore());
  await bufferedWrite(mapping, 0, new Uint8Array(pages * PAGE_SIZE).fill(7));
  return mapping;
}

/** Read every page of a file far larger than the cache, a task per read: each miss evicts a page and adds one. */
async function churn(mapping: Mapping, pages: number): Promise<void> {
  const buf = new Uint8Array(PAGE_SIZE);
  for (let index = 0; index < pages; index++) await bufferedRead(mapping, index * PAGE_SIZE, buf);
}

describe('evicted pages are reused only after a grace period', () => {
  it('reuses the Page objects of evicted pages', async () => {
    const cache = new PageCache({ cacheSize: CACHE_PAGES * PAGE_SIZE, readaheadMaxPages: 0 });
    const file = await fileOfPages(cache, 40 * CACHE_PAGES);
    const objects = new Set<unknown>();
    const buf = new Uint8Array(PAGE_SIZE);
    // Each read a task of its own, as each FUSE request is.
    for (let index = 0; index < 40 * CACHE_PAGES; index++) {
      await bufferedRead(file, index * PAGE_SIZE, buf);
      objects.add(file.pages.get(index));
    }
    expect(objects.size).toBeLessThan(10 * CACHE_PAGES);
    await cache.close();
  });

  it('keeps a Page out of reuse while a task that saw it is running', async () => {
    const cache = new PageCache({ cacheSize: CACHE_PAGES * PAGE_SIZE, readaheadMaxPages: 0 });
    const held = await fileOfPages(cache, 1);
    const other = await fileOfPages(cache, 40 * CACHE_PAGES);
    await cache.syncAll();

    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let looked!: () => void;
    const lookedUp = new Promise<void>((resolve) => (looked = resolve));
    const holder = runTask('holder', async () => {
      await bufferedRead(held, 0, new Uint8Array(PAGE_SIZE));
      const seen = held.pages.get(0)!;
      looked();
      await gate;
      // Still the page it looked up, evicted meanwhile: not another file's page under the same object.
      return { attached: seen.attached, mapping: seen.mapping, index: seen.index };
    });
    await lookedUp;
    await churn(other, 40 * CACHE_PAGES);
    release();
    expect(await holder).toEqual({ attached: false, mapping: held, index: 0 });
    await cache.close();
  });
});
