/** Guards the judge of the coherence workload: it must find stale reads when there are some. */
import { describe, expect, it } from 'vitest';
import { analyzeStaleness } from '../../src/demo/workload/analyze-staleness.js';
import type { Sample } from '../../src/demo/workload/sample-log.js';

const ms = 1e6;
const write = (block: number, version: number, startMs: number, endMs: number): Sample => ({
  kind: 'write', actor: 0, block, version, startNs: startMs * ms, endNs: endMs * ms, torn: false,
});
const read = (block: number, version: number, startMs: number, torn = false): Sample => ({
  kind: 'read', actor: 1, block, version, startNs: startMs * ms, endNs: (startMs + 0.1) * ms, torn,
});

describe('staleness analyzer', () => {
  it('counts a read older than a write that had returned before it began', () => {
    const report = analyzeStaleness([write(0, 1, 0, 10), write(0, 2, 10, 20), read(0, 1, 25), read(0, 2, 26)]);
    expect(report.reads).toBe(2);
    expect(report.staleReads).toBe(1);
    expect(report.stalePercent).toBe(50);
    expect(report.worstStaleness).toBe(1);
  });

  it('accepts either version while the write is in flight, and the initial version before any write', () => {
    const report = analyzeStaleness([write(0, 1, 10, 20), read(0, 0, 5), read(0, 0, 15), read(0, 1, 15), read(0, 0, 20)]);
    expect(report.staleReads).toBe(0);
  });

  it('measures staleness in versions, per block', () => {
    const samples = [write(0, 1, 0, 1), write(0, 2, 1, 2), write(0, 3, 2, 3), write(1, 1, 0, 1), read(0, 0, 4), read(1, 1, 4)];
    const report = analyzeStaleness(samples);
    expect(report.staleReads).toBe(1);
    expect(report.worstStaleness).toBe(3);
  });

  it('counts torn reads apart from stale ones', () => {
    const report = analyzeStaleness([write(0, 1, 0, 1), read(0, 0, 2, true), read(0, 0, 3)]);
    expect(report.tornReads).toBe(1);
    expect(report.staleReads).toBe(1);
  });

  it('tells a torn read that overlapped a write of its block from one that did not', () => {
    const report = analyzeStaleness([write(0, 1, 10, 20), read(0, 0, 15, true), read(0, 0, 30, true), read(0, 0, 5, true)]);
    expect(report.tornWhileWriting).toBe(1);
    expect(report.tornReads).toBe(2);
  });

  it('buckets stale reads over time from the first sample', () => {
    const report = analyzeStaleness([write(0, 1, 0, 1), read(0, 0, 100), read(0, 1, 300), read(0, 0, 600)], 0.25);
    expect(report.staleOverTime).toEqual([
      { seconds: 0, reads: 1, stale: 1 },
      { seconds: 0.25, reads: 1, stale: 0 },
      { seconds: 0.5, reads: 1, stale: 1 },
    ]);
  });
});
