/**
 * Mapping: one file's pages in the cache (struct address_space), with its own pagecache_add_lock,
 * its dirty pages (oldest dirtied first) and its host, the BackingStore that holds the file below.
 */
import type { BackingStore } from './backing-store.js';
import { Errseq, type ErrseqCursor } from './errseq.js';
import type { Page } from './page.js';
import { PageList } from './page-list.js';
import { PagecacheAddLock } from './pagecache-add-lock.js';
import { PageTree } from './page-tree.js';
import type { PageCache } from './page-cache.js';

export interface ReadaheadState {
  /** The page index a sequential reader would read next. */
  nextIndex: number;
  /** Pages of the current readahead window. */
  window: number;
  /** End (exclusive) of what readahead has already been asked to read. */
  end: number;
}

export class Mapping {
  /** The cached pages by index (i_pages). */
  readonly pages = new PageTree();
  /** The dirty pages, oldest dirtied first (the pages the xarray tags PAGECACHE_TAG_DIRTY). */
  readonly dirty = new PageList();
  readonly lock: PagecacheAddLock;
  readonly readahead: ReadaheadState = { nextIndex: -1, window: 0, end: 0 };
  /** Writeback errors (mapping->wb_err): every open file hears of each one at its next fsync or close. */
  readonly wbErr = new Errseq();
  /** What in-process callers without a file of their own have seen of wbErr (fsync(mapping)). */
  readonly defaultCursor: ErrseqCursor = { since: 0 };
  /** Direct writes in flight (the write half of i_dio_count): they share the block side. */
  dioWritesInFlight = 0;

  constructor(
    readonly cache: PageCache,
    readonly host: BackingStore,
    /** Orders mappings for the fault handler (the kernel compares address_space pointers). */
    readonly id: number,
    readonly name: string,
  ) {
    this.lock = new PagecacheAddLock(name, cache.stats);
  }

  get nrpages(): number {
    return this.pages.size;
  }

  /** The cached pages with first <= index <= last, in index order. */
  pagesInRange(first: number, last: number): Page[] {
    const found: Page[] = [];
    if (last - first < this.pages.size) {
      for (let index = first; index <= last; index++) {
        const page = this.pages.get(index);
        if (page) found.push(page);
      }
      return found;
    }
    for (const page of this.pages.values()) if (page.index >= first && page.index <= last) found.push(page);
    return found.sort((a, b) => a.index - b.index);
  }

  toString(): string {
    return this.name;
  }
}
