/**
 * A checkpoint: the whole metadata as records (Metadata.snapshot), framed (frame.ts), in one of two
 * slots. A new checkpoint goes into the slot the superblock does not name, so a crash while writing it
 * leaves the old checkpoint and its log intact; the superblock write is the switch.
 */
import { frame, FRAME_HEADER_BYTES, readFrameHeader, type FrameHeader } from './frame.js';

const CKPT_MAGIC = 0x54504b43;
export const CHECKPOINT_HEADER_BYTES = FRAME_HEADER_BYTES;

export const frameCheckpoint = (epoch: number, payload: Buffer): Buffer => frame(CKPT_MAGIC, epoch, 0, payload);

/** The header, or a reason it is unusable. */
export function readCheckpointHeader(buf: Buffer, slotBytes: number): FrameHeader | string {
  if (buf.readUInt32LE(0) !== CKPT_MAGIC) return 'no checkpoint magic';
  const header = readFrameHeader(buf, CKPT_MAGIC);
  if (!header) return 'bad header CRC';
  if (header.length > slotBytes - CHECKPOINT_HEADER_BYTES) return `bad length ${header.length}`;
  return header;
}
