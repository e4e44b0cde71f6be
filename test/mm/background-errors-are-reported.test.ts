/**
 * Guards background work's failures: an unexpected error that ends readahead or the flusher (a bug,
 * a store that throws something other than an FsError) reaches the cache's onBackgroundError hook,
 * which the daemon logs, and is counted in the stats, instead of vanishing.
 */
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PageCache, bufferedRead } from '../../src/mm/api.js';
import type { IoVec } from '../../src/util/iovec.js';
import { MemoryStore } from '../../src/mm/memory-store.js';

/** A store whose reads past the first two pages throw a plain TypeError: a bug below the cache. */
class BuggyStore extends MemoryStore {
  override async read(pos: number, dst: IoVec): Promise<void> {
    if (pos >= 2 * PAGE_SIZE) throw new TypeError('store bug');
    return super.read(pos, dst);
  }
}

describe('background work', () => {
  it('reports an unexpected readahead error through onBackgroundError and the stats', async () => {
    const cache = new PageCache({ cacheSize: 64 * PAGE_SIZE, readaheadMaxPages: 8 });
    const reported: Array<{ task: string; error: unknown }> = [];
    cache.onBackgroundError = (task, error) => reported.push({ task, error });
    const store = new BuggyStore();
    await store.write(0, new Uint8Array(32 * PAGE_SIZE).fill(3));
    const mapping = cache.createMapping(store, 'buggy');
    // Two sequential reads start readahead past page 1, into the reads that throw.
    await bufferedRead(mapping, 0, new Uint8Array(PAGE_SIZE));
    await bufferedRead(mapping, PAGE_SIZE, new Uint8Array(PAGE_SIZE));
    await cache.close();
    expect(reported).toHaveLength(1);
    expect(reported[0]!.task).toBe('readahead');
    expect(reported[0]!.error).toBeInstanceOf(TypeError);
    expect(cache.stats.backgroundErrors).toBe(1);
    // The failed pages left the cache: a later read goes to the store itself and hears the error.
    expect(mapping.pages.has(2)).toBe(false);
  });

  it('reports any background task that throws, by name', async () => {
    const cache = new PageCache({ cacheSize: 16 * PAGE_SIZE });
    const reported: string[] = [];
    cache.onBackgroundError = (task, error) => reported.push(`${task}: ${(error as Error).message}`);
    cache.runInBackground('flusher', () => Promise.reject(new Error('broken')));
    await cache.close();
    expect(reported).toEqual(['flusher: broken']);
    expect(cache.stats.backgroundErrors).toBe(1);
  });
});
