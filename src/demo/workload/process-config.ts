/**
 * What each workload process is told (as one JSON argument), and the shared clock it runs by:
 * every process waits for `startNs` and stops at `untilNs` (CLOCK_MONOTONIC, relative to `baseNs`).
 */
export interface ProcessConfig {
  file: string;
  log: string;
  actor: number;
  /** Writers: how many there are; writer `actor` owns the blocks b with b % writers === actor. */
  writers: number;
  blocks: number;
  blockSize: number;
  /** Decimal strings: bigint nanoseconds do not survive JSON. */
  baseNs: string;
  startNs: string;
  untilNs: string;
}

export function parseProcessConfig(argv: string[]): ProcessConfig {
  const json = argv[2];
  if (!json) throw new Error('usage: <process> <config json>');
  return JSON.parse(json) as ProcessConfig;
}

/** Nanoseconds since the shared base, as a Number (exact below 2^53 ns, about 104 days). */
export function clockNs(baseNs: bigint): number {
  return Number(process.hrtime.bigint() - baseNs);
}

/** Sleep (without spinning) until the shared start time. */
export function waitForStart(config: ProcessConfig): void {
  const remainingMs = Number(BigInt(config.startNs) - process.hrtime.bigint()) / 1e6;
  if (remainingMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, remainingMs);
}
