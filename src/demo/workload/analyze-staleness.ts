/**
 * The offline judge of the coherence workload. A read is stale when it returned a version older
 * than one whose direct write had already returned before the read began: after pwrite(O_DIRECT)
 * returns, every later read must see that data (or newer). A write still in flight when the read
 * began may be seen or not; both are correct. Torn reads (a block mixing versions) are counted apart:
 * a read that overlapped a write of its block may legitimately see a mix (O_DIRECT promises no
 * atomicity against concurrent readers; ext4 shows it through mmap), so only torn reads with no
 * write of the block in flight are `tornReads`, the others `tornWhileWriting`.
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
  tornWhileWriting: number;
  staleOverTime: StaleBucket[];
}

/** Per block: completion times in order, and the newest version completed by each of them. */
interface CompletedWrites {
  startNs: number[];
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
      startNs: list.map((write) => write.startNs),
      endNs: list.map((write) => write.endNs),
      newestVersion: list.map((write) => (newest = Math.max(newest, write.version))),
    });
  }
  return completed;
}

/** How many of the block's writes returned strictly before `timeNs`. */
function completedBefore(completed: CompletedWrites, timeNs: number): number {
  let low = 0;
  let high = completed.endNs.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (completed.endNs[middle]! < timeNs) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The newest version of a block whose write returned strictly before `timeNs` (0: none did). */
function newestCompletedBefore(completed: CompletedWrites | undefined, timeNs: number): number {
  const count = completed ? completedBefore(completed, timeNs) : 0;
  return count === 0 ? 0 : completed!.newestVersion[count - 1]!;
}

/** Whether a write of the block was in flight at some time in [startNs, endNs]. */
function writeOverlaps(completed: CompletedWrites | undefined, startNs: number, endNs: number): boolean {
  if (!completed) return false;
  // The block's writes do not overlap one another (one writer owns it): the first to end at or
  // after startNs is the only candidate.
  const next = completedBefore(completed, startNs);
  return next < completed.endNs.length && completed.startNs[next]! <= endNs;
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
  let tornWhileWriting = 0;
  let worstStaleness = 0;

  for (const read of reads) {
    const index = Math.floor((read.startNs - origin) / bucketNs);
    while (buckets.length <= index) buckets.push({ seconds: buckets.length * bucketSeconds, reads: 0, stale: 0 });
    const bucket = buckets[index]!;
    bucket.reads++;
    if (read.torn) {
      if (writeOverlaps(completed.get(read.block), read.startNs, read.endNs)) tornWhileWriting++;
      else tornReads++;
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
    tornWhileWriting,
    staleOverTime: buckets,
  };
}
