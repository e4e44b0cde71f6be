/**
 * Guards the cache's bound under a store whose writes keep failing (an image on a full host, a
 * failing disk): dirty pages cannot be written or dropped, so once they fill the cache a writer
 * that needs a new page gets the writeback error instead of the cache growing past cache_size.
 * Every open file hears of the failure at its next fsync and flush (errseq), each once; the
 * cache's close names the file and the bytes it could not write.
 */
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PageCache, UnwrittenData, bufferedRead, bufferedWrite, flush, fsync, openFileErrors } from '../../src/mm/api.js';
import { FsError } from '../../src/util/errno.js';
import type { IoVec } from '../../src/util/iovec.js';
import { MemoryStore } from '../../src/mm/memory-store.js';

class FailingStore extends MemoryStore {
  failing = true;
  override async write(pos: number, src: IoVec, reserved?: number): Promise<void> {
    if (this.failing) throw new FsError('EIO', 'the disk is failing');
    return super.write(pos, src, reserved);
  }
}

const CACHE_PAGES = 32;

describe('writeback that keeps failing', () => {
  it('never lets the cache grow past its bound: the writer gets the error', async () => {
    const cache = new PageCache({ cacheSize: CACHE_PAGES * PAGE_SIZE, dirtyExpireMs: 60_000 });
    const mapping = cache.createMapping(new FailingStore(), 'failing');
    let worst = 0;
    cache.scheduleHook = () => void (worst = Math.max(worst, cache.nrPages));
    const page = new Uint8Array(PAGE_SIZE).fill(7);
    let error: unknown;
    for (let index = 0; index < 4 * CACHE_PAGES && !error; index++) {
      await bufferedWrite(mapping, index * PAGE_SIZE, page).catch((err: unknown) => (error = err));
      worst = Math.max(worst, cache.nrPages);
    }
    expect(error).toMatchObject({ code: 'EIO' });
    expect(worst).toBeLessThanOrEqual(CACHE_PAGES);
    // A reader of another file needs room too, and gets EIO rather than a page past the bound.
    const other = cache.createMapping(new MemoryStore({ initial: new Uint8Array(PAGE_SIZE).fill(3) }), 'other');
    await expect(bufferedRead(other, 0, new Uint8Array(PAGE_SIZE))).rejects.toMatchObject({ code: 'EIO' });
    expect(cache.nrPages).toBeLessThanOrEqual(CACHE_PAGES);
    await expect(cache.close()).rejects.toBeInstanceOf(UnwrittenData);
  });

  it('reach every open file once, at fsync or at close, and close() names what was lost', async () => {
    const cache = new PageCache({ cacheSize: CACHE_PAGES * PAGE_SIZE, dirtyExpireMs: 60_000 });
    const store = new FailingStore();
    const mapping = cache.createMapping(store, 'file1');
    const first = openFileErrors(mapping);
    const second = openFileErrors(mapping);
    await bufferedWrite(mapping, 0, new Uint8Array(3 * PAGE_SIZE).fill(9));

    await expect(fsync(mapping, first)).rejects.toMatchObject({ code: 'EIO' });
    store.failing = false;
    // The retry succeeds, but this file has not heard of the failure yet: it does now, once.
    await expect(flush(mapping, second)).rejects.toMatchObject({ code: 'EIO' });
    await flush(mapping, second);
    await fsync(mapping, first);
    // Opened after everyone saw the failure: nothing to report.
    await flush(mapping, openFileErrors(mapping));
    expect(store.contents()).toEqual(new Uint8Array(3 * PAGE_SIZE).fill(9));

    store.failing = true;
    await bufferedWrite(mapping, 0, new Uint8Array(PAGE_SIZE).fill(1));
    const closing = cache.close();
    await expect(closing).rejects.toThrow(/file1 4096 bytes \(EIO: the disk is failing\)/);
  });

  it('that nobody has seen yet reaches a file opened after it', async () => {
    const cache = new PageCache({ cacheSize: CACHE_PAGES * PAGE_SIZE, dirtyExpireMs: 60_000 });
    const store = new FailingStore();
    const mapping = cache.createMapping(store, 'late');
    await bufferedWrite(mapping, 0, new Uint8Array(PAGE_SIZE).fill(5));
    await cache.syncAll(); // a writeback fails with no file open to hear of it
    store.failing = false;
    const late = openFileErrors(mapping);
    await expect(flush(mapping, late)).rejects.toMatchObject({ code: 'EIO' });
    await flush(mapping, late);
    await cache.close();
  });
});
