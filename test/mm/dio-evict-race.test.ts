import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, bufferedRead, directWrite, mmap, runTask, type CoherenceMode } from '../../src/mm/api.js';
import { fixture, pattern, same, staleCachedPages } from './coherence-fixture.js';
import { settle } from './prng.js';

/**
 * The race the lock closes: a direct write has flushed and evicted its range and not yet written
 * the store; a buffered read (or a fault through a mapped view) now re-adds the old data.
 */
async function raceOnce(mode: CoherenceMode, reader: 'read' | 'fault'): Promise<{ finalRead: Uint8Array; fresh: Uint8Array; stale: number[] }> {
  const f = await fixture(mode, 4, { readaheadMaxPages: 0 });
  const fresh = pattern(4, 100);
  let fired = false;
  let racer: Promise<unknown> = Promise.resolve();
  f.cache.scheduleHook = async (point) => {
    if (point !== 'dio-write:after-evict' || fired) return;
    fired = true;
    racer = runTask('racer', async () => {
      if (reader === 'read') await bufferedRead(f.file, 0, new Uint8Array(4 * PAGE_SIZE));
      else await mmap(f.file, 0, 4 * PAGE_SIZE).read(0, new Uint8Array(4 * PAGE_SIZE));
    });
    // Give the racer every chance to finish inside the window (it cannot in locked mode).
    await settle();
  };
  await runTask('dio', () => directWrite(f.file, 0, fresh));
  await racer;
  f.cache.scheduleHook = null;
  const stale = staleCachedPages(f);
  const finalRead = new Uint8Array(4 * PAGE_SIZE);
  await bufferedRead(f.file, 0, finalRead);
  await f.cache.close();
  return { finalRead, fresh, stale };
}

describe('the evict race window of a direct write', () => {
  it.each(['read', 'fault'] as const)('in mode evict, a %s inside the window leaves the cache stale', async (reader) => {
    const { finalRead, fresh, stale } = await raceOnce('evict', reader);
    expect(stale).toEqual([0, 1, 2, 3]);
    expect(same(finalRead, fresh)).toBe(false);
  });

  it.each(['read', 'fault'] as const)('in mode locked, a %s inside the window waits and sees the new data', async (reader) => {
    const { finalRead, fresh, stale } = await raceOnce('locked', reader);
    expect(stale).toEqual([]);
    expect(same(finalRead, fresh)).toBe(true);
  });
});
