/**
 * Guards the bench's measure of the kernel transport's hand-off: it drives the transport's own reader
 * threads (dist/src/fuse/kernel/reader-worker.js) and a thread answering in place over FIFOs, pairs
 * the two ways per round, and ends every thread and removes its FIFOs (a reader blocked in read(2)
 * is fed until it goes). Speed is not asserted, only that both ways served requests. Needs the build.
 */
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { handOffMarkdown, measureHandOff } from '../../bench/hand-off.js';

const fifoDirs = async (): Promise<string[]> => (await readdir(tmpdir())).filter((name) => name.startsWith('coherefs-hand-off-'));

describe('the hand-off measure', () => {
  it('answers requests from the main thread and in the reader thread, round by round, and leaves nothing behind', async () => {
    const before = await fifoDirs();
    const lines: string[] = [];
    const report = await measureHandOff(2, 1, (line) => lines.push(line));
    expect(report.rates['main thread']).toHaveLength(2);
    expect(report.rates['reader thread']).toHaveLength(2);
    for (const rate of [...report.rates['main thread'], ...report.rates['reader thread']]) expect(rate).toBeGreaterThan(0);
    expect(report.addedUs).toHaveLength(2);
    expect(lines.slice(1)).toEqual([
      'hand-off: answered in the main thread, round 1/2',
      'hand-off: answered in the reader thread, round 1/2',
      'hand-off: answered in the reader thread, round 2/2',
      'hand-off: answered in the main thread, round 2/2',
    ]);
    expect(handOffMarkdown(report)).toMatch(/the hop to the main thread adds \*\*-?\d+\.\d µs\*\* \(-?\d+\.\d–-?\d+\.\d\) per request\.$/);
    expect(await fifoDirs()).toEqual(before);
  }, 30_000);
});
