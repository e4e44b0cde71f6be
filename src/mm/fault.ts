/**
 * The fault handlers of mapped views: filemap_fault, and bcachefs's bch2_page_fault and
 * bch2_page_mkwrite around it, which take the add side of the faulting file's lock.
 */
import { filemapGetPage } from './filemap.js';
import { assertHeld } from './lockdep.js';
import type { Mapping } from './mapping.js';
import { PAGE_SIZE } from './page.js';
import { folioReservationGet } from './reservation.js';
import { current } from './task.js';
import { FsError } from '../util/errno.js';

/**
 * mirrors filemap_fault(): bring the page at index into the cache. Past EOF is SIGBUS (EFAULT).
 * Context: the caller holds the mapping's add side; may sleep.
 */
export async function filemapFault(mapping: Mapping, index: number): Promise<void> {
  assertHeld(mapping.lock, 'add');
  const { cache } = mapping;
  cache.stats.faults++;
  if (index * PAGE_SIZE >= mapping.host.size()) throw faultError(mapping, 'access past end of file (SIGBUS)');
  await filemapGetPage(mapping, index, 'fault:after-miss');
}

/**
 * mirrors bch2_page_fault(). With no faults_disabled_mapping, or one ordered before this mapping
 * (lower id), it takes the add side and faults the page in. If the faulting task is a direct write
 * into this very mapping, it refuses (EFAULT: the kernel's SIGBUS that gup turns into -EFAULT).
 * If the direct write's mapping orders after this one, it only tries the add side; on failure it
 * drops the direct write's block side, waits for this mapping to admit adds, retakes the block
 * side, flags "locks dropped" and refuses, so the direct write re-evicts and retries.
 * Context: takes and releases the mapping's add side; may drop and retake the block side of
 * current().faultsDisabledMapping; may sleep.
 */
export async function pageFault(mapping: Mapping, index: number): Promise<void> {
  const task = current();
  const fdm = mapping.cache.options.unsafeDisableFaultChecks ? null : task.faultsDisabledMapping;
  if (fdm === mapping) throw faultError(mapping, 'direct write source is a view of the same file');
  if (fdm && fdm.id > mapping.id && !mapping.lock.addTryGet()) {
    fdm.lock.blockPut();
    await mapping.lock.addGet();
    mapping.lock.addPut();
    await fdm.lock.blockGet();
    task.fdmDroppedLocks = true;
    mapping.cache.stats.locksDropped++;
    throw faultError(mapping, 'locks dropped, retry');
  }
  if (!fdm || fdm.id < mapping.id) await mapping.lock.addGet();
  try {
    await filemapFault(mapping, index);
  } finally {
    mapping.lock.addPut();
  }
}

/**
 * mirrors bch2_page_mkwrite(): the first store to a clean mapped page makes it dirty. Takes the add
 * side unconditionally (no fdm check: a direct write's pinning only reads, and a direct read holds
 * no lock), which keeps pages from being re-dirtied under a direct write's invalidation. A page
 * over a hole reserves its block first: on a full filesystem the store fails (ENOSPC, the kernel's
 * SIGBUS) instead of a writeback failing later.
 * Context: takes and releases the mapping's add side and the page lock; may sleep.
 */
export async function pageMkwrite(mapping: Mapping, index: number): Promise<void> {
  const { cache } = mapping;
  await mapping.lock.addGet();
  try {
    for (;;) {
      await filemapFault(mapping, index);
      const page = mapping.pages.get(index);
      if (!page) continue;
      await page.lock();
      try {
        if (!page.attached || !page.uptodate) continue;
        await page.waitOnWriteback();
        if (page.pos >= mapping.host.size()) throw faultError(mapping, 'page truncated (SIGBUS)');
        folioReservationGet(page);
        cache.markPageDirty(page);
        return;
      } finally {
        page.unlock();
      }
    }
  } finally {
    mapping.lock.addPut();
  }
}

function faultError(mapping: Mapping, why: string): FsError {
  mapping.cache.stats.faultErrors++;
  return new FsError('EFAULT', `fault on ${mapping}: ${why}`);
}
