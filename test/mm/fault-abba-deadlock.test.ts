import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PageCache, directWrite, mmap, reportWaitFor, runTask } from '../../src/mm/api.js';
import { pattern, same } from './coherence-fixture.js';
import { MemoryStore } from '../../src/mm/memory-store.js';
import { settle } from './prng.js';

/**
 * Task 1 direct-writes file A from a view of file B while task 2 direct-writes B from a view of A.
 * Both are held at the schedule point after their eviction until both have their block side, so
 * each then faults on the file the other one blocks: the ABBA that bch2_page_fault's ordering by
 * mapping id and its "locks dropped" retry exist to break.
 */
async function abba(unsafeDisableFaultChecks: boolean) {
  const cache = new PageCache({ cacheSize: 64 * PAGE_SIZE, unsafeDisableFaultChecks });
  const storeA = new MemoryStore();
  const storeB = new MemoryStore();
  await storeA.write(0, pattern(8, 10));
  await storeB.write(0, pattern(8, 50));
  const a = cache.createMapping(storeA, 'A');
  const b = cache.createMapping(storeB, 'B');
  let arrived = 0;
  let release!: () => void;
  const bothIn = new Promise<void>((resolve) => (release = resolve));
  cache.scheduleHook = async (point) => {
    if (point !== 'dio-write:after-evict') return;
    if (++arrived === 2) release();
    await bothIn;
  };
  const outcome = { t1: false, t2: false };
  const t1 = runTask('t1', () => directWrite(a, 4 * PAGE_SIZE, mmap(b, 0, 4 * PAGE_SIZE))).then(() => (outcome.t1 = true));
  const t2 = runTask('t2', () => directWrite(b, 4 * PAGE_SIZE, mmap(a, 0, 4 * PAGE_SIZE))).then(() => (outcome.t2 = true));
  await settle(50);
  return { cache, storeA, storeB, outcome, done: Promise.all([t1, t2]) };
}

describe('ABBA: two direct writes, each from a view of the file the other writes', () => {
  it('deadlocks with the fault-handler checks off, and the watchdog reports who holds what', async () => {
    const { cache, outcome } = await abba(true);
    expect(outcome).toEqual({ t1: false, t2: false });
    const report = reportWaitFor(cache.mappings);
    expect(report.deadlock?.map((t) => t.split('#')[0]).sort()).toEqual(['t1', 't2']);
    expect(report.text).toMatch(/^A: block held by t1#\d+×1; waiting: t2#\d+ \(add/m);
    expect(report.text).toMatch(/^B: block held by t2#\d+×1; waiting: t1#\d+ \(add/m);
    expect(report.text).toMatch(/DEADLOCK/);
  });

  it('completes with the checks on, with the right data, after dropping locks and retrying', async () => {
    const { cache, storeA, storeB, done } = await abba(false);
    await done;
    expect(same(storeA.contents().subarray(4 * PAGE_SIZE), pattern(8, 50).subarray(0, 4 * PAGE_SIZE))).toBe(true);
    expect(same(storeB.contents().subarray(4 * PAGE_SIZE), pattern(8, 10).subarray(0, 4 * PAGE_SIZE))).toBe(true);
    const stats = cache.stats.snapshot();
    expect(stats.locksDropped).toBeGreaterThan(0);
    expect(stats.dioRetries).toBeGreaterThan(0);
    expect(reportWaitFor(cache.mappings).locks).toEqual([]);
    await cache.close();
  });
});
