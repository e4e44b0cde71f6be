/**
 * A checkpoint: the whole metadata as records (Metadata.snapshot), in one of two slots.
 *
 *   magic u32 | epoch u32 | payload length f64 | payload crc32c u32 | 12 reserved | header crc32c u32
 *   payload
 *
 * A new checkpoint goes into the slot the superblock does not name, so a crash while writing it
 * leaves the old checkpoint and its log intact; the superblock write is the switch.
 */
import { crc32c } from '@node-rs/crc32';

const CKPT_MAGIC = 0x54504b43;
export const CHECKPOINT_HEADER_BYTES = 32;

export function frameCheckpoint(epoch: number, payload: Buffer): Buffer {
  const buf = Buffer.alloc(CHECKPOINT_HEADER_BYTES + payload.length);
  buf.writeUInt32LE(CKPT_MAGIC, 0);
  buf.writeUInt32LE(epoch, 4);
  buf.writeDoubleLE(payload.length, 8);
  buf.writeUInt32LE(crc32c(payload), 16);
  buf.writeUInt32LE(crc32c(buf.subarray(0, 28)), 28);
  payload.copy(buf, CHECKPOINT_HEADER_BYTES);
  return buf;
}

export interface CheckpointHeader {
  epoch: number;
  length: number;
  crc: number;
}

/** The header, or a reason it is unusable. */
export function readCheckpointHeader(buf: Buffer, slotBytes: number): CheckpointHeader | string {
  if (buf.readUInt32LE(0) !== CKPT_MAGIC) return 'no checkpoint magic';
  if (crc32c(buf.subarray(0, 28)) !== buf.readUInt32LE(28)) return 'bad header CRC';
  const length = buf.readDoubleLE(8);
  if (!Number.isSafeInteger(length) || length < 0 || length > slotBytes - CHECKPOINT_HEADER_BYTES) return `bad length ${length}`;
  return { epoch: buf.readUInt32LE(4), length, crc: buf.readUInt32LE(16) };
}

export const checkpointCrcMatches = (payload: Buffer, header: CheckpointHeader): boolean => crc32c(payload) === header.crc;
