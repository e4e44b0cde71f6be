/**
 * Bounce buffers: the 128 KiB staging buffers of multi-page store reads and writes (readahead,
 * writepages), taken from a free list rather than allocated per request. Fresh 128 KiB buffers at
 * thousands of requests a second pile up as garbage between collections and push the daemon's
 * RSS far past cache_size.
 */
import { PAGE_SIZE } from './page.js';

/** Pages one bounce buffer holds. */
export const BOUNCE_PAGES = 32;
/** Free buffers kept; more than this many in flight at once are simply dropped when freed. */
const MAX_FREE = 16;

const free: Uint8Array[] = [];

export function bounceAlloc(): Uint8Array {
  return free.pop() ?? new Uint8Array(BOUNCE_PAGES * PAGE_SIZE);
}

export function bounceFree(buffer: Uint8Array): void {
  if (free.length < MAX_FREE) free.push(buffer);
}
