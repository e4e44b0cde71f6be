/**
 * Guards the two data paths of a real coherefs mount against each other: 64 MiB written with dd
 * oflag=direct reads back buffered with the same checksum, and 64 MiB written buffered reads back
 * with iflag=direct (which must first write back the dirty pages).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DaemonMount } from '../../src/util/daemon-mount.js';
import { runDd } from '../../src/util/dd.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, mountCoherefs, scratchImage, sha256File, type Scratch } from './harness/coherefs-mount.js';

const BYTES = 64 * MiB;

describe.runIf(requireFuse())('dd O_DIRECT and buffered on a coherefs mount', () => {
  let scratch: Scratch;
  let mount: DaemonMount;
  let source: string;
  let sourceSum: string;

  beforeAll(async () => {
    scratch = await scratchImage();
    source = join(scratch.dir, 'source');
    await writeFile(source, randomBytes(BYTES));
    sourceSum = await sha256File(source);
    mount = await mountCoherefs(scratch.image);
  });

  afterAll(async () => {
    await mount?.teardown();
    await scratch?.remove();
  });

  it('reads buffered what dd wrote with oflag=direct', async () => {
    const file = join(mount.mountpoint, 'direct-written');
    expect((await runDd({ input: source, output: file, bs: '1M', oflag: ['direct'] })).bytes).toBe(BYTES);
    const back = join(scratch.dir, 'buffered-back');
    expect((await runDd({ input: file, output: back, bs: '1M' })).bytes).toBe(BYTES);
    expect(await sha256File(back)).toBe(sourceSum);
  });

  it('reads with iflag=direct what dd wrote buffered (dirty pages written back first)', async () => {
    const file = join(mount.mountpoint, 'buffered-written');
    expect((await runDd({ input: source, output: file, bs: '64k' })).bytes).toBe(BYTES);
    const back = join(scratch.dir, 'direct-back');
    expect((await runDd({ input: file, output: back, bs: '1M', iflag: ['direct'] })).bytes).toBe(BYTES);
    expect(await sha256File(back)).toBe(sourceSum);
  });
});
