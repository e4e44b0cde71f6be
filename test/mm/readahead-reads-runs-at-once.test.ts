/** Guards readahead: a window of consecutive uncached pages is read from the store in one read. */
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PageCache, bufferedRead } from '../../src/mm/api.js';
import { ioVecLength, type IoVec } from '../../src/util/iovec.js';
import { MemoryStore } from '../../src/mm/memory-store.js';

class CountingStore extends MemoryStore {
  readLengths: number[] = [];
  override async read(pos: number, dst: IoVec): Promise<void> {
    this.readLengths.push(ioVecLength(dst));
    return super.read(pos, dst);
  }
}

describe('readahead', () => {
  it('reads the window of a sequential reader in multi-page store reads, data intact', async () => {
    const cache = new PageCache({ cacheSize: 8 << 20, readaheadMaxPages: 32 });
    const store = new CountingStore();
    const data = Buffer.alloc(256 * PAGE_SIZE);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 253;
    await store.write(0, data);
    const mapping = cache.createMapping(store, 'sequential');
    const back = Buffer.alloc(data.length);
    for (let pos = 0; pos < data.length; pos += 4 * PAGE_SIZE) {
      await bufferedRead(mapping, pos, back.subarray(pos, pos + 4 * PAGE_SIZE));
    }
    expect(back.equals(data)).toBe(true);
    expect(Math.max(...store.readLengths)).toBeGreaterThanOrEqual(16 * PAGE_SIZE);
    expect(store.readLengths.length).toBeLessThan(64);
    await cache.close();
  });
});
