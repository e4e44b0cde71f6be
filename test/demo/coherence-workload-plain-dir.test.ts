/**
 * Guards the coherence workload end to end on a kernel filesystem (coherent by construction): its
 * processes run, log and are judged, and a correct filesystem shows no stale and no torn read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCoherenceWorkload } from '../../src/demo/api.js';

describe('coherence workload on a plain directory', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coherefs-workload-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('sees every completed O_DIRECT write from buffered and mmap readers', async () => {
    const result = await runCoherenceWorkload({ dir, seconds: 1, writers: 2, readers: 2, mmapReaders: 1, blocks: 32 });
    expect(result.writes).toBeGreaterThan(0);
    expect(result.reads).toBeGreaterThan(0);
    expect(result.tornReads).toBe(0);
    expect(result.staleReads).toBe(0);
  });

  it('refuses a block size O_DIRECT cannot use', async () => {
    await expect(runCoherenceWorkload({ dir, seconds: 1, writers: 1, readers: 1, blocks: 4, blockSize: 1000 })).rejects.toThrow(/multiple of 512/);
  });
});
