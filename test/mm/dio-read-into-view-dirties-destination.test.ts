/**
 * Guards the destination of a direct read that is a mapped view: its pages are dirtied when they are
 * unpinned (unpin_user_pages_dirty_lock), so a writeback of that file while the read is in flight
 * cannot leave the page clean with the read's bytes never written back.
 */
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PageCache, bufferedWrite, directRead, fsync, mmap } from '../../src/mm/api.js';
import type { IoVec } from '../../src/util/iovec.js';
import { MemoryStore } from '../../src/mm/memory-store.js';

describe('direct read into a mapped view', () => {
  it('keeps the bytes it read when the view\'s file is written back meanwhile', async () => {
    const cache = new PageCache({ cacheSize: 1 << 20 });
    const source = new MemoryStore();
    const target = new MemoryStore();
    const sourceFile = cache.createMapping(source, 'source');
    const targetFile = cache.createMapping(target, 'target');
    await source.write(0, new Uint8Array(PAGE_SIZE).fill(0xf0));
    await bufferedWrite(targetFile, 0, new Uint8Array(PAGE_SIZE).fill(0x11));
    await fsync(targetFile);

    const sourceRead = source.read.bind(source);
    let readStarted!: () => void;
    const started = new Promise<void>((resolve) => (readStarted = resolve));
    source.read = async (pos: number, dst: IoVec) => {
      readStarted();
      await new Promise((resolve) => setTimeout(resolve, 20)); // the store read is in flight...
      return sourceRead(pos, dst);
    };
    const read = directRead(sourceFile, 0, mmap(targetFile, 0, PAGE_SIZE));
    await started;
    await fsync(targetFile); // ...while the view's file is written back
    expect(await read).toBe(PAGE_SIZE);

    await fsync(targetFile);
    expect(target.contents()[0]).toBe(0xf0);
    expect(target.contents().every((b) => b === 0xf0)).toBe(true);
    await cache.close();
  });
});
