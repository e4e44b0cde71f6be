import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PageCache, bufferedRead, bufferedWrite, directRead, directWrite, mmap, truncate } from '../../src/mm/api.js';
import { fixture, same } from './coherence-fixture.js';

const MAX = 2 ** 30;

describe('bad input gets the right errno and changes nothing', () => {
  const cases: [string, (f: Awaited<ReturnType<typeof fixture>>) => Promise<unknown>, string][] = [
    ['buffered read at a negative offset', (f) => bufferedRead(f.file, -1, new Uint8Array(10)), 'EINVAL'],
    ['buffered read at a fractional offset', (f) => bufferedRead(f.file, 1.5, new Uint8Array(10)), 'EINVAL'],
    ['buffered write at a negative offset', (f) => bufferedWrite(f.file, -4096, new Uint8Array(10)), 'EINVAL'],
    ['buffered write at NaN', (f) => bufferedWrite(f.file, NaN, new Uint8Array(10)), 'EINVAL'],
    ['buffered write past the largest file', (f) => bufferedWrite(f.file, MAX - 5, new Uint8Array(10)), 'EFBIG'],
    ['direct write at a misaligned offset', (f) => directWrite(f.file, 100, new Uint8Array(512)), 'EINVAL'],
    ['direct write of a misaligned length', (f) => directWrite(f.file, 0, new Uint8Array(1000)), 'EINVAL'],
    ['direct write at a negative offset', (f) => directWrite(f.file, -512, new Uint8Array(512)), 'EINVAL'],
    ['direct write past the largest file', (f) => directWrite(f.file, MAX, new Uint8Array(512)), 'EFBIG'],
    ['direct read at a misaligned offset', (f) => directRead(f.file, 4097, new Uint8Array(512)), 'EINVAL'],
    ['direct read of a misaligned length', (f) => directRead(f.file, 0, new Uint8Array(513)), 'EINVAL'],
    ['truncate to a negative size', (f) => truncate(f.file, -1), 'EINVAL'],
    ['truncate past the largest file', (f) => truncate(f.file, MAX + 1), 'EFBIG'],
    ['mmap at a misaligned offset', async (f) => mmap(f.file, 100, PAGE_SIZE), 'EINVAL'],
    ['a view access past its end', (f) => mmap(f.file, 0, PAGE_SIZE).read(PAGE_SIZE - 1, new Uint8Array(2)), 'EFAULT'],
  ];

  it.each(cases)('%s', async (_name, call, code) => {
    const f = await fixture('locked', 8, { maxFileSize: MAX });
    const before = f.store.contents();
    const writes = f.store.writes;
    await expect(call(f)).rejects.toMatchObject({ code });
    expect(f.store.writes).toBe(writes);
    expect(same(f.store.contents(), before)).toBe(true);
    expect(f.file.nrpages).toBe(0);
    expect(f.file.lock.heldSide).toBe(null);
    await f.cache.close();
  });

  it('honours a larger logical block size for O_DIRECT alignment', async () => {
    const f = await fixture('locked', 8, { dioAlign: 4096 });
    await expect(directWrite(f.file, 512, new Uint8Array(4096))).rejects.toMatchObject({ code: 'EINVAL' });
    expect(await directWrite(f.file, 4096, new Uint8Array(4096))).toBe(4096);
    await f.cache.close();
  });

  it('rejects impossible cache options', () => {
    expect(() => new PageCache({ cacheSize: 4096 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => new PageCache({ cacheSize: 2 ** 20, dirtyRatio: 1.5 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => new PageCache({ cacheSize: 2 ** 20, dioAlign: 1000 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});
