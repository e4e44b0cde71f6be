/** Shared set-up for the coherence tests: a cache over one in-memory file filled with a pattern. */
import { PAGE_SIZE, PageCache, type CoherenceMode, type Mapping, type PageCacheOptions } from '../../src/mm/api.js';
import { MemoryStore } from '../../src/mm/memory-store.js';

export interface Fixture {
  cache: PageCache;
  store: MemoryStore;
  file: Mapping;
}

/** Pages of `fill`: every byte of page i is (fill + i) & 0xff. */
export function pattern(pages: number, fill: number): Uint8Array {
  const bytes = new Uint8Array(pages * PAGE_SIZE);
  for (let i = 0; i < pages; i++) bytes.fill((fill + i) & 0xff, i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
  return bytes;
}

export async function fixture(
  coherence: CoherenceMode,
  pages = 8,
  options: Partial<PageCacheOptions> = {},
  yieldToEventLoop = false,
): Promise<Fixture> {
  const cache = new PageCache({ cacheSize: 64 * PAGE_SIZE, coherence, dirtyExpireMs: 60_000, ...options });
  const store = new MemoryStore({ yieldToEventLoop });
  await store.write(0, pattern(pages, 0));
  return { cache, store, file: cache.createMapping(store, 'file') };
}

/** Every cached, clean, uptodate page equals what the store holds there. */
export function staleCachedPages(f: Fixture): number[] {
  const stale: number[] = [];
  for (const page of f.file.pages.values()) {
    if (!page.uptodate || page.dirty || page.locked) continue;
    const onStore = f.store.contents().subarray(page.pos, page.pos + PAGE_SIZE);
    const cached = page.data.subarray(0, onStore.length);
    if (!Buffer.from(cached).equals(Buffer.from(onStore))) stale.push(page.index);
  }
  return stale;
}

export function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}
