/**
 * Guards the caller's pid on mm tasks: tasks started on behalf of a user thread (a FUSE request's
 * caller) carry its pid, and the watchdog's report names them by it; pid 0 (the kernel's own
 * requests) and background work started from inside a request (the flusher, readahead: kernel
 * threads) carry none.
 */
import { describe, expect, it } from 'vitest';
import { PageCache, current, onBehalfOf, reportWaitFor, runTask } from '../../src/mm/api.js';
import { MemoryStore } from '../../src/mm/memory-store.js';

describe('the task of a request', () => {
  it("carries the caller's pid, and names it", async () => {
    const task = await onBehalfOf(4711, () => runTask('write fh1', async () => current()));
    expect(task.pid).toBe(4711);
    expect(String(task)).toMatch(/^write fh1#\d+ \(pid 4711\)$/);
    expect((await onBehalfOf(0, () => runTask('release', async () => current()))).pid).toBeNull();
    expect((await runTask('in-process', async () => current())).pid).toBeNull();
  });

  it('starts background work as no caller', async () => {
    const cache = new PageCache({ cacheSize: 1 << 20 });
    let background: number | null | undefined;
    await onBehalfOf(4711, () => runTask('read fh1', async () => {
      cache.runInBackground('readahead', async () => void (background = current().pid));
    }));
    await cache.close();
    expect(background).toBeNull();
  });

  it('is named by its pid in the wait-for report', async () => {
    const cache = new PageCache({ cacheSize: 1 << 20 });
    const mapping = cache.createMapping(new MemoryStore(), 'ino12');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const writer = onBehalfOf(4711, () => runTask('write fh3', async () => {
      await mapping.lock.blockGet();
      await held;
      mapping.lock.blockPut();
    }));
    const reader = onBehalfOf(4712, () => runTask('read fh4', async () => {
      await mapping.lock.addGet();
      mapping.lock.addPut();
    }));
    await new Promise((resolve) => setImmediate(resolve));
    const [lock] = reportWaitFor(cache.mappings).locks;
    expect(lock?.holders).toEqual([{ task: expect.stringMatching(/^write fh3#\d+ \(pid 4711\)$/), pid: 4711, holds: 1 }]);
    expect(lock?.waiters).toMatchObject([{ pid: 4712, side: 'add' }]);
    release();
    await Promise.all([writer, reader]);
    await cache.close();
  });
});
