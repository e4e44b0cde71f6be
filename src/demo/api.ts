/**
 * The demonstrations: the bug and the fix side by side.
 *
 * `runRaceDemo` runs the versioned-block coherence workload on a fresh image in each coherence mode
 * (none, evict, locked), each on a real FUSE mount: writer processes doing O_DIRECT pwrites of
 * self-describing blocks (magic, index, version, checksum), reader processes doing buffered reads,
 * then mmap reads, of the same blocks, all logging CLOCK_MONOTONIC times. Offline, a read is stale
 * when it returned a version older than one whose direct write had already returned when the read
 * began. `none` and `evict` show stale reads, `locked` none; fsck checks every image afterwards.
 *
 * `runDeadlockDemo` drives the page-cache core in process: direct writes whose source is a mapped
 * view of another file (ABBA) or of the same file, with the fault handler's
 * faults_disabled_mapping checks off (a watchdog reports the wait-for cycle) and on (they complete,
 * or are refused with EFAULT).
 */
export { runCoherenceWorkload } from './workload/run-workload.js';
export type { WorkloadOptions, WorkloadResult } from './workload/run-workload.js';
export { analyzeStaleness } from './workload/analyze-staleness.js';
export type { CoherenceReport, StaleBucket } from './workload/analyze-staleness.js';
export { RACE_MODES, runRaceDemo } from './race/run-race.js';
export type { RaceModeResult, RaceOptions, RaceProgress, RaceResult, RaceRow, ReaderKind } from './race/run-race.js';
export { racePlot, raceSetup, raceTable, raceVerdict, type RacePlot } from './race/race-report.js';
export { runDeadlockDemo } from './deadlock/run-deadlock.js';
export type { DeadlockResult, ScenarioName, ScenarioResult } from './deadlock/run-deadlock.js';
