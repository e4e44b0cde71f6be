/**
 * Guards copy_file_range through the store (mm/copy-range.ts): the source's dirty pages are written
 * back first, so unsynced data is what gets copied; the destination's cached range is invalidated
 * under its block side, so no reader keeps or re-adds the old bytes (in `evict` a read inside the
 * window does, in `none` the cache stays stale and the dirty source is not seen); overlapping ranges
 * in one file fail with EINVAL; a copy the store has no room for fails with ENOSPC, changing nothing.
 */
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PageCache, bufferedRead, bufferedWrite, copyFileRange, runTask, type CoherenceMode } from '../../src/mm/api.js';
import { MemoryStore } from '../../src/mm/memory-store.js';
import { fixture, pattern, same, staleCachedPages } from './coherence-fixture.js';
import { settle } from './prng.js';

async function read(mapping: Parameters<typeof bufferedRead>[0], pos: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  await bufferedRead(mapping, pos, out);
  return out;
}

describe('copy_file_range through the store', () => {
  it.each(['locked', 'evict'] as const)('in mode %s copies the dirty source and leaves no stale destination page', async (mode) => {
    const f = await fixture(mode, 4, { readaheadMaxPages: 0 });
    const dst = f.cache.createMapping(new MemoryStore({ initial: pattern(4, 50) }), 'dst');
    const fresh = pattern(2, 200);
    await bufferedWrite(f.file, PAGE_SIZE, fresh);
    await read(dst, 0, 4 * PAGE_SIZE);
    expect(await copyFileRange(f.file, PAGE_SIZE, dst, 100, 2 * PAGE_SIZE)).toBe(2 * PAGE_SIZE);
    const want = pattern(4, 50);
    want.set(fresh, 100);
    expect(same(await read(dst, 0, 4 * PAGE_SIZE), want)).toBe(true);
    expect(f.file.dirty.size).toBe(0);
    await f.cache.close();
  });

  it('in mode none copies the store as it was and leaves the destination cache stale', async () => {
    const f = await fixture('none', 4, { readaheadMaxPages: 0 });
    const dstStore = new MemoryStore({ initial: pattern(4, 50) });
    const dst = f.cache.createMapping(dstStore, 'dst');
    await bufferedWrite(f.file, 0, pattern(1, 200));
    const before = await read(dst, 0, PAGE_SIZE);
    await copyFileRange(f.file, 0, dst, 0, PAGE_SIZE);
    expect(same(dstStore.contents().subarray(0, PAGE_SIZE), pattern(1, 0))).toBe(true);
    expect(same(await read(dst, 0, PAGE_SIZE), before)).toBe(true);
    await f.cache.close();
  });

  async function readInsideWindow(mode: CoherenceMode): Promise<{ stale: number[]; final: Uint8Array; fresh: Uint8Array }> {
    const f = await fixture(mode, 4, { readaheadMaxPages: 0 });
    const src = f.cache.createMapping(new MemoryStore({ initial: pattern(4, 100) }), 'src');
    let racer: Promise<unknown> = Promise.resolve();
    f.cache.scheduleHook = async (point) => {
      if (point !== 'copy-range:after-invalidate') return;
      racer = runTask('racer', () => read(f.file, 0, 4 * PAGE_SIZE));
      await settle();
    };
    await runTask('copy', () => copyFileRange(src, 0, f.file, 0, 4 * PAGE_SIZE));
    await racer;
    f.cache.scheduleHook = null;
    const stale = staleCachedPages(f);
    const final = await read(f.file, 0, 4 * PAGE_SIZE);
    await f.cache.close();
    return { stale, final, fresh: pattern(4, 100) };
  }

  it('in mode locked a read inside the window waits for the copy and sees its data', async () => {
    const { stale, final, fresh } = await readInsideWindow('locked');
    expect(stale).toEqual([]);
    expect(same(final, fresh)).toBe(true);
  });

  it('in mode evict a read inside the window re-adds the old data', async () => {
    const { stale } = await readInsideWindow('evict');
    expect(stale).toEqual([0, 1, 2, 3]);
  });

  it('stops at the source EOF; refuses overlapping ranges of one file; copies disjoint ones', async () => {
    const f = await fixture('locked', 4);
    expect(await copyFileRange(f.file, 3 * PAGE_SIZE, f.file, 8 * PAGE_SIZE, 10 * PAGE_SIZE)).toBe(PAGE_SIZE);
    expect(await copyFileRange(f.file, 20 * PAGE_SIZE, f.file, 0, PAGE_SIZE)).toBe(0);
    await expect(copyFileRange(f.file, 0, f.file, PAGE_SIZE, 2 * PAGE_SIZE)).rejects.toMatchObject({ code: 'EINVAL' });
    expect(await copyFileRange(f.file, 0, f.file, 2 * PAGE_SIZE, 2 * PAGE_SIZE)).toBe(2 * PAGE_SIZE);
    const got = await read(f.file, 0, 9 * PAGE_SIZE);
    expect(same(got.subarray(2 * PAGE_SIZE, 4 * PAGE_SIZE), pattern(2, 0))).toBe(true);
    expect(same(got.subarray(8 * PAGE_SIZE), pattern(4, 0).subarray(3 * PAGE_SIZE))).toBe(true);
    await f.cache.close();
  });

  it('fails with ENOSPC before a byte lands when the destination has no room for all of it, holding nothing', async () => {
    // Two 1 MiB chunks, room for the first only: reserving chunk by chunk would land half a copy.
    const cache = new PageCache({ cacheSize: 64 * PAGE_SIZE, dirtyExpireMs: 60_000 });
    const src = cache.createMapping(new MemoryStore({ initial: pattern(512, 1) }), 'src');
    const dstStore = new MemoryStore({ initial: pattern(2, 9), capacityBlocks: 300 });
    const dst = cache.createMapping(dstStore, 'dst');
    await expect(copyFileRange(src, 0, dst, 0, 512 * PAGE_SIZE)).rejects.toMatchObject({ code: 'ENOSPC' });
    expect([dstStore.length, dstStore.writes, dstStore.reservedBlocks]).toEqual([2 * PAGE_SIZE, 0, 0]);
    expect(await copyFileRange(src, 0, dst, 0, 256 * PAGE_SIZE)).toBe(256 * PAGE_SIZE);
    expect(dstStore.reservedBlocks).toBe(0);
    await cache.close();
  });
});
