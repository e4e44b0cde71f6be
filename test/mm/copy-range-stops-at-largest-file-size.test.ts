/**
 * Guards copy_file_range's limits as generic_copy_file_checks() sets them: a length past what the
 * source holds is fine (cp asks for far more than it expects), a copy that would run past the
 * largest file size is cut short there, and only a destination offset at or past that size is EFBIG.
 */
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PageCache, copyFileRange } from '../../src/mm/api.js';
import { MemoryStore } from '../../src/mm/memory-store.js';
import { pattern } from './coherence-fixture.js';

describe('copy_file_range limits', () => {
  it('copies up to the source EOF and the largest file size; EFBIG only at that size', async () => {
    const maxFileSize = 16 * PAGE_SIZE;
    const cache = new PageCache({ cacheSize: 64 * PAGE_SIZE, maxFileSize });
    const src = cache.createMapping(new MemoryStore({ initial: pattern(4, 1) }), 'src');
    const dstStore = new MemoryStore();
    const dst = cache.createMapping(dstStore, 'dst');
    expect(await copyFileRange(src, 0, dst, 0, 2 ** 50)).toBe(4 * PAGE_SIZE);
    expect(await copyFileRange(src, 0, dst, 14 * PAGE_SIZE, 4 * PAGE_SIZE)).toBe(2 * PAGE_SIZE);
    expect(dstStore.length).toBe(maxFileSize);
    await expect(copyFileRange(src, 0, dst, maxFileSize, PAGE_SIZE)).rejects.toMatchObject({ code: 'EFBIG' });
    await expect(copyFileRange(src, 0, dst, maxFileSize, 0)).rejects.toMatchObject({ code: 'EFBIG' });
    expect(Buffer.from(dstStore.contents().subarray(14 * PAGE_SIZE)).equals(Buffer.from(pattern(2, 1)))).toBe(true);
    await cache.close();
  });
});
