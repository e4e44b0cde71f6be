/**
 * Guards the direct-IO chunk (one bio, BIO_MAX_VECS pages): a 1 MiB direct write, the largest
 * request of the kernel transport, goes to the store in one write; a longer one in 1 MiB pieces.
 */
import { describe, expect, it } from 'vitest';
import { PageCache, directWrite } from '../../src/mm/api.js';
import { MemoryStore } from '../../src/mm/memory-store.js';

const MiB = 2 ** 20;

describe('direct write chunks', () => {
  it('writes 1 MiB in one store write, 2.5 MiB in three', async () => {
    const cache = new PageCache({ cacheSize: 4 * MiB, coherence: 'locked' });
    const store = new MemoryStore();
    const mapping = cache.createMapping(store, 'direct');
    const data = Buffer.alloc(2.5 * MiB);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 253;
    expect(await directWrite(mapping, 0, data.subarray(0, MiB))).toBe(MiB);
    expect(store.writes).toBe(1);
    expect(await directWrite(mapping, 0, data)).toBe(data.length);
    expect(store.writes).toBe(4);
    const back = Buffer.alloc(data.length);
    await store.read(0, back);
    expect(back.equals(data)).toBe(true);
    await cache.close();
  });
});
