/**
 * The metadata log: commit records appended one after another from the start of the log region.
 * Each record is one transaction (all of its operations apply, or none):
 *
 *   magic u32 | epoch u32 | seq u32 | payload length u32 | payload crc32c u32 | 8 reserved | header crc32c u32
 *   payload (records.ts), zero-padded to a 512-byte sector boundary
 *
 * Only records of the superblock's epoch, with consecutive sequence numbers from 0, belong to the log;
 * a checkpoint starts a new epoch, so old records left behind simply stop the scan. Replay stops at the
 * first record that fails. After a crash that can only be the one record whose commit was in flight
 * (a torn tail, harmless: nothing waited on it); a valid record further on means a damaged one.
 * A record is at most MAX_RECORD_BYTES (a bigger transaction commits as a checkpoint), so the record
 * after a damaged one, if any, starts within that distance: mount reads only that far past the end.
 */
import { crc32c } from '@node-rs/crc32';
import { SECTOR_SIZE } from './layout.js';

const LOG_MAGIC = 0x474f4c43;
export const LOG_HEADER_BYTES = 32;
export const MAX_RECORD_BYTES = 2 ** 20;

export const recordBytes = (payloadBytes: number): number =>
  Math.ceil((LOG_HEADER_BYTES + payloadBytes) / SECTOR_SIZE) * SECTOR_SIZE;

export function frameRecord(epoch: number, seq: number, payload: Buffer): Buffer {
  const buf = Buffer.alloc(recordBytes(payload.length));
  buf.writeUInt32LE(LOG_MAGIC, 0);
  buf.writeUInt32LE(epoch, 4);
  buf.writeUInt32LE(seq, 8);
  buf.writeUInt32LE(payload.length, 12);
  buf.writeUInt32LE(crc32c(payload), 16);
  buf.writeUInt32LE(crc32c(buf.subarray(0, 28)), 28);
  payload.copy(buf, LOG_HEADER_BYTES);
  return buf;
}

interface Header {
  epoch: number;
  seq: number;
  length: number;
  crc: number;
}

function readHeader(region: Buffer, at: number): Header | null {
  if (at + LOG_HEADER_BYTES > region.length || region.readUInt32LE(at) !== LOG_MAGIC) return null;
  if (crc32c(region.subarray(at, at + 28)) !== region.readUInt32LE(at + 28)) return null;
  return {
    epoch: region.readUInt32LE(at + 4),
    seq: region.readUInt32LE(at + 8),
    length: region.readUInt32LE(at + 12),
    crc: region.readUInt32LE(at + 16),
  };
}

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
    const h = readHeader(region, at);
    if (!h || h.epoch !== epoch || h.seq !== payloads.length) break;
    const payload = region.subarray(at + LOG_HEADER_BYTES, at + LOG_HEADER_BYTES + h.length);
    if (payload.length !== h.length || crc32c(payload) !== h.crc) {
      tail = 'torn';
      break;
    }
    payloads.push(payload);
    at += recordBytes(h.length);
  }
  const view = new DataView(region.buffer, region.byteOffset, region.length);
  const searchEnd = Math.min(region.length, at + MAX_RECORD_BYTES + SECTOR_SIZE);
  if (!complete && searchEnd < at + MAX_RECORD_BYTES + SECTOR_SIZE) return null;
  for (let p = at + SECTOR_SIZE; p + LOG_HEADER_BYTES <= searchEnd; p += SECTOR_SIZE) {
    if (view.getUint32(p, true) !== LOG_MAGIC) continue;
    const h = readHeader(region, p);
    if (h && h.epoch === epoch && h.seq > payloads.length) {
      tail = 'damaged';
      break;
    }
  }
  return { payloads, end: at, tail };
}
