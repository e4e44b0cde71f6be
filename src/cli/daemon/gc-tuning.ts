/**
 * Garbage-collector tuning for the daemon. Under a cache that churns (pages evicted and added at
 * thousands a second), V8's defaults let the young generation grow to 16 MiB semi-spaces and the old
 * generation grow several times past what is live before a major collection: measured, a 256M cache
 * peaked at 480 MiB RSS, 100 MiB of it garbage in the heap (live: about 250 bytes per cached page).
 * Keeping new space at its initial size and the old generation within 1.5x of what survived the last
 * collection brought the peak to 377 MiB, with no loss of throughput in the same fio sequence. Both
 * flags only steer heuristics that V8 reads at each collection, so setting them at run time is safe.
 */
import { setFlagsFromString } from 'node:v8';

export function tuneGarbageCollector(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--heap-growing-percent=50');
}
