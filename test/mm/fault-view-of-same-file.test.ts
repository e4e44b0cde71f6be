import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, bufferedWrite, directRead, directWrite, fsync, mmap, reportWaitFor, runTask } from '../../src/mm/api.js';
import { fixture, pattern, same } from './coherence-fixture.js';
import { settle } from './prng.js';

describe('a direct write whose source is a mapped view of the same file', () => {
  it('fails with EFAULT, without deadlock, when the source pages are not resident', async () => {
    const f = await fixture('locked');
    const before = f.store.contents();
    const view = mmap(f.file, 4 * PAGE_SIZE, 2 * PAGE_SIZE);
    await expect(directWrite(f.file, 0, view)).rejects.toMatchObject({ code: 'EFAULT' });
    expect(f.file.lock.heldSide).toBe(null);
    expect(same(f.store.contents(), before)).toBe(true);
    expect(f.cache.stats.faultErrors).toBe(1);
    await f.cache.close();
  });

  it('succeeds when the source pages are resident (no fault needed)', async () => {
    const f = await fixture('locked');
    const view = mmap(f.file, 4 * PAGE_SIZE, 2 * PAGE_SIZE);
    await view.read(0, new Uint8Array(view.length));
    expect(await directWrite(f.file, 0, view)).toBe(2 * PAGE_SIZE);
    expect(same(f.store.contents().subarray(0, 2 * PAGE_SIZE), pattern(8, 0).subarray(4 * PAGE_SIZE, 6 * PAGE_SIZE))).toBe(true);
    await f.cache.close();
  });

  it('deadlocks on itself when the fdm check is switched off, and the watchdog says so', async () => {
    const f = await fixture('locked', 8, { unsafeDisableFaultChecks: true });
    const view = mmap(f.file, 4 * PAGE_SIZE, 2 * PAGE_SIZE);
    let finished = false;
    void runTask('self-dio', () => directWrite(f.file, 0, view)).finally(() => (finished = true));
    await settle();
    expect(finished).toBe(false);
    const report = reportWaitFor(f.cache.mappings);
    expect(report.deadlock?.map((task) => task.split('#')[0])).toEqual(['self-dio']);
    expect(report.text).toMatch(/file: block held by self-dio#\d+×1; waiting: self-dio#\d+ \(add/);
  });
});

describe('a direct read into a mapped view of the same file (page_mkwrite path)', () => {
  it('completes and dirties the destination pages', async () => {
    const f = await fixture('locked');
    const view = mmap(f.file, 4 * PAGE_SIZE, 2 * PAGE_SIZE);
    expect(await directRead(f.file, 0, view)).toBe(2 * PAGE_SIZE);
    const seen = new Uint8Array(view.length);
    await view.read(0, seen);
    expect(same(seen, pattern(2, 0))).toBe(true);
    expect(f.file.dirty.size).toBe(2);
    await f.cache.close();
    expect(same(f.store.contents().subarray(4 * PAGE_SIZE, 6 * PAGE_SIZE), pattern(2, 0))).toBe(true);
  });
});

describe('a buffered write whose source is a mapped view of the same file', () => {
  it('completes while a direct write to that file waits for the block side', async () => {
    const f = await fixture('locked', 64);
    let dio: Promise<number> | null = null;
    f.cache.scheduleHook = async (point) => {
      if (point !== 'buffered-write:after-copy' || dio) return;
      dio = runTask('dio', () => directWrite(f.file, 60 * PAGE_SIZE, pattern(1, 200)));
      await settle();
    };
    const written = await runTask('writer', () => bufferedWrite(f.file, 0, mmap(f.file, 32 * PAGE_SIZE, 20 * PAGE_SIZE)));
    expect(written).toBe(20 * PAGE_SIZE);
    expect(await dio).toBe(PAGE_SIZE);
    await fsync(f.file);
    const original = pattern(64, 0);
    expect(same(f.store.contents().subarray(0, 20 * PAGE_SIZE), original.subarray(32 * PAGE_SIZE, 52 * PAGE_SIZE))).toBe(true);
    expect(same(f.store.contents().subarray(60 * PAGE_SIZE, 61 * PAGE_SIZE), pattern(1, 200))).toBe(true);
    await f.cache.close();
  });
});
