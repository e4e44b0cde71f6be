/**
 * Guards i_size under concurrent buffered writes that extend a file: the size only grows, to the
 * larger end, even when the smaller writer's size update reaches the store last (here it queues
 * behind a writeback holding the store lock); and writeback never writes past i_size.
 */
import { describe, expect, it } from 'vitest';
import { ROOT_INO } from '../../src/fs/api.js';
import { PAGE_SIZE, PageCache, bufferedWrite, fsync } from '../../src/mm/api.js';
import type { IoVec } from '../../src/util/iovec.js';
import { freshFs } from './helpers.js';

describe('extending buffered writes', () => {
  it('leave i_size at the larger end and lose no byte', async () => {
    const { fs, device } = await freshFs();
    const deviceWrite = device.write.bind(device);
    device.write = async (pos: number, buf: IoVec) => {
      await new Promise((resolve) => setTimeout(resolve, 5)); // a device with latency
      return deviceWrite(pos, buf);
    };
    const store = fs.store(fs.create(ROOT_INO, 'f', 0o644, 0, 0).ino);
    const cache = new PageCache({ cacheSize: 1 << 20 });
    const mapping = cache.createMapping(store);
    await bufferedWrite(mapping, 0, new Uint8Array(PAGE_SIZE).fill(1));

    const writeback = fsync(mapping); // holds the store lock across a slow device write
    const whole = bufferedWrite(mapping, 11 * PAGE_SIZE, new Uint8Array(PAGE_SIZE).fill(0xbb)); // ends at 12 pages
    const short = bufferedWrite(mapping, 10 * PAGE_SIZE, new Uint8Array(50).fill(0xaa)); // ends 50 bytes into page 10
    expect([await whole, await short]).toEqual([PAGE_SIZE, 50]);
    await writeback;
    expect(store.size()).toBe(12 * PAGE_SIZE);

    await fsync(mapping);
    expect(store.size()).toBe(12 * PAGE_SIZE);
    const back = new Uint8Array(2 * PAGE_SIZE);
    await store.read(10 * PAGE_SIZE, back);
    expect(back.subarray(0, 50).every((b) => b === 0xaa)).toBe(true);
    expect(back.subarray(50, PAGE_SIZE).every((b) => b === 0)).toBe(true);
    expect(back.subarray(PAGE_SIZE).every((b) => b === 0xbb)).toBe(true);
    await cache.close();
  });
});
