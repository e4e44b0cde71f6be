/**
 * Reading an image into memory, shared by mount and fsck: pick the superblock copy, load the
 * checkpoint it names, replay the log up to the first bad record. Reads only; every finding is a
 * Problem, and mount refuses when any is not `mountable`.
 */
import { BLOCK_SIZE, decodeSuperblock, encodeSuperblock, FORMAT_VERSION, type Superblock, type SuperblockCopy } from './layout.js';
import { CHECKPOINT_HEADER_BYTES, readCheckpointHeader } from './checkpoint.js';
import { payloadIntact } from './frame.js';
import { MAX_RECORD_BYTES, scanLog, type LogScan } from './log.js';
import { decodeOps } from './records.js';
import { isUpgradable } from './upgrade.js';
import { Metadata } from './metadata.js';
import type { ImageDevice } from './device.js';

export interface Problem {
  where: string;
  message: string;
  /** True when mount can proceed and will repair it (e.g. one superblock copy bad). */
  mountable: boolean;
  /** The command that fixes it, when there is one (mount's refusal names it instead of pointing at fsck). */
  remedy?: string;
}

export interface LoadOptions {
  /** The image's path, for the commands messages tell the user to run. */
  image?: string;
  /** The format to read: the current one, or an older one (upgrade.ts). */
  version?: number;
  /** Replay a damaged log up to its first bad record, as for a torn tail, instead of refusing it (repair). */
  salvageLog?: boolean;
}

export interface LoadedImage {
  sb: Superblock;
  meta: Metadata;
  /** Where the next log record goes, and its sequence number. */
  logEnd: number;
  logSeq: number;
  /** Superblock copies (0 = A, 1 = B) that are not `sb`: spoiled, or left older by a power cut. */
  staleCopies: number[];
  /** How the log ended: 'damaged' only when the caller asked to salvage it (repair). */
  logTail: LogScan['tail'];
  problems: Problem[];
  notes: string[];
}

export type Progress = (done: number, total: number) => void;

/** Read an image; returns the problems alone when it is too damaged to load. */
export async function loadImage(
  device: ImageDevice, onProgress?: Progress, { image = 'IMAGE', version = FORMAT_VERSION, salvageLog = false }: LoadOptions = {},
): Promise<LoadedImage | { problems: Problem[] }> {
  const problems: Problem[] = [];
  const fatal = (where: string, message: string, remedy?: string): { problems: Problem[] } => {
    problems.push({ where, message, mountable: false, ...(remedy ? { remedy } : {}) });
    return { problems };
  };
  if (device.size < 2 * BLOCK_SIZE) return fatal('image', `not a coherefs image: only ${device.size} bytes`);

  const copies: SuperblockCopy[] = [];
  for (const block of [0, 1]) {
    const buf = Buffer.alloc(BLOCK_SIZE);
    await device.read(block * BLOCK_SIZE, buf);
    copies.push(decodeSuperblock(buf, version));
  }
  const valid = copies.flatMap((c) => (c.status === 'ok' ? [c.sb] : []));
  if (copies.every((c) => c.status === 'no-magic')) return fatal('superblock', 'not a coherefs image (no coherefs magic in either superblock copy)');
  const wrongVersion = copies.find((c) => c.status === 'bad-version');
  if (valid.length === 0 && wrongVersion?.status === 'bad-version' && isUpgradable(wrongVersion.version) && version === FORMAT_VERSION) {
    return fatal('superblock', `format version ${wrongVersion.version}, older than this coherefs's version ${FORMAT_VERSION}`,
      `upgrade it with: coherefs fsck --repair ${image}`);
  }
  if (valid.length === 0 && wrongVersion?.status === 'bad-version') {
    return fatal('superblock', `unsupported format version ${wrongVersion.version} (this coherefs reads version ${version})`);
  }
  if (valid.length === 0) return fatal('superblock', `both copies are unusable (A: ${copies[0]!.status}, B: ${copies[1]!.status})`);
  copies.forEach((c, i) => {
    if (c.status !== 'ok') problems.push({ where: `superblock copy ${'AB'[i]}`, message: `${c.status}; the other copy is used and mount rewrites this one`, mountable: true });
  });
  const sb = valid.reduce((a, b) => (b.generation > a.generation ? b : a));
  const current = encodeSuperblock(sb);
  const staleCopies = copies.flatMap((c, block) => (c.status === 'ok' && encodeSuperblock(c.sb).equals(current) ? [] : [block]));
  const notes: string[] = [];
  copies.forEach((c, i) => {
    if (c.status === 'ok' && c.sb.generation < sb.generation) {
      notes.push(`superblock copy ${'AB'[i]}: generation ${c.sb.generation}, older than copy ${'BA'[i]}'s ${sb.generation} (a power cut between the two superblock writes); mount rewrites it`);
    }
  });
  const g = sb.geometry;
  if (device.size < g.totalBlocks * BLOCK_SIZE) {
    return fatal('image', `truncated: ${device.size} bytes, the superblock describes ${g.totalBlocks * BLOCK_SIZE}`);
  }

  const slotBytes = g.checkpointBlocks * BLOCK_SIZE;
  const logBytes = g.logBlocks * BLOCK_SIZE;
  const total = slotBytes + logBytes;
  const where = `checkpoint slot ${sb.activeSlot}`;
  const headerBuf = Buffer.alloc(CHECKPOINT_HEADER_BYTES);
  await device.read(g.checkpointStart[sb.activeSlot]! * BLOCK_SIZE, headerBuf);
  const header = readCheckpointHeader(headerBuf, slotBytes);
  if (typeof header === 'string') return fatal(where, header);
  if (header.epoch !== sb.epoch) return fatal(where, `epoch ${header.epoch}, the superblock expects ${sb.epoch}`);
  const payload = Buffer.alloc(header.length);
  await device.read(g.checkpointStart[sb.activeSlot]! * BLOCK_SIZE + CHECKPOINT_HEADER_BYTES, payload);
  onProgress?.(slotBytes, total);
  if (!payloadIntact(payload, header)) return fatal(where, 'bad CRC');
  const meta = new Metadata();
  try {
    for (const op of decodeOps(payload, version)) meta.apply(op);
  } catch (err) {
    return fatal(where, (err as Error).message);
  }

  const log = await readLog(device, sb, (done) => onProgress?.(slotBytes + done, total));
  onProgress?.(total, total);
  if (log.tail === 'damaged' && !salvageLog) {
    return fatal('log', `record ${log.payloads.length} (at log byte ${log.end}) is damaged, and valid records follow it`);
  }
  if (log.tail === 'torn') notes.push(`log: record ${log.payloads.length} is incomplete (a crash during its commit); it is discarded`);
  try {
    for (const p of log.payloads) for (const op of decodeOps(p, version)) meta.apply(op);
  } catch (err) {
    return fatal('log', (err as Error).message);
  }
  return { sb, meta, logEnd: log.end, logSeq: log.payloads.length, staleCopies, logTail: log.tail, problems, notes };
}

/** Read as much of the log as the scan needs (it ends at the first bad record), doubling the prefix read. */
async function readLog(device: ImageDevice, sb: Superblock, onProgress: (done: number) => void): Promise<LogScan> {
  const logBytes = sb.geometry.logBlocks * BLOCK_SIZE;
  for (let length = Math.min(logBytes, 4 * MAX_RECORD_BYTES); ; length = Math.min(logBytes, length * 2)) {
    const region = Buffer.alloc(length);
    await device.read(sb.geometry.logStart * BLOCK_SIZE, region);
    onProgress(length);
    const scan = scanLog(region, sb.epoch, length === logBytes);
    if (scan) return scan;
  }
}
