/** The counters of one PageCache (DESIGN §6), cheap to bump, copied out by snapshot(). */
import type { LockSide, LockWaitStats } from './pagecache-add-lock.js';

export interface CacheGauges {
  residentBytes: number;
  dirtyBytes: number;
  writebackBytes: number;
  mappings: number;
}

export type StatsSnapshot = Omit<PageCacheStats, 'snapshot'> & CacheGauges;

export class PageCacheStats implements LockWaitStats {
  cacheHits = 0;
  cacheMisses = 0;
  readaheadPages = 0;
  readaheadSkipped = 0;
  evictions = 0;
  invalidatedPages = 0;
  writebackPages = 0;
  writebackErrors = 0;
  dirtyThrottles = 0;
  /** Direct reclaims that slept because every page was in flight. */
  reclaimWaits = 0;
  /** Background work (readahead, the flusher) ended by an unexpected error (see PageCache.onBackgroundError). */
  backgroundErrors = 0;
  lockWaits: Record<LockSide, number> = { add: 0, block: 0 };
  lockWaitMs: Record<LockSide, number> = { add: 0, block: 0 };
  dioReads = 0;
  dioWrites = 0;
  dioBytesRead = 0;
  dioBytesWritten = 0;
  dioRetries = 0;
  /** Bytes copied by copy_file_range (through the store, around the cache). */
  copyRangeBytes = 0;
  faults = 0;
  faultErrors = 0;
  locksDropped = 0;
  invalidateLoops = 0;

  readonly #gauges: () => CacheGauges;

  constructor(gauges: () => CacheGauges) {
    this.#gauges = gauges;
  }

  /** A plain copy of every counter and gauge, safe to keep or serialize. */
  snapshot(): StatsSnapshot {
    return structuredClone({ ...this, ...this.#gauges() });
  }
}
