/**
 * Guards the kernel's page cache against direct writes (kernel transport, real mount): readers
 * that keep ONE MAP_SHARED map of the file open (its pages stay in the kernel's cache) while an
 * O_DIRECT writer writes new versions of the same blocks. With `coherence=locked` no read that
 * began after a direct write returned sees an older version: before replying to each WRITE the
 * daemon drops the kernel's pages of the range (FUSE_NOTIFY_INVAL_INODE, kernel-page-cache.ts).
 * The writer submits with native AIO: the kernel invalidates its own pages once before sending an
 * asynchronous direct write and never after it completes (it does after a synchronous one since
 * "fuse: Invalidate the page cache after FOPEN_DIRECT_IO write"), so a fault in between keeps old
 * data; without the notification `locked` shows stale reads here. `evict` and `none` must show
 * stale reads (the checker can fail): their own caches are not coherent. Every mode runs with
 * dio_evict_delay_ms=1 as dio-coherence-real-mount.test.ts does. Needs root and python3.
 */
import { describe, expect, it } from 'vitest';
import { runCoherenceWorkload, type WorkloadOptions } from '../../src/demo/api.js';
import { requireFuse } from './harness/require-fuse.js';
import { cleanUpAfterEach, mountCoherefs, scratchImage } from './harness/coherefs-mount.js';

const isRoot = process.getuid?.() === 0;
const WORKLOAD: Omit<WorkloadOptions, 'dir'> = { seconds: 3, writers: 1, readers: 0, mmapReaders: 2, sharedMaps: true, aioWriters: true, blocks: 16 };

describe.runIf(requireFuse(isRoot ? undefined : 'the kernel transport mounts /dev/fuse itself: root only'))(
  'MAP_SHARED readers that keep their map open, against O_DIRECT writes (kernel transport)',
  () => {
    const used = cleanUpAfterEach();

    async function workloadUnder(coherence: 'locked' | 'evict' | 'none') {
      const scratch = (used.scratch = await scratchImage());
      const options = `cache_size=64M,transport=kernel,coherence=${coherence},dio_evict_delay_ms=1`;
      const mount = (used.mount = await mountCoherefs(scratch.image, options));
      return runCoherenceWorkload({ dir: mount.mountpoint, ...WORKLOAD });
    }

    it('locked: no read started after a direct write returned sees an older version', async () => {
      const result = await workloadUnder('locked');
      expect(result.writes).toBeGreaterThan(0);
      expect(result.reads).toBeGreaterThan(0);
      expect(result.tornReads).toBe(0);
      expect(result.staleReads).toBe(0);
    });

    it('evict: a fault between eviction and store write re-adds old data (stale reads)', async () => {
      const result = await workloadUnder('evict');
      expect(result.writes).toBeGreaterThan(0);
      expect(result.staleReads).toBeGreaterThan(0);
    });

    it('none: the caches are ignored (stale reads)', async () => {
      const result = await workloadUnder('none');
      expect(result.writes).toBeGreaterThan(0);
      expect(result.staleReads).toBeGreaterThan(0);
    });
  },
);
