/**
 * Guards the coherence workload on a FUSE direct_io mount (the ceiling daemon, coherent by
 * construction): O_DIRECT writers, buffered readers and MAP_PRIVATE mmap readers all run through
 * FUSE, and a coherent daemon shows no stale and no torn read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountCeiling } from '../../bench/ceiling-mount.js';
import { runCoherenceWorkload } from '../../src/demo/api.js';
import type { DaemonMount } from '../../src/util/daemon-mount.js';
import { requireFuse } from './harness/require-fuse.js';

describe.runIf(requireFuse())('coherence workload on a FUSE mount', () => {
  let mount: DaemonMount;
  beforeAll(async () => {
    mount = await mountCeiling();
  });
  afterAll(async () => {
    await mount?.teardown();
  });

  it('sees every completed O_DIRECT write', async () => {
    const result = await runCoherenceWorkload({ dir: mount.mountpoint, seconds: 1, writers: 1, readers: 2, mmapReaders: 1, blocks: 64 });
    expect(result.writes).toBeGreaterThan(0);
    expect(result.reads).toBeGreaterThan(0);
    expect(result.tornReads).toBe(0);
    expect(result.staleReads).toBe(0);
  });
});
