/**
 * A workload writer: O_DIRECT pwrites of versioned blocks, round-robin over the blocks it owns,
 * logging each write's version and the time its pwrite returned.
 */
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { alignedBuffer } from '../../util/aligned-buffer.js';
import { clockNs, parseProcessConfig, awaitStart } from './process-config.js';
import { SampleLog } from './sample-log.js';
import { encodeBlock } from './versioned-block.js';

const config = parseProcessConfig(process.argv);
const base = BigInt(config.baseNs);
const owned = Array.from({ length: config.blocks }, (_, block) => block).filter((block) => block % config.writers === config.actor);
const versions = new Map(owned.map((block) => [block, 0]));
const buffer = alignedBuffer(config.blockSize);
const log = new SampleLog();
const fd = openSync(config.file, constants.O_RDWR | constants.O_DIRECT);

const until = Number(awaitStart().untilNs - base);
for (let turn = 0; owned.length > 0 && clockNs(base) < until; turn++) {
  const block = owned[turn % owned.length]!;
  const version = versions.get(block)! + 1;
  versions.set(block, version);
  encodeBlock(buffer, block, version);
  const start = clockNs(base);
  writeSync(fd, buffer, 0, config.blockSize, block * config.blockSize);
  log.append('write', config.actor, block, version, start, clockNs(base));
}
closeSync(fd);
log.save(config.log);
