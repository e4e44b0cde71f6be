/**
 * The workload's logs: one binary file per process, records of 7 little-endian float64s
 *   kind (0 write, 1 read) | actor | block | version | start ns | end ns | torn (0/1)
 * Times are CLOCK_MONOTONIC nanoseconds (process.hrtime.bigint(), python's time.monotonic_ns())
 * minus a base shared by all processes, so times compare across processes. Kept in memory while
 * the workload runs (no logging IO competes with it) and written once at the end.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export const RECORD_FIELDS = 7;
const CHUNK_RECORDS = 1 << 16;

export interface Sample {
  kind: 'write' | 'read';
  actor: number;
  block: number;
  version: number;
  startNs: number;
  endNs: number;
  torn: boolean;
}

export class SampleLog {
  private readonly chunks: Float64Array[] = [];
  private current = new Float64Array(CHUNK_RECORDS * RECORD_FIELDS);
  private used = 0;

  append(kind: Sample['kind'], actor: number, block: number, version: number, startNs: number, endNs: number, torn = false): void {
    if (this.used === this.current.length) {
      this.chunks.push(this.current);
      this.current = new Float64Array(CHUNK_RECORDS * RECORD_FIELDS);
      this.used = 0;
    }
    this.current.set([kind === 'write' ? 0 : 1, actor, block, version, startNs, endNs, torn ? 1 : 0], this.used);
    this.used += RECORD_FIELDS;
  }

  save(path: string): void {
    const parts = [...this.chunks, this.current.subarray(0, this.used)];
    writeFileSync(path, Buffer.concat(parts.map((part) => Buffer.from(part.buffer, part.byteOffset, part.byteLength))));
  }
}

export function loadSamples(path: string): Sample[] {
  const bytes = readFileSync(path);
  const values = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const samples: Sample[] = [];
  for (let at = 0; at + RECORD_FIELDS <= values.length; at += RECORD_FIELDS) {
    samples.push({
      kind: values[at] === 0 ? 'write' : 'read',
      actor: values[at + 1]!,
      block: values[at + 2]!,
      version: values[at + 3]!,
      startNs: values[at + 4]!,
      endNs: values[at + 5]!,
      torn: values[at + 6] === 1,
    });
  }
  return samples;
}
