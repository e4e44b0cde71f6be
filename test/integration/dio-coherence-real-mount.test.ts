/**
 * Guards coherence on a real mount: O_DIRECT writers of versioned blocks and buffered (and
 * MAP_PRIVATE mmap) readers of the same blocks, in separate processes. With `coherence=locked` no
 * read that began after a direct write returned sees an older version. With `coherence=none` and
 * `coherence=evict` the same workload must show stale reads: proof that the checker can fail. Every
 * mode runs with the fault injection `dio_evict_delay_ms=1` (a direct write sleeps between evicting
 * and writing), so that the window the lock closes is wide enough to be hit in two seconds: without
 * it, a `locked` mount with the lock taken out still passed.
 */
import { describe, expect, it } from 'vitest';
import { runCoherenceWorkload, type WorkloadOptions } from '../../src/demo/api.js';
import { requireFuse } from './harness/require-fuse.js';
import { cleanUpAfterEach, mountCoherefs, scratchImage } from './harness/coherefs-mount.js';

const WORKLOAD: Omit<WorkloadOptions, 'dir'> = { seconds: 2, writers: 1, readers: 2, mmapReaders: 1, blocks: 32 };

describe.runIf(requireFuse())('direct IO coherence on a coherefs mount', () => {
  const used = cleanUpAfterEach();

  async function workloadUnder(coherence: 'locked' | 'evict' | 'none') {
    const scratch = (used.scratch = await scratchImage());
    const mount = (used.mount = await mountCoherefs(scratch.image, `cache_size=64M,coherence=${coherence},dio_evict_delay_ms=1`));
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

  it('evict: flushing and evicting without the lock lets readers re-add old data', async () => {
    const result = await workloadUnder('evict');
    expect(result.writes).toBeGreaterThan(0);
    expect(result.staleReads).toBeGreaterThan(0);
  });
});
