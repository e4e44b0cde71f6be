/**
 * Guards writeback under a store that keeps failing (ENOSPC): a throttled writer and the flusher
 * give up after a failed write instead of retrying the same pages in a loop that never yields; the
 * pages stay dirty, fsync reports the error, and once the store recovers fsync writes them.
 */
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PageCache, bufferedWrite, fsync } from '../../src/mm/api.js';
import { FsError } from '../../src/util/errno.js';
import type { IoVec } from '../../src/util/iovec.js';
import { MemoryStore } from '../../src/mm/memory-store.js';

/** Fails every write while `full`; after 1000 attempts it succeeds anyway, so a spinning loop ends and the test can fail. */
class FullStore extends MemoryStore {
  full = true;
  attempts = 0;
  override async write(pos: number, src: IoVec): Promise<void> {
    this.attempts++;
    if (this.full && this.attempts < 1000) throw new FsError('ENOSPC', 'no room left');
    return super.write(pos, src);
  }
}

describe('writeback errors', () => {
  it('stop the writeback loop; fsync reports them, then succeeds once the store has room', async () => {
    const cache = new PageCache({ cacheSize: 64 * PAGE_SIZE, dirtyExpireMs: 60_000 });
    const store = new FullStore();
    const mapping = cache.createMapping(store, 'full');
    const data = new Uint8Array(40 * PAGE_SIZE).fill(0x5c); // past the dirty limit (30% of 64 pages)
    for (let page = 0; page < 40; page++) await bufferedWrite(mapping, page * PAGE_SIZE, data.subarray(0, PAGE_SIZE));
    expect(store.attempts).toBeLessThan(100);
    expect(cache.stats.writebackErrors).toBeGreaterThan(0);
    await expect(fsync(mapping)).rejects.toMatchObject({ code: 'ENOSPC' });

    store.full = false;
    await fsync(mapping);
    expect(cache.nrDirty).toBe(0);
    expect(store.contents()).toEqual(data);
    await cache.close();
  });
});
