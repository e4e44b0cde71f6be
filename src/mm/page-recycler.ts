/**
 * Page recycling after a grace period: the Page objects of evicted pages are handed out again for
 * new pages, but only once no task that might still hold one is running.
 *
 * Why a grace period: a task may keep a Page across an await and look at it again afterwards
 * (`page.attached`, its frame). Were the object reused meanwhile for another file's page, that
 * look would pass and read the wrong data. The kernel frees a folio when its refcount drops to
 * zero and finds pages under RCU; here tasks play RCU's readers (call_rcu()): a freed Page is
 * retired into the current epoch, every task counts in the epoch it started in, and an epoch's
 * pages become reusable once it and every older epoch have no task left. A task that runs long
 * declares quiescent states where it holds no page (rcu_quiescent_state(), cond_resched()).
 *
 * The epochs are global, as RCU's grace periods are: a task that never ends (stuck on a lock, a
 * store that hangs) stops reuse for every cache in the process, which then falls back to new Pages.
 *
 * Why at all: without reuse every miss makes a Page that lives long enough to reach V8's old
 * generation and dies there (measured: 128 KiB writes through a cache a quarter of the working
 * set, 1.35x faster with reuse; reads 1.4x).
 */
import type { Page } from './page.js';

/** Pages retired per epoch before a new epoch opens. */
const EPOCH_PAGES = 64;
/** Retired plus reusable pages kept at most; beyond that freed pages are left to the GC. */
const MAX_KEPT = 8192;

export interface Epoch {
  /** Tasks started in this epoch and still running. */
  tasks: number;
  retired: Page[];
}

const newEpoch = (): Epoch => ({ tasks: 0, retired: [] });

let currentEpoch = newEpoch();
/** Closed epochs whose pages are not reusable yet, oldest first. */
const waiting: Epoch[] = [];
const reusable: Page[] = [];
let kept = 0;

/** A task starts: it may take page references from now on (rcu_read_lock()). */
export function epochEnter(): Epoch {
  currentEpoch.tasks++;
  return currentEpoch;
}

/** A task ends, or holds no page any more (rcu_read_unlock()). */
export function epochExit(epoch: Epoch): void {
  if (epoch.tasks === 0) throw new Error('page recycler: a task left an epoch it was not in');
  epoch.tasks--;
  if (epoch.tasks === 0) reclaimEpochs();
}

/** Hand a Page that has left its mapping and has no pin to the recycler (call_rcu()). */
export function retirePage(page: Page): void {
  if (kept >= MAX_KEPT) return;
  kept++;
  currentEpoch.retired.push(page);
  if (currentEpoch.retired.length < EPOCH_PAGES) return;
  waiting.push(currentEpoch);
  currentEpoch = newEpoch();
  reclaimEpochs();
}

/** A Page past its grace period, to be reinitialised for a new page; undefined if none is. */
export function reusePage(): Page | undefined {
  const page = reusable.pop();
  if (page) kept--;
  return page;
}

/** Move the pages of every finished epoch at the head of the queue to the reusable list. */
function reclaimEpochs(): void {
  while (waiting.length > 0 && waiting[0]!.tasks === 0) {
    for (const page of waiting.shift()!.retired) reusable.push(page);
  }
}
