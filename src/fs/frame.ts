/**
 * The frame around a log record and around a checkpoint: a 32-byte header, then the payload.
 *
 *   magic u32 | epoch u32 | seq u32 | payload length u32 | payload crc32c u32 | 8 reserved | header crc32c u32
 *
 * The header has its own CRC, so its length is trusted before it is used; the payload CRC covers the
 * rest. A checkpoint's seq is always 0.
 */
import { crc32c } from '@node-rs/crc32';

export const FRAME_HEADER_BYTES = 32;
const HEADER_CRC_AT = FRAME_HEADER_BYTES - 4;

export interface FrameHeader {
  epoch: number;
  seq: number;
  length: number;
  crc: number;
}

/** Frame payload in a zeroed buffer of totalBytes (at least header + payload; the rest is padding). */
export function frame(magic: number, epoch: number, seq: number, payload: Buffer, totalBytes = FRAME_HEADER_BYTES + payload.length): Buffer {
  const buf = Buffer.alloc(totalBytes);
  buf.writeUInt32LE(magic, 0);
  buf.writeUInt32LE(epoch, 4);
  buf.writeUInt32LE(seq, 8);
  buf.writeUInt32LE(payload.length, 12);
  buf.writeUInt32LE(crc32c(payload), 16);
  buf.writeUInt32LE(crc32c(buf.subarray(0, HEADER_CRC_AT)), HEADER_CRC_AT);
  payload.copy(buf, FRAME_HEADER_BYTES);
  return buf;
}

/** The header at `at` if it carries `magic` and its CRC holds, else null. */
export function readFrameHeader(buf: Buffer, magic: number, at = 0): FrameHeader | null {
  if (at + FRAME_HEADER_BYTES > buf.length || buf.readUInt32LE(at) !== magic) return null;
  if (crc32c(buf.subarray(at, at + HEADER_CRC_AT)) !== buf.readUInt32LE(at + HEADER_CRC_AT)) return null;
  return { epoch: buf.readUInt32LE(at + 4), seq: buf.readUInt32LE(at + 8), length: buf.readUInt32LE(at + 12), crc: buf.readUInt32LE(at + 16) };
}

export const payloadIntact = (payload: Buffer, header: FrameHeader): boolean =>
  payload.length === header.length && crc32c(payload) === header.crc;
