/**
 * Readahead (mm/readahead.c, on-demand): while reads stay sequential, read a growing window ahead
 * in the background. Like bch2_readahead() after its deadlock fix, it only *tries* the add side
 * and skips itself when a direct write holds or waits for the block side.
 */
import type { Mapping } from './mapping.js';
import { PAGE_SIZE, type Page } from './page.js';
import { FsError } from '../util/errno.js';

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
  // A window that is all cached needs no reading (the kernel would not even have reached here:
  // its async readahead starts only at a page marked PG_readahead, or at a miss).
  if (!hasUncachedPage(mapping, start, end)) return;
  mapping.cache.runInBackground('readahead', () => readPages(mapping, start, end));
}

function hasUncachedPage(mapping: Mapping, start: number, end: number): boolean {
  for (let index = start; index < end; index++) if (!mapping.pages.has(index)) return true;
  return false;
}

/**
 * mirrors read_pages(): fill locked, new pages with consecutive indexes from the store with one
 * read into their frames (a readahead bio), zeros past i_size. read_folio() is a run of one.
 * Context: the caller holds the pages' locks.
 */
export async function readFolios(run: readonly Page[]): Promise<void> {
  const first = run[0];
  if (!first) return;
  const { host } = first.mapping;
  if (first.pos >= host.size()) {
    for (const page of run) page.data.fill(0);
  } else {
    await host.read(first.pos, run.map((page) => page.data));
  }
  for (const page of run) {
    page.blockNr = host.bmap(page.index);
    page.uptodate = true;
  }
}

/**
 * mirrors bch2_readahead(): add the pages of [start, end) that are not cached, using only clean
 * room in the cache, and read each run of consecutive new pages with one store read.
 * Context: tries the mapping's add side, never sleeps for it; holds the new pages' locks.
 */
async function readPages(mapping: Mapping, start: number, end: number): Promise<void> {
  const { cache } = mapping;
  if (!mapping.lock.addTryGet()) {
    cache.stats.readaheadSkipped++;
    mapping.readahead.end = start;
    return;
  }
  let run: Page[] = [];
  try {
    for (let index = start; index < end; index++) {
      // Only clean room: readahead never writes back to make space for itself.
      const added = cache.tryAddLockedPage(mapping, index);
      if (added.kind === 'added') {
        run.push(added.page);
        continue;
      }
      if (run.length > 0) await readRun(run);
      run = [];
      if (added.kind === 'no-room') return;
    }
    await readRun(run);
  } finally {
    mapping.lock.addPut();
  }
}

/**
 * Read new locked pages and unlock them. On a store error they leave the cache, and the error is
 * left to the reader's own read of those pages; anything else is a bug, reported as background work's.
 */
async function readRun(run: Page[]): Promise<void> {
  if (run.length === 0) return;
  const { cache } = run[0]!.mapping;
  try {
    await readFolios(run);
    cache.stats.readaheadPages += run.length;
  } catch (err) {
    for (const page of run) cache.deletePage(page);
    if (!(err instanceof FsError)) throw err;
  } finally {
    for (const page of run) page.unlock();
  }
}
