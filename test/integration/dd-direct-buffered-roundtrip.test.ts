/**
 * Guards the two data paths of a real coherefs mount against each other: 64 MiB written with dd
 * oflag=direct reads back buffered with the same checksum, and 64 MiB written buffered reads back
 * with iflag=direct (which must first write back the dirty pages).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runDd } from '../../tools/dd.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, mountForSuite, sha256File } from './harness/coherefs-mount.js';

const BYTES = 64 * MiB;

describe.runIf(requireFuse())('dd O_DIRECT and buffered on a coherefs mount', () => {
  const suite = mountForSuite();
  let source: string;
  let sourceSum: string;

  beforeAll(async () => {
    source = join(suite.scratch.dir, 'source');
    await writeFile(source, randomBytes(BYTES));
    sourceSum = await sha256File(source);
  });

  it('reads buffered what dd wrote with oflag=direct', async () => {
    const file = join(suite.mount.mountpoint, 'direct-written');
    expect((await runDd({ input: source, output: file, bs: '1M', oflag: ['direct'] })).bytes).toBe(BYTES);
    const back = join(suite.scratch.dir, 'buffered-back');
    expect((await runDd({ input: file, output: back, bs: '1M' })).bytes).toBe(BYTES);
    expect(await sha256File(back)).toBe(sourceSum);
  });

  it('reads with iflag=direct what dd wrote buffered (dirty pages written back first)', async () => {
    const file = join(suite.mount.mountpoint, 'buffered-written');
    expect((await runDd({ input: source, output: file, bs: '64k' })).bytes).toBe(BYTES);
    const back = join(suite.scratch.dir, 'direct-back');
    expect((await runDd({ input: file, output: back, bs: '1M', iflag: ['direct'] })).bytes).toBe(BYTES);
    expect(await sha256File(back)).toBe(sourceSum);
  });
});
