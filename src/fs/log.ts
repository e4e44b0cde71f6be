/**
 * The metadata log: commit records appended one after another from the start of the log region.
 * Each record is one transaction (all of its operations apply, or none): a frame (frame.ts) holding
 * the records (records.ts), zero-padded to a 512-byte sector boundary.
 *
 * Only records of the superblock's epoch, with consecutive sequence numbers from 0, belong to the log;
 * a checkpoint starts a new epoch, so old records left behind simply stop the scan. Replay stops at the
 * first record that fails. After a crash that can only be the one record whose commit was in flight
 * (a torn tail, harmless: nothing waited on it); a valid record further on means a damaged one.
 * A record is at most MAX_RECORD_BYTES (a bigger transaction commits as a checkpoint), so the record
 * after a damaged one, if any, starts within that distance: mount reads only that far past the end.
 */
import { SECTOR_SIZE } from './layout.js';
import { frame, FRAME_HEADER_BYTES, payloadIntact, readFrameHeader } from './frame.js';

const LOG_MAGIC = 0x474f4c43;
export const MAX_RECORD_BYTES = 2 ** 20;

export const recordBytes = (payloadBytes: number): number =>
  Math.ceil((FRAME_HEADER_BYTES + payloadBytes) / SECTOR_SIZE) * SECTOR_SIZE;

export const frameRecord = (epoch: number, seq: number, payload: Buffer): Buffer =>
  frame(LOG_MAGIC, epoch, seq, payload, recordBytes(payload.length));

export interface LogScan {
  /** The payloads of the valid records, in order. */
  payloads: Buffer[];
  /** Byte offset (in the region) where the next record goes. */
  end: number;
  /** 'clean': the log simply ends; 'torn': an incomplete last record; 'damaged': a bad record with valid ones after it. */
  tail: 'clean' | 'torn' | 'damaged';
}

/**
 * Scan the log from its start. `region` may be a prefix of the log region (`complete` false): the scan
 * then returns null when it needs more bytes to decide.
 */
export function scanLog(region: Buffer, epoch: number, complete = true): LogScan | null {
  const payloads: Buffer[] = [];
  let at = 0;
  let tail: LogScan['tail'] = 'clean';
  for (;;) {
    if (!complete && at + MAX_RECORD_BYTES > region.length) return null;
    const h = readFrameHeader(region, LOG_MAGIC, at);
    if (!h || h.epoch !== epoch || h.seq !== payloads.length) break;
    const payload = region.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + h.length);
    if (!payloadIntact(payload, h)) {
      tail = 'torn';
      break;
    }
    payloads.push(payload);
    at += recordBytes(h.length);
  }
  const view = new DataView(region.buffer, region.byteOffset, region.length);
  const searchEnd = Math.min(region.length, at + MAX_RECORD_BYTES + SECTOR_SIZE);
  if (!complete && searchEnd < at + MAX_RECORD_BYTES + SECTOR_SIZE) return null;
  for (let p = at + SECTOR_SIZE; p + FRAME_HEADER_BYTES <= searchEnd; p += SECTOR_SIZE) {
    if (view.getUint32(p, true) !== LOG_MAGIC) continue;
    const h = readFrameHeader(region, LOG_MAGIC, p);
    if (h && h.epoch === epoch && h.seq > payloads.length) {
      tail = 'damaged';
      break;
    }
  }
  return { payloads, end: at, tail };
}
