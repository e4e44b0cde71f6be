/**
 * A workload reader: buffered preads of random blocks, logging when each read began and which
 * version (or a torn block) it returned.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { clockNs, parseProcessConfig, awaitStart } from './process-config.js';
import { SampleLog } from './sample-log.js';
import { decodeBlock } from './versioned-block.js';

const config = parseProcessConfig(process.argv);
const base = BigInt(config.baseNs);
const buffer = Buffer.alloc(config.blockSize);
const log = new SampleLog();
const fd = openSync(config.file, 'r');

const until = Number(awaitStart().untilNs - base);
while (clockNs(base) < until) {
  const block = Math.floor(Math.random() * config.blocks);
  const start = clockNs(base);
  const bytes = readSync(fd, buffer, 0, config.blockSize, block * config.blockSize);
  const end = clockNs(base);
  const seen = bytes === config.blockSize ? decodeBlock(buffer, block) : { state: 'torn' as const, version: 0 };
  log.append('read', config.actor, block, seen.version, start, end, seen.state === 'torn');
}
closeSync(fd);
log.save(config.log);
