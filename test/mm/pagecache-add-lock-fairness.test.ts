import { describe, expect, it } from 'vitest';
import { PagecacheAddLock } from '../../src/mm/pagecache-add-lock.js';
import { runTask } from '../../src/mm/api.js';
import { settle } from './prng.js';

function newLock(): PagecacheAddLock {
  return new PagecacheAddLock('test', { lockWaits: { add: 0, block: 0 }, lockWaitMs: { add: 0, block: 0 } });
}

/** Start fn as a task and report whether it has finished. */
function start(name: string, fn: () => Promise<void>): { done: () => boolean; promise: Promise<void> } {
  let finished = false;
  const promise = runTask(name, fn).then(() => void (finished = true));
  return { done: () => finished, promise };
}

describe('pagecache_add_lock: sides share, exclude, and queue fairly', () => {
  it('lets many holders share one side and keeps the other side out', async () => {
    const lock = newLock();
    await runTask('a1', () => lock.addGet());
    await runTask('a2', () => lock.addGet());
    expect(lock.heldSide).toBe('add');
    expect(lock.holders).toBe(2);
    const blocker = start('blocker', () => lock.blockGet());
    await settle();
    expect(blocker.done()).toBe(false);
    await runTask('r1', () => lock.addPut());
    await settle();
    expect(blocker.done()).toBe(false);
    await runTask('r2', () => lock.addPut());
    await blocker.promise;
    expect(lock.heldSide).toBe('block');
  });

  it('never waits in trylock', async () => {
    const lock = newLock();
    await runTask('b', () => lock.blockGet());
    expect(await runTask('t', () => lock.addTryGet())).toBe(false);
    expect(await runTask('t2', () => lock.blockTryGet())).toBe(true);
    expect(lock.holders).toBe(2);
  });

  it('does not let a stream of add holders starve a block waiter', async () => {
    const lock = newLock();
    const events: string[] = [];
    await runTask('first-adder', () => lock.addGet());
    const blocker = start('dio', async () => {
      await lock.blockGet();
      events.push('block');
      lock.blockPut();
    });
    await settle();
    // Newcomers on the add side queue behind the waiting block side, even though add is held.
    const late = [0, 1, 2].map((i) =>
      start(`adder${i}`, async () => {
        await lock.addGet();
        events.push(`add${i}`);
        lock.addPut();
      }),
    );
    await settle();
    expect(events).toEqual([]);
    await runTask('first-adder-done', () => lock.addPut());
    await Promise.all([blocker.promise, ...late.map((t) => t.promise)]);
    expect(events[0]).toBe('block');
    expect(lock.heldSide).toBe(null);
  });

  it('does not let a stream of block holders starve an add waiter', async () => {
    const lock = newLock();
    const events: string[] = [];
    await runTask('first-blocker', () => lock.blockGet());
    const adder = start('reader', async () => {
      await lock.addGet();
      events.push('add');
      lock.addPut();
    });
    await settle();
    const late = start('dio2', async () => {
      await lock.blockGet();
      events.push('block2');
      lock.blockPut();
    });
    await settle();
    await runTask('first-blocker-done', () => lock.blockPut());
    await Promise.all([adder.promise, late.promise]);
    expect(events).toEqual(['add', 'block2']);
  });

  it('wakes every queued waiter of the granted side together', async () => {
    const lock = newLock();
    await runTask('b', () => lock.blockGet());
    const adders = [0, 1, 2].map((i) => start(`a${i}`, () => lock.addGet()));
    await settle();
    expect(adders.some((a) => a.done())).toBe(false);
    await runTask('b-done', () => lock.blockPut());
    await Promise.all(adders.map((a) => a.promise));
    expect(lock.holders).toBe(3);
  });

  it('lets a task that holds the add side take it again while a block waiter is queued', async () => {
    const lock = newLock();
    let blocked = true;
    const outcome = runTask('buffered-write', async () => {
      await lock.addGet();
      const dio = start('dio', async () => {
        await lock.blockGet();
        blocked = false;
        lock.blockPut();
      });
      await settle();
      expect(lock.queued.length).toBe(1);
      // A recursive take (the write faulting on its own file) must not queue behind the DIO.
      await lock.addGet();
      expect(lock.addTryGet()).toBe(true);
      lock.addPut();
      lock.addPut();
      expect(blocked).toBe(true);
      lock.addPut();
      await dio.promise;
    });
    await outcome;
    expect(blocked).toBe(false);
  });

  it('counts waits per side', async () => {
    const stats = { lockWaits: { add: 0, block: 0 }, lockWaitMs: { add: 0, block: 0 } };
    const lock = new PagecacheAddLock('counted', stats);
    await runTask('a', () => lock.addGet());
    const b = start('b', () => lock.blockGet());
    await settle();
    await runTask('a-done', () => lock.addPut());
    await b.promise;
    expect(stats.lockWaits).toEqual({ add: 0, block: 1 });
    expect(stats.lockWaitMs.block).toBeGreaterThan(0);
  });
});
