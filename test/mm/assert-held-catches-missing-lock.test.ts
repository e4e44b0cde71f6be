/**
 * Guards the `Context:` lines: a function that says its caller holds a side of the mapping's
 * pagecache_add_lock checks that the running task does (lockdep_assert_held()), so a caller that
 * forgot the lock, or relies on another task's hold, fails at once instead of racing.
 */
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PageCache, runTask } from '../../src/mm/api.js';
import { filemapFault } from '../../src/mm/fault.js';
import { LockNotHeld, lockChecksEnabled } from '../../src/mm/lockdep.js';
import { MemoryStore } from '../../src/mm/memory-store.js';

function setUp(): { cache: PageCache; mapping: ReturnType<PageCache['createMapping']> } {
  const cache = new PageCache({ cacheSize: 16 * PAGE_SIZE });
  return { cache, mapping: cache.createMapping(new MemoryStore(), 'file') };
}

describe('assertHeld', () => {
  it('is on under the tests', () => {
    expect(lockChecksEnabled).toBe(true);
  });

  it('fails a page add made without the add side, and lets it through with the side held', async () => {
    const { cache, mapping } = setUp();
    await runTask('no-lock', async () => {
      expect(() => cache.tryAddLockedPage(mapping, 0)).toThrow(LockNotHeld);
    });
    expect(mapping.pages.has(0)).toBe(false);
    await runTask('locked', async () => {
      await mapping.lock.addGet();
      try {
        const added = cache.tryAddLockedPage(mapping, 0);
        expect(added.kind).toBe('added');
        if (added.kind === 'added') cache.deletePage(added.page);
      } finally {
        mapping.lock.addPut();
      }
    });
    await cache.close();
  });

  it('fails when only another task holds the side, or the lock is held on the other side', async () => {
    const { cache, mapping } = setUp();
    let release!: () => void;
    const holder = runTask('holder', async () => {
      await mapping.lock.addGet();
      await new Promise<void>((resolve) => (release = resolve));
      mapping.lock.addPut();
    });
    await Promise.resolve();
    await runTask('borrower', async () => {
      await expect(filemapFault(mapping, 0)).rejects.toThrow(/borrower#\d+ does not hold the add side of file/);
    });
    release();
    await holder;
    await runTask('blocker', async () => {
      await mapping.lock.blockGet();
      try {
        await expect(filemapFault(mapping, 0)).rejects.toThrow(LockNotHeld);
      } finally {
        mapping.lock.blockPut();
      }
    });
    await cache.close();
  });
});
