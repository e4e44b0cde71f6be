/**
 * Disk reservations of dirty pages, as bcachefs takes them at write_begin: a page dirtied over a
 * hole will need a block at writeback, so the write reserves it first, and fails with ENOSPC before
 * it accepts a byte when there is none. Writeback turns the reservation into an allocation;
 * a dirty page dropped unwritten (truncate, unlink) gives it back. Overwrites of allocated blocks
 * need none.
 */
import type { Page } from './page.js';

/**
 * mirrors bch2_folio_reservation_get(): reserve the block behind a page about to be dirtied, if it
 * is a hole and the page holds no reservation yet. Throws ENOSPC, changing nothing, when full.
 * Context: the caller holds the page lock.
 */
export function folioReservationGet(page: Page): void {
  if (page.reserved || page.mapping.host.bmap(page.index) !== null) return;
  page.mapping.host.reserve(1);
  page.reserved = true;
}

/** mirrors bch2_folio_reservation_put(): the page will not be written back; its block goes back. */
export function folioReservationPut(page: Page): void {
  if (!page.reserved) return;
  page.reserved = false;
  page.mapping.host.unreserve(1);
}

/** Reservations a writeback of `pages` brings to the store write, which uses them up (or gives them back) on success. */
export function reservedBlocks(pages: readonly Page[]): number {
  let n = 0;
  for (const page of pages) if (page.reserved) n++;
  return n;
}

/** The store write of `pages` succeeded: their reservations were used up or given back by it. */
export function reservationsConsumed(pages: readonly Page[]): void {
  for (const page of pages) page.reserved = false;
}
