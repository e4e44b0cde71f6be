import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, bufferedRead, bufferedWrite, directRead, directWrite, type CoherenceMode } from '../../src/mm/api.js';
import { fixture, pattern, same } from './coherence-fixture.js';

async function dioReadAfterBufferedWrite(mode: CoherenceMode): Promise<boolean> {
  const f = await fixture(mode);
  const fresh = pattern(2, 100);
  await bufferedWrite(f.file, 0, fresh);
  const got = new Uint8Array(2 * PAGE_SIZE);
  expect(await directRead(f.file, 0, got)).toBe(got.length);
  await f.cache.close();
  return same(got, fresh);
}

async function bufferedReadAfterDioWrite(mode: CoherenceMode): Promise<boolean> {
  const f = await fixture(mode);
  await bufferedRead(f.file, 0, new Uint8Array(2 * PAGE_SIZE));
  const fresh = pattern(2, 100);
  await directWrite(f.file, 0, fresh);
  const got = new Uint8Array(2 * PAGE_SIZE);
  await bufferedRead(f.file, 0, got);
  await f.cache.close();
  return same(got, fresh);
}

describe('direct IO against the cache, sequentially', () => {
  it('in mode none, a direct read misses dirty cached data', async () => {
    expect(await dioReadAfterBufferedWrite('none')).toBe(false);
  });

  it('in mode none, a buffered read after a direct write returns the old cached data', async () => {
    expect(await bufferedReadAfterDioWrite('none')).toBe(false);
  });

  it.each(['evict', 'locked'] as const)('in mode %s, both orders see the new data', async (mode) => {
    expect(await dioReadAfterBufferedWrite(mode)).toBe(true);
    expect(await bufferedReadAfterDioWrite(mode)).toBe(true);
  });
});
