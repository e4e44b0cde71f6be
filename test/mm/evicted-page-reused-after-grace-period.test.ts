/**
 * Guards the page recycler (src/mm/page-recycler.ts): the Page object of an evicted page is not
 * reused while a task that might still hold it runs. Reused too early, a task that looked a page
 * up before an await would afterwards see another file's data under the same object and take it
 * for its own. The dangerous cases: the holder writes through the cache and is throttled (it must
 * not be declared quiescent), and work left behind by an ended task (it must get a task of its own
 * and must not unbalance the epochs).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PAGE_SIZE, PageCache, bufferedRead, bufferedWrite, current, runTask } from '../../src/mm/api.js';
import type { Mapping } from '../../src/mm/api.js';
import { MemoryStore } from '../../src/mm/memory-store.js';

const CACHE_PAGES = 16;
const CHURN_PAGES = 40 * CACHE_PAGES;

async function fileOfPages(cache: PageCache, pages: number): Promise<Mapping> {
  const mapping = cache.createMapping(new MemoryStore());
  await bufferedWrite(mapping, 0, new Uint8Array(pages * PAGE_SIZE).fill(7));
  return mapping;
}

/**
 * Read every page of a file far larger than the cache, a task per read, each from the event loop
 * as a FUSE request comes (the flusher runs between them): each miss evicts a page and adds one.
 */
async function churn(mapping: Mapping): Promise<number> {
  const objects = new Set<unknown>();
  const buf = new Uint8Array(PAGE_SIZE);
  for (let index = 0; index < CHURN_PAGES; index++) {
    await new Promise((resolve) => setImmediate(resolve));
    await bufferedRead(mapping, index * PAGE_SIZE, buf);
    objects.add(mapping.pages.get(index));
  }
  return objects.size;
}

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/** What a holder sees of its page: the same page, evicted, or another file's page under the same object. */
const identity = (page: { attached: boolean; mapping: Mapping; index: number }) => ({ attached: page.attached, mapping: String(page.mapping), index: page.index });

/** Keep the flusher asleep before its store writes (a slow disk), so that writers over the dirty limit write back themselves. */
function stallFlusher(cache: PageCache): () => void {
  const stalled = gate();
  cache.scheduleHook = (point) => (point === 'writeback:before-store-write' && current().name === 'flusher' ? stalled.wait : undefined);
  return () => {
    cache.scheduleHook = null;
    stalled.open();
  };
}

/**
 * A task reads page 0 of its own file, keeps the Page, runs `meanwhile` while other tasks churn
 * the cache, then reports what its Page is. Returns that and the churn's distinct Page objects.
 */
async function holdAcrossChurn(cache: PageCache, meanwhile: () => Promise<void>) {
  const held = await fileOfPages(cache, 1);
  const other = await fileOfPages(cache, CHURN_PAGES);
  await cache.syncAll();
  const looked = gate();
  const churned = gate();
  const meanwhileDone = gate();
  const churnedAgain = gate();
  const holder = runTask('holder', async () => {
    await bufferedRead(held, 0, new Uint8Array(PAGE_SIZE));
    const seen = held.pages.get(0)!;
    looked.open();
    await churned.wait;
    await meanwhile();
    meanwhileDone.open();
    await churnedAgain.wait;
    return identity(seen);
  });
  await looked.wait;
  await churn(other);
  churned.open();
  await meanwhileDone.wait;
  await churn(other);
  churnedAgain.open();
  return { held: String(held), seen: await holder, objectsAfter: await churn(other) };
}

describe('evicted pages are reused only after a grace period', () => {
  let cache: PageCache | undefined;
  afterEach(async () => {
    cache!.scheduleHook = null;
    await cache!.close();
  });

  it('reuses the Page objects of evicted pages', async () => {
    cache = new PageCache({ cacheSize: CACHE_PAGES * PAGE_SIZE, readaheadMaxPages: 0 });
    const file = await fileOfPages(cache, CHURN_PAGES);
    expect(await churn(file)).toBeLessThan(CHURN_PAGES / 4);
  });

  it('keeps a Page out of reuse while a task that saw it is running', async () => {
    cache = new PageCache({ cacheSize: CACHE_PAGES * PAGE_SIZE, readaheadMaxPages: 0 });
    const { held, seen } = await holdAcrossChurn(cache, async () => undefined);
    expect(seen).toEqual({ attached: false, mapping: held, index: 0 });
  });

  it('keeps it out of reuse while its holder writes and is throttled to write back itself', async () => {
    cache = new PageCache({ cacheSize: CACHE_PAGES * PAGE_SIZE, readaheadMaxPages: 0 });
    const c = cache;
    const scratch = c.createMapping(new MemoryStore());
    const { held, seen } = await holdAcrossChurn(c, async () => {
      const resume = stallFlusher(c);
      await bufferedWrite(c.createMapping(new MemoryStore()), 0, new Uint8Array(2 * PAGE_SIZE));
      const throttles = c.stats.dirtyThrottles;
      await bufferedWrite(scratch, 0, new Uint8Array(8 * PAGE_SIZE).fill(1));
      expect(c.stats.dirtyThrottles).toBeGreaterThan(throttles);
      resume();
    });
    expect(seen).toEqual({ attached: false, mapping: held, index: 0 });
  });

  it('gives work left behind by an ended task a task of its own, and keeps reusing pages', async () => {
    cache = new PageCache({ cacheSize: CACHE_PAGES * PAGE_SIZE, readaheadMaxPages: 0 });
    const c = cache;
    const scratch = c.createMapping(new MemoryStore());
    const late = gate();
    const lateDone = gate();
    let lateTask = '';
    await runTask('parent', () => {
      void (async () => {
        await late.wait;
        await bufferedWrite(scratch, 0, new Uint8Array(8 * PAGE_SIZE).fill(1));
        lateDone.open();
      })();
    });
    const { held, seen, objectsAfter } = await holdAcrossChurn(c, async () => {
      const resume = stallFlusher(c);
      await bufferedWrite(c.createMapping(new MemoryStore()), 0, new Uint8Array(2 * PAGE_SIZE));
      const flusherHook = c.scheduleHook;
      c.scheduleHook = (point, mapping) => {
        if (mapping === scratch && point === 'buffered-write:after-copy') lateTask = current().name;
        return flusherHook?.(point, mapping);
      };
      late.open();
      await lateDone.wait;
      resume();
    });
    expect(lateTask).toBe('buffered-write');
    expect(seen).toEqual({ attached: false, mapping: held, index: 0 });
    expect(objectsAfter).toBeLessThan(CHURN_PAGES / 4);
  });
});
