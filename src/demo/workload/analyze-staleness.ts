/**
 * The offline judge of the coherence workload. A read is stale when it returned a version older
 * than one whose direct write had already returned before the read began: after pwrite(O_DIRECT)
 * returns, every later read must see that data (or newer). A write still in flight when the read
 * began may be seen or not; both are correct. Torn reads (a block mixing versions) are counted apart.
 */
import type { Sample } from './sample-log.js';

export interface StaleBucket {
  /** Start of the bucket, seconds since the first sample. */
  seconds: number;
  reads: number;
  stale: number;
}

export interface CoherenceReport {
  writes: number;
  reads: number;
  staleReads: number;
  stalePercent: number;
  /** The most versions a stale read lagged behind the newest completed write. */
  worstStaleness: number;
  tornReads: number;
  staleOverTime: StaleBucket[];
}

/** Per block: completion times in order, and the newest version completed by each of them. */
interface CompletedWrites {
  endNs: number[];
  newestVersion: number[];
}

function completedWritesByBlock(writes: Sample[]): Map<number, CompletedWrites> {
  const byBlock = new Map<number, Sample[]>();
  for (const write of writes) {
    let list = byBlock.get(write.block);
    if (!list) byBlock.set(write.block, (list = []));
    list.push(write);
  }
  const completed = new Map<number, CompletedWrites>();
  for (const [block, list] of byBlock) {
    list.sort((a, b) => a.endNs - b.endNs);
    let newest = 0;
    completed.set(block, {
      endNs: list.map((write) => write.endNs),
      newestVersion: list.map((write) => (newest = Math.max(newest, write.version))),
    });
  }
  return completed;
}

/** The newest version of a block whose write returned strictly before `timeNs` (0: none did). */
function newestCompletedBefore(completed: CompletedWrites | undefined, timeNs: number): number {
  if (!completed) return 0;
  let low = 0;
  let high = completed.endNs.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (completed.endNs[middle]! < timeNs) low = middle + 1;
    else high = middle;
  }
  return low === 0 ? 0 : completed.newestVersion[low - 1]!;
}

export function analyzeStaleness(samples: Sample[], bucketSeconds = 0.25): CoherenceReport {
  const writes = samples.filter((sample) => sample.kind === 'write');
  const reads = samples.filter((sample) => sample.kind === 'read');
  const completed = completedWritesByBlock(writes);
  const origin = samples.reduce((min, sample) => Math.min(min, sample.startNs), Infinity);
  const bucketNs = bucketSeconds * 1e9;
  const buckets: StaleBucket[] = [];
  let staleReads = 0;
  let tornReads = 0;
  let worstStaleness = 0;

  for (const read of reads) {
    const index = Math.floor((read.startNs - origin) / bucketNs);
    while (buckets.length <= index) buckets.push({ seconds: buckets.length * bucketSeconds, reads: 0, stale: 0 });
    const bucket = buckets[index]!;
    bucket.reads++;
    if (read.torn) {
      tornReads++;
      continue;
    }
    const lag = newestCompletedBefore(completed.get(read.block), read.startNs) - read.version;
    if (lag > 0) {
      staleReads++;
      bucket.stale++;
      worstStaleness = Math.max(worstStaleness, lag);
    }
  }

  return {
    writes: writes.length,
    reads: reads.length,
    staleReads,
    stalePercent: reads.length === 0 ? 0 : (100 * staleReads) / reads.length,
    worstStaleness,
    tornReads,
    staleOverTime: buckets,
  };
}
