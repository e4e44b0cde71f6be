import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, bufferedRead, directWrite, mmap, runTask, type CoherenceMode } from '../../src/mm/api.js';
import { fixture, pattern, same, staleCachedPages } from './coherence-fixture.js';
import { prng, testSeed } from './prng.js';

const PAGES = 8;

/**
 * One randomized schedule: two direct writes on disjoint ranges, each followed by a buffered read
 * of what it wrote, racing buffered reads and faults through a view; every schedule point waits a
 * random number of event-loop turns. Returns what went stale (empty when coherent).
 */
async function schedule(mode: CoherenceMode, seed: number): Promise<string[]> {
  const rand = prng(seed);
  const f = await fixture(mode, PAGES, { cacheSize: 32 * PAGE_SIZE, readaheadMaxPages: rand.pick([0, 4]) }, rand.next() < 0.5);
  const turns = async (max: number): Promise<void> => {
    for (let n = rand.int(max + 1); n > 0; n--) await new Promise((resolve) => setImmediate(resolve));
  };
  f.cache.scheduleHook = () => turns(3);
  const problems: string[] = [];
  const split = 1 + rand.int(PAGES - 1);
  const writes = [
    { first: 0, count: split, fill: 100 },
    { first: split, count: PAGES - split, fill: 200 },
  ];
  const work: Promise<unknown>[] = writes.map((w, i) =>
    runTask(`dio${i}`, async () => {
      await turns(4);
      const data = pattern(w.count, w.fill);
      await directWrite(f.file, w.first * PAGE_SIZE, data);
      const after = new Uint8Array(data.length);
      await bufferedRead(f.file, w.first * PAGE_SIZE, after);
      if (!same(after, data)) problems.push(`read after dio${i} was stale`);
    }),
  );
  for (let i = 0; i < 3; i++) {
    work.push(
      runTask(`reader${i}`, async () => {
        await turns(6);
        const first = rand.int(PAGES);
        const dst = new Uint8Array((1 + rand.int(PAGES - first)) * PAGE_SIZE);
        if (rand.next() < 0.5) await bufferedRead(f.file, first * PAGE_SIZE, dst);
        else await mmap(f.file, first * PAGE_SIZE, dst.length).read(0, dst);
      }),
    );
  }
  await Promise.all(work);
  f.cache.scheduleHook = null;
  const stale = staleCachedPages(f);
  if (stale.length) problems.push(`cached pages ${stale.join(',')} differ from the store`);
  const final = new Uint8Array(PAGES * PAGE_SIZE);
  await bufferedRead(f.file, 0, final);
  if (!same(final, f.store.contents())) problems.push('final buffered read differs from the store');
  await f.cache.close();
  return problems;
}

async function staleSchedules(mode: CoherenceMode, count: number, base: number): Promise<string[]> {
  const failures: string[] = [];
  for (let i = 0; i < count; i++) {
    const problems = await schedule(mode, base + i);
    if (problems.length) failures.push(`seed ${base + i}: ${problems.join('; ')}`);
  }
  return failures;
}

describe('direct writes racing buffered reads and faults, randomized schedules', () => {
  const base = testSeed();

  it('in mode locked, no schedule out of 1,000 yields a stale read', async () => {
    const failures = await staleSchedules('locked', 1000, base);
    expect(failures, `base seed ${base}`).toEqual([]);
  });

  it('in mode evict, the same kind of schedules do find stale reads', async () => {
    const failures = await staleSchedules('evict', 200, base);
    expect(failures.length, `base seed ${base}`).toBeGreaterThan(0);
  });
});
