/**
 * Guards the lock order of the paths that change a file under the page cache (copy_file_range's
 * destination, fallocate, truncate, direct write) against each other and against buffered IO,
 * writeback and direct reads. Each case parks tasks at schedule points so that every lock is held
 * at the worst moment, checks the watchdog sees no wait-for cycle while they are parked, then lets
 * them go: everything completes with the data a sequential order gives.
 *   - copies A→B and B→A at once, each holding its destination's block side while it writes back
 *     its dirty source, with a buffered writer and a reader of each file queued behind them;
 *   - a copy of a file onto itself at disjoint ranges, with a direct write into the destination
 *     and a buffered write into the source arriving meanwhile;
 *   - a punch over a page under writeback;
 *   - a zero range over the range a direct read is reading.
 */
import { constants } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { reportWaitFor, type SchedulePoint } from '../../src/mm/api.js';
import { FALLOC_FL_KEEP_SIZE as KEEP, FALLOC_FL_PUNCH_HOLE as PUNCH, FALLOC_FL_ZERO_RANGE as ZERO } from '../../src/vfs/fallocate.js';
import type { Vfs } from '../../src/vfs/api.js';
import { byteRuns } from '../fs/helpers.js';
import { settle } from '../mm/prng.js';
import { freshVfs, O_RDWR } from './helpers.js';

const P = 4096;

/**
 * Park the first `count` tasks that reach `point` until `release()`; `arrived` resolves once all are
 * parked (the cases wait for it only a while: tasks that deadlock before the point never arrive, and
 * the watchdog then names them).
 */
function parkAt(vfs: Vfs, point: SchedulePoint, count: number): { arrived: Promise<void>; release: () => void } {
  let parked = 0;
  let allIn!: () => void;
  let release!: () => void;
  const arrived = new Promise<void>((resolve) => (allIn = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  vfs.cache.scheduleHook = (at) => {
    if (at !== point || parked === count) return undefined;
    if (++parked === count) allIn();
    return gate;
  };
  return { arrived, release };
}

async function contents(vfs: Vfs, fh: number): Promise<string> {
  const buf = new Uint8Array(vfs.getattr(vfs.inodeOf(fh)).size);
  await vfs.read(fh, 0, buf);
  return byteRuns(buf);
}

async function fileWith(vfs: Vfs, path: string, fill: number, pages: number): Promise<number> {
  vfs.mknod(path, 0o644);
  const fh = vfs.open(path, O_RDWR);
  await vfs.write(fh, 0, new Uint8Array(pages * P).fill(fill));
  await vfs.fsync(fh);
  return fh;
}

/** While everything is parked: no wait-for cycle among the tasks. */
function expectNoDeadlock(vfs: Vfs): void {
  const report = reportWaitFor(vfs.cache.mappings);
  expect(report.deadlock, report.text).toBeNull();
}

describe('paths that change a file under the cache', () => {
  it('copy A→B and B→A at once, with dirty sources and queued readers and writers', async () => {
    const { vfs } = await freshVfs();
    const a = await fileWith(vfs, '/a', 0xaa, 4);
    const b = await fileWith(vfs, '/b', 0xbb, 4);
    await vfs.write(a, 0, new Uint8Array(P).fill(0xa1));
    await vfs.write(b, 0, new Uint8Array(P).fill(0xb1));
    const { arrived, release } = parkAt(vfs, 'writeback:before-store-write', 2);
    const aToB = vfs.copyFileRange(a, 0, b, 2 * P, P);
    const bToA = vfs.copyFileRange(b, 0, a, 2 * P, P);
    await Promise.race([arrived, settle(100)]);
    const writer = vfs.write(a, 3 * P, new Uint8Array(P).fill(0xa3));
    const reader = vfs.read(b, 2 * P, new Uint8Array(P));
    await settle();
    expectNoDeadlock(vfs);
    release();
    expect(await Promise.all([aToB, bToA, writer, reader])).toEqual([P, P, P, P]);
    expect(await contents(vfs, a)).toBe('0-4095:a1 4096-8191:aa 8192-12287:b1 12288-16383:a3');
    expect(await contents(vfs, b)).toBe('0-4095:b1 4096-8191:bb 8192-12287:a1 12288-16383:bb');
    expect(reportWaitFor(vfs.cache.mappings).locks).toEqual([]);
    await vfs.close();
  });

  it('a copy onto the same file at disjoint ranges, with a direct and a buffered write arriving', async () => {
    const { vfs } = await freshVfs();
    const f = await fileWith(vfs, '/f', 0x11, 8);
    await vfs.write(f, 0, new Uint8Array(2 * P).fill(0x22));
    const direct = vfs.open('/f', O_RDWR | constants.O_DIRECT);
    const { arrived, release } = parkAt(vfs, 'copy-range:after-invalidate', 1);
    const copy = vfs.copyFileRange(f, 0, f, 4 * P, 2 * P);
    await Promise.race([arrived, settle(100)]);
    const intoDestination = vfs.write(direct, 6 * P, new Uint8Array(P).fill(0x33));
    const intoSource = vfs.write(f, P, new Uint8Array(P).fill(0x44));
    await settle();
    expectNoDeadlock(vfs);
    release();
    expect(await Promise.all([copy, intoDestination, intoSource])).toEqual([2 * P, P, P]);
    expect(await contents(vfs, f)).toBe('0-4095:22 4096-8191:44 8192-16383:11 16384-24575:22 24576-28671:33 28672-32767:11');
    await vfs.release(direct);
    await vfs.close();
  });

  it('a punch over a page under writeback waits for it, and the hole stays a hole', async () => {
    const { vfs } = await freshVfs();
    const f = await fileWith(vfs, '/f', 0x55, 4);
    await vfs.write(f, P, new Uint8Array(2 * P).fill(0x66));
    const { arrived, release } = parkAt(vfs, 'writeback:before-store-write', 1);
    const writeback = vfs.fsync(f);
    await Promise.race([arrived, settle(100)]);
    const punch = vfs.fallocate(f, PUNCH | KEEP, P, 2 * P);
    const reader = vfs.read(f, 0, new Uint8Array(4 * P));
    await settle();
    expectNoDeadlock(vfs);
    release();
    await Promise.all([writeback, punch, reader]);
    expect(await contents(vfs, f)).toBe('0-4095:55 4096-12287:0 12288-16383:55');
    await vfs.fsync(f);
    expect(vfs.getattr('/f').blocks).toBe(2 * 8);
    await vfs.close();
  });

  it('a zero range over the range a direct read is reading', async () => {
    const { vfs } = await freshVfs();
    const f = await fileWith(vfs, '/f', 0x77, 4);
    await vfs.write(f, 0, new Uint8Array(P).fill(0x78));
    const direct = vfs.open('/f', constants.O_RDONLY | constants.O_DIRECT);
    const { arrived, release } = parkAt(vfs, 'dio-read:after-writeback', 1);
    const seen = new Uint8Array(4 * P);
    const read = vfs.read(direct, 0, seen);
    await Promise.race([arrived, settle(100)]);
    const zero = vfs.fallocate(f, ZERO | KEEP, 0, 2 * P);
    await settle();
    expectNoDeadlock(vfs);
    await zero;
    release();
    expect(await read).toBe(4 * P);
    expect(byteRuns(seen)).toBe('0-8191:0 8192-16383:77');
    expect(await contents(vfs, f)).toBe('0-8191:0 8192-16383:77');
    await vfs.release(direct);
    await vfs.close();
  });
});

