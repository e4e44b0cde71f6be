/**
 * The demonstrations. Their measuring instrument is the versioned-block coherence workload: writer
 * processes doing O_DIRECT pwrites of self-describing blocks (magic, index, version, checksum),
 * reader processes doing buffered reads and mmap reads of the same blocks, all logging CLOCK_MONOTONIC
 * times; offline, a read is stale when it returned a version older than one whose direct write had
 * already returned when the read began. A coherent filesystem shows none; `evict` mode will show some.
 */
export { runCoherenceWorkload } from './workload/run-workload.js';
export type { WorkloadOptions, WorkloadResult } from './workload/run-workload.js';
export { analyzeStaleness } from './workload/analyze-staleness.js';
export type { CoherenceReport, StaleBucket } from './workload/analyze-staleness.js';
