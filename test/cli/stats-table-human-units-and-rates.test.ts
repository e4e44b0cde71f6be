/**
 * `coherefs stats` for people: bytes in KiB/MiB/GiB, times in ms, and a per-second rate for counters
 * (not for gauges or high-water marks, not across a daemon restart) once there is an earlier sample.
 */
import { describe, expect, it } from 'vitest';
import { statsTable } from '../../src/cli/stats-table.js';
import { humanBytes } from '../../src/util/size.js';

const MiB = 2 ** 20;

function daemonAnswer(pid: number, cache: Record<string, unknown>): unknown {
  return {
    image: '/srv/disk.img',
    mountpoint: '/mnt/c',
    pid,
    cache: { cacheHits: 0, dioBytesWritten: 0, residentBytes: 0, lockWaitMs: { add: 0, block: 0 }, ...cache },
    openHandles: 1,
    coherence: 'locked',
    memory: { rssBytes: 80 * MiB },
  };
}

/** The table's rows as { key: [value, rate] }. */
function rowsOf(table: string): Record<string, string[]> {
  return Object.fromEntries(table.split('\n').map((line) => {
    const [key, ...rest] = line.trim().split(/\s{2,}/);
    return [key!, rest];
  }));
}

describe('stats in human units', () => {
  it('writes bytes with binary units, three significant digits', () => {
    expect(humanBytes(0)).toBe('0 B');
    expect(humanBytes(1023)).toBe('1023 B');
    expect(humanBytes(1536)).toBe('1.50 KiB');
    expect(humanBytes(256 * MiB)).toBe('256 MiB');
    expect(humanBytes(12.34 * MiB)).toBe('12.3 MiB');
    expect(humanBytes(3 * 2 ** 30)).toBe('3.00 GiB');
  });

  it('shows bytes, ms and counts in units and text as it is; no rates from one sample', () => {
    const rows = rowsOf(statsTable({ atMs: 0, stats: daemonAnswer(42, {
      cacheHits: 1234567, dioBytesWritten: 8 * MiB, residentBytes: 1536, lockWaitMs: { add: 1234.56, block: 0 },
    }) }));
    expect(rows['image']).toEqual(['/srv/disk.img']);
    expect(rows['pid']).toEqual(['42']);
    expect(rows['cache.cacheHits']).toEqual(['1,234,567']);
    expect(rows['cache.dioBytesWritten']).toEqual(['8.00 MiB']);
    expect(rows['cache.residentBytes']).toEqual(['1.50 KiB']);
    expect(rows['cache.lockWaitMs.add']).toEqual(['1,234.6 ms']);
    expect(rows['memory.rssBytes']).toEqual(['80.0 MiB']);
    expect(rows['coherence']).toEqual(['locked']);
  });

  it('gives counters a rate per second since the previous sample, gauges none', () => {
    const previous = { atMs: 1000, stats: daemonAnswer(42, { cacheHits: 100, dioBytesWritten: 0, residentBytes: MiB, lockWaitMs: { add: 10, block: 0 }, dioWritesInFlightPeak: 1 }) };
    const current = { atMs: 3000, stats: daemonAnswer(42, { cacheHits: 300, dioBytesWritten: 4 * MiB, residentBytes: 9 * MiB, lockWaitMs: { add: 30, block: 0 }, dioWritesInFlightPeak: 4 }) };
    const rows = rowsOf(statsTable(current, previous));
    expect(rows['cache.cacheHits']).toEqual(['300', '100/s']);
    expect(rows['cache.dioBytesWritten']).toEqual(['4.00 MiB', '2.00 MiB/s']);
    expect(rows['cache.lockWaitMs.add']).toEqual(['30.0 ms', '10.0 ms/s']);
    expect(rows['cache.lockWaitMs.block']).toEqual(['0.0 ms', '0.0 ms/s']);
    expect(rows['cache.residentBytes']).toEqual(['9.00 MiB']);
    expect(rows['cache.dioWritesInFlightPeak']).toEqual(['4']);
    expect(rows['openHandles']).toEqual(['1']);
    expect(rows['memory.rssBytes']).toEqual(['80.0 MiB']);
  });

  it('gives no rates across a daemon restart (the counters started again)', () => {
    const previous = { atMs: 0, stats: daemonAnswer(41, { cacheHits: 500 }) };
    const current = { atMs: 2000, stats: daemonAnswer(42, { cacheHits: 7 }) };
    expect(rowsOf(statsTable(current, previous))['cache.cacheHits']).toEqual(['7']);
  });

  it('aligns the numbers and keeps long text out of their column', () => {
    const lines = statsTable({ atMs: 0, stats: { image: '/a/very/long/path/to/the/disk.img', cache: { cacheHits: 5, dioBytesRead: 2048 } } }).split('\n');
    expect(lines).toEqual([
      'image               /a/very/long/path/to/the/disk.img',
      'cache.cacheHits            5',
      'cache.dioBytesRead  2.00 KiB',
    ]);
  });
});
