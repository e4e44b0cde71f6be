/**
 * Schedule points: named places between the steps of the IO paths where a test (or the demo) can
 * take control to force an interleaving, or widen a race window with a delay (fault injection).
 * With no hook installed they cost one property read.
 */
import type { Mapping } from './mapping.js';

export type SchedulePoint =
  | 'buffered-read:after-miss' // placeholder page added, before the store read
  | 'buffered-write:after-copy' // page dirtied, before the next page
  | 'fault:after-miss' // fault added a placeholder, before the store read
  | 'dio-write:after-flush' // range written back, before eviction
  | 'dio-write:after-evict' // range evicted, before the store write (the evict race window)
  | 'dio-write:after-store-write' // data in the store, before the block side is released
  | 'dio-read:after-writeback' // dirty pages written back, before the store read
  | 'copy-range:after-invalidate' // destination range invalidated, before the store copy
  | 'writeback:before-store-write'
  | 'truncate:after-evict';

export type ScheduleHook = (point: SchedulePoint, mapping: Mapping) => void | Promise<void>;

/** Await this at a schedule point: a no-op unless the mapping's cache has a hook installed. */
export function schedulePoint(mapping: Mapping, point: SchedulePoint): void | Promise<void> {
  const hook = mapping.cache.scheduleHook;
  return hook ? hook(point, mapping) : undefined;
}
