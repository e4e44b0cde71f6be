/**
 * What each workload process is told (as one JSON argument), and the shared clock it runs by. Start
 * is a handshake, so slow process start-up (python takes seconds on a loaded machine) costs no
 * samples: each process opens its file, prints `ready`, and reads one line from stdin holding the
 * shared start and end times (CLOCK_MONOTONIC nanoseconds); it waits for the start, stops at the end.
 */
import { readSync } from 'node:fs';

export interface ProcessConfig {
  file: string;
  log: string;
  actor: number;
  /** Writers: how many there are; writer `actor` owns the blocks b with b % writers === actor. */
  writers: number;
  blocks: number;
  blockSize: number;
  /** Decimal string: bigint nanoseconds do not survive JSON. Logged times are relative to it. */
  baseNs: string;
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

/** One line from stdin, read synchronously (the process has nothing else to do meanwhile). */
function readStdinLine(): string {
  const byte = Buffer.alloc(1);
  let line = '';
  while (readSync(0, byte, 0, 1, null) === 1 && byte[0] !== 0x0a) line += String.fromCharCode(byte[0]!);
  return line;
}

/**
 * Say `ready`, receive "startNs untilNs", sleep (without spinning) until the start; returns the
 * end time relative to the base, for comparing with clockNs().
 */
export function awaitStart(config: ProcessConfig): number {
  process.stdout.write('ready\n');
  const [startNs, untilNs] = readStdinLine().split(' ').map((field) => BigInt(field));
  if (startNs === undefined || untilNs === undefined) throw new Error('no start time on stdin');
  const remainingMs = Number(startNs - process.hrtime.bigint()) / 1e6;
  if (remainingMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, remainingMs);
  return Number(untilNs - BigInt(config.baseNs));
}
