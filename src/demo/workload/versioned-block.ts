/**
 * A self-describing block for the coherence workload, so any read can tell what it saw:
 *   u32 magic | u32 block index | u32 version | u32 crc32 | payload (derived from index and version)
 * The CRC-32 (zlib's, so the python mmap reader can check it too) covers the header fields and the
 * payload: a block mixing two versions (a torn read) fails it. An all-zero block is version 0 unwritten.
 */
import { crc32 } from 'node:zlib';

export const BLOCK_MAGIC = 0x43485246; // "CHRF"
export const HEADER_BYTES = 16;

export interface DecodedBlock {
  state: 'ok' | 'torn';
  version: number;
}

function fillPayload(block: Buffer, index: number, version: number): void {
  // Knuth's multiplicative hash: every (index, version) gets a different word pattern.
  const word = (Math.imul(index + 1, 2654435761) ^ Math.imul(version + 1, 40503)) >>> 0;
  for (let at = HEADER_BYTES; at + 4 <= block.length; at += 4) block.writeUInt32LE((word + at) >>> 0, at);
}

function checksum(block: Buffer): number {
  return crc32(block.subarray(HEADER_BYTES), crc32(block.subarray(0, 12)));
}

/** Fill `block` (the whole buffer) with version `version` of block `index`. */
export function encodeBlock(block: Buffer, index: number, version: number): void {
  block.writeUInt32LE(BLOCK_MAGIC, 0);
  block.writeUInt32LE(index, 4);
  block.writeUInt32LE(version, 8);
  fillPayload(block, index, version);
  block.writeUInt32LE(checksum(block), 12);
}

/** What a reader saw: the version, or torn when magic, index or checksum disagree. */
export function decodeBlock(block: Buffer, index: number): DecodedBlock {
  const version = block.readUInt32LE(8);
  const intact =
    block.readUInt32LE(0) === BLOCK_MAGIC && block.readUInt32LE(4) === index && block.readUInt32LE(12) === checksum(block);
  return { state: intact ? 'ok' : 'torn', version };
}
