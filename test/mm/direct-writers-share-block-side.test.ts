/**
 * Guards what parallel direct writes (FOPEN_PARALLEL_DIRECT_WRITES) rely on: two direct writes of
 * one file hold the block side together, as the kernel's shared inode lock let them in, and the
 * stats count them (dioWritesInFlightPeak); a buffered read arriving meanwhile waits for both and
 * then reads what they wrote.
 */
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, bufferedRead, directWrite } from '../../src/mm/api.js';
import { fixture, pattern, same } from './coherence-fixture.js';
import { settle } from './prng.js';

describe('direct writers of one file', () => {
  it('hold the block side at once, are counted, and keep buffered reads out until both are done', async () => {
    const f = await fixture('locked', 8);
    const warm = new Uint8Array(8 * PAGE_SIZE);
    await bufferedRead(f.file, 0, warm);
    // Each writer stops before its store write, holding the block side, until the gate opens.
    let arrived = 0;
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    f.cache.scheduleHook = (point) => {
      if (point !== 'dio-write:after-evict') return undefined;
      arrived++;
      return gate;
    };
    const first = directWrite(f.file, 0, pattern(2, 0x40));
    const second = directWrite(f.file, 4 * PAGE_SIZE, pattern(2, 0x80));
    await settle();
    expect(arrived).toBe(2);
    expect([f.file.lock.heldSide, f.file.lock.holders]).toEqual(['block', 2]);
    expect(f.cache.stats.dioWritesInFlightPeak).toBe(2);

    const readBack = new Uint8Array(8 * PAGE_SIZE);
    let readDone = false;
    const reader = bufferedRead(f.file, 0, readBack).then((n) => ((readDone = true), n));
    await settle();
    expect(readDone).toBe(false);
    openGate();
    expect(await Promise.all([first, second])).toEqual([2 * PAGE_SIZE, 2 * PAGE_SIZE]);
    expect(await reader).toBe(8 * PAGE_SIZE);
    expect(f.file.dioWritesInFlight).toBe(0);
    expect(same(readBack.subarray(0, 2 * PAGE_SIZE), pattern(2, 0x40))).toBe(true);
    expect(same(readBack.subarray(4 * PAGE_SIZE, 6 * PAGE_SIZE), pattern(2, 0x80))).toBe(true);
    expect(same(readBack.subarray(2 * PAGE_SIZE, 4 * PAGE_SIZE), warm.subarray(2 * PAGE_SIZE, 4 * PAGE_SIZE))).toBe(true);
  });
});
