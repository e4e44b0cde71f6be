/**
 * Readahead (mm/readahead.c, on-demand): while reads stay sequential, read a growing window ahead
 * in the background. Like bch2_readahead() after its deadlock fix, it only *tries* the add side
 * and skips itself when a direct write holds or waits for the block side.
 */
import { readFolio } from './filemap.js';
import type { Mapping } from './mapping.js';
import { PAGE_SIZE } from './page.js';

const INITIAL_WINDOW = 4;

/** mirrors page_cache_sync_ra()/page_cache_async_ra(): called after reading pages first..last. */
export function pageCacheReadahead(mapping: Mapping, first: number, last: number): void {
  const ra = mapping.readahead;
  const maxPages = mapping.cache.options.readaheadMaxPages;
  const sequential = first === ra.nextIndex || first === ra.nextIndex - 1;
  ra.nextIndex = last + 1;
  if (maxPages === 0 || !sequential) {
    ra.window = 0;
    ra.end = last + 1;
    return;
  }
  ra.window = Math.min(maxPages, Math.max(INITIAL_WINDOW, ra.window * 2));
  const start = Math.max(ra.end, last + 1);
  const end = Math.min(last + 1 + ra.window, Math.ceil(mapping.host.size() / PAGE_SIZE));
  if (start >= end) return;
  ra.end = end;
  mapping.cache.runInBackground('readahead', () => readPages(mapping, start, end));
}

/**
 * mirrors bch2_readahead(): add and read pages [start, end) that are not cached, using only clean
 * room in the cache. Context: tries the mapping's add side, never sleeps for it.
 */
async function readPages(mapping: Mapping, start: number, end: number): Promise<void> {
  const { cache } = mapping;
  if (!mapping.lock.addTryGet()) {
    cache.stats.readaheadSkipped++;
    mapping.readahead.end = start;
    return;
  }
  try {
    for (let index = start; index < end; index++) {
      if (mapping.pages.has(index)) continue;
      const page = await cache.addLockedPage(mapping, index, false);
      if (!page) {
        if (mapping.pages.has(index)) continue;
        return;
      }
      try {
        await readFolio(page);
        cache.stats.readaheadPages++;
      } catch {
        cache.deletePage(page);
        return;
      } finally {
        page.unlock();
      }
    }
  } finally {
    mapping.lock.addPut();
  }
}
