/** `coherefs mkfs IMAGE --size SIZE [--force] [--preallocate]`: create a fresh image and print its geometry. */
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { BLOCK_SIZE, mkfs, type Geometry } from '../../fs/api.js';
import { formatSize, parseSize } from '../../util/size.js';

function sizeOption(text: string): number {
  try {
    return parseSize(text);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

export function describeGeometry(g: Geometry): string {
  const region = (name: string, start: number, blocks: number): string =>
    `  ${name.padEnd(20)} blocks ${String(start).padStart(9)} .. ${String(start + blocks - 1).padEnd(9)} ${formatSize(blocks * BLOCK_SIZE)}`;
  return [
    `block size ${g.blockSize}, ${g.totalBlocks} blocks (${formatSize(g.totalBlocks * BLOCK_SIZE)})`,
    region('superblocks A, B', 0, 2),
    region('log', g.logStart, g.logBlocks),
    region('checkpoint slot 0', g.checkpointStart[0], g.checkpointBlocks),
    region('checkpoint slot 1', g.checkpointStart[1], g.checkpointBlocks),
    region('data', g.dataStart, g.dataBlocks),
  ].join('\n');
}

export function mkfsCommand(): Command {
  const command = new Command('mkfs')
    .description('create a coherefs image (a sparse file)')
    .argument('<image>', 'the image file to create')
    .requiredOption('-s, --size <size>', 'image size, e.g. 512M, 4G', sizeOption)
    .option('-f, --force', 'overwrite an existing non-empty file')
    .option('--preallocate', 'have the host allocate the whole image now (not sparse), so it cannot fill up under the image')
    .action(async (image: string, options: { size: number; force?: boolean; preallocate?: boolean }) => {
      const directory = dirname(image);
      if (!(await stat(directory).catch(() => null))?.isDirectory()) {
        command.error(`coherefs mkfs: ${directory}: no such directory`, { exitCode: 2, code: 'coherefs.noDirectory' });
      }
      const geometry = await mkfs(image, { size: options.size, force: options.force ?? false, preallocate: options.preallocate ?? false });
      process.stdout.write(`${image}: coherefs image created\n${describeGeometry(geometry)}\n`);
    });
  return command;
}
