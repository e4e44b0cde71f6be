/**
 * The cases of the fio bench: the matrix (4k random and 128k sequential reads and writes, buffered
 * and O_DIRECT, 1 and 4 jobs) and the cases the transports are compared on.
 */
import type { BenchCase } from './fio-bench.js';

/** Issue 14's comparison of the transports: 1 MiB direct reads and 4k direct writes with 2 jobs. */
export const TRANSPORT_CASES: readonly BenchCase[] = [
  { label: '1m read direct ×2', rw: 'read', bs: '1m', direct: true, numjobs: 2 },
  { label: '4k randwrite direct ×2', rw: 'randwrite', bs: '4k', direct: true, numjobs: 2 },
];

/**
 * 4k reads of a file the daemons hold in memory, one job: nearly no work per request, so its rate is
 * the request path's own cost (the tables turn it into µs per request against the baseline).
 */
export const REQUEST_COST_CASE = '4k randread buffered ×1';

/**
 * The matrix's cases, or those with one of `jobCounts` jobs (the quick bench runs 1 job only), then
 * the transport cases, always.
 */
export function benchMatrix(jobCounts: readonly number[] = [1, 4]): BenchCase[] {
  const workloads = [
    { rw: 'randread', bs: '4k' },
    { rw: 'randwrite', bs: '4k' },
    { rw: 'read', bs: '128k' },
    { rw: 'write', bs: '128k' },
  ] as const;
  const matrix: BenchCase[] = workloads.flatMap(({ rw, bs }) =>
    [false, true].flatMap((direct) =>
      jobCounts.map((numjobs) => ({ label: `${bs} ${rw} ${direct ? 'direct' : 'buffered'} ×${numjobs}`, rw, bs, direct, numjobs })),
    ),
  );
  return [...matrix, ...TRANSPORT_CASES];
}
