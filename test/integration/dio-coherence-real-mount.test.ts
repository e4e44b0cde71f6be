/**
 * Guards coherence on a real mount: O_DIRECT writers of versioned blocks and buffered (and
 * MAP_PRIVATE mmap) readers of the same blocks, in separate processes. With `coherence=locked` no
 * read that began after a direct write returned sees an older version. With `coherence=none` the
 * same workload must show stale reads: proof that the checker can fail.
 */
import { describe, expect, it } from 'vitest';
import { runCoherenceWorkload, type WorkloadOptions } from '../../src/demo/api.js';
import { requireFuse } from './harness/require-fuse.js';
import { cleanUpAfterEach, mountCoherefs, scratchImage } from './harness/coherefs-mount.js';

const WORKLOAD: Omit<WorkloadOptions, 'dir'> = { seconds: 2, writers: 1, readers: 2, mmapReaders: 1, blocks: 32 };

describe.runIf(requireFuse())('direct IO coherence on a coherefs mount', () => {
  const used = cleanUpAfterEach();

  async function workloadUnder(coherence: 'locked' | 'none') {
    const scratch = (used.scratch = await scratchImage());
    const mount = (used.mount = await mountCoherefs(scratch.image, `cache_size=64M,coherence=${coherence}`));
    return runCoherenceWorkload({ dir: mount.mountpoint, ...WORKLOAD });
  }

  it('locked: no buffered read started after a direct write returned sees an older version', async () => {
    const result = await workloadUnder('locked');
    expect(result.writes).toBeGreaterThan(0);
    expect(result.reads).toBeGreaterThan(0);
    expect(result.tornReads).toBe(0);
    expect(result.staleReads).toBe(0);
  });

  it('none: the same workload shows stale buffered reads (the checker can fail)', async () => {
    const result = await workloadUnder('none');
    expect(result.writes).toBeGreaterThan(0);
    expect(result.staleReads).toBeGreaterThan(0);
  });
});
