/**
 * Guards writepages(): a page redirtied while under writeback (here: the destination of a direct
 * read, dirtied on unpin) is not written back a second time until the first write has ended, so an
 * older write can never land after a newer one.
 */
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PageCache, bufferedWrite, directRead, fsync, mmap } from '../../src/mm/api.js';
import type { IoVec } from '../../src/util/iovec.js';
import { MemoryStore } from '../../src/mm/memory-store.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('writeback of a redirtied page', () => {
  it('never has two store writes of one page in flight', async () => {
    const cache = new PageCache({ cacheSize: 1 << 20, dirtyExpireMs: 60_000 });
    const source = new MemoryStore();
    const target = new MemoryStore();
    const sourceFile = cache.createMapping(source, 'source');
    const targetFile = cache.createMapping(target, 'target');
    await source.write(0, new Uint8Array(PAGE_SIZE).fill(0xf0));
    await bufferedWrite(targetFile, 0, new Uint8Array(PAGE_SIZE).fill(0x11)); // dirty: pinned as is

    let inFlight = 0;
    let most = 0;
    const targetWrite = target.write.bind(target);
    target.write = async (pos: number, src: IoVec) => {
      most = Math.max(most, ++inFlight);
      try {
        await sleep(30);
        return await targetWrite(pos, src);
      } finally {
        inFlight--;
      }
    };
    const sourceRead = source.read.bind(source);
    source.read = async (pos: number, dst: IoVec) => {
      await sleep(10);
      return sourceRead(pos, dst);
    };

    const read = directRead(sourceFile, 0, mmap(targetFile, 0, PAGE_SIZE)); // pins the dirty page
    await sleep(1);
    const first = fsync(targetFile); // writes the pinned page back (slowly)
    await read; // the read's unpin dirties the page while that writeback is in flight
    await fsync(targetFile);
    await first;
    expect(most).toBe(1);
    expect(target.contents().every((b) => b === 0xf0)).toBe(true);
    await cache.close();
  });
});
