/**
 * Guards mmap + O_DIRECT on one file of a real coherefs mount (test/tools/mmap_dio.py): an O_DIRECT
 * write whose source is a MAP_PRIVATE mapping of the same file completes with the right data, and
 * the generic/647 cases (reads and writes through mapped hole and data pages) pass, buffered and
 * direct. MAP_SHARED is refused with ENODEV on the libfuse transport (direct_io mount; see README)
 * and works on the kernel transport, where an O_DIRECT write whose source is a MAP_SHARED map of
 * the same file completes with the right data, to other pages and onto the pages it maps, and the
 * map shows it; and O_DIRECT writes to a page another process keeps dirtying through a shared map
 * complete (the daemon's FUSE_NOTIFY_INVAL_INODE makes the kernel write that page back, a WRITE the
 * daemon must serve meanwhile: sent from the serving thread instead of the notifier thread, this
 * hung until the connection was aborted).
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { projectFile } from '../../src/util/project-file.js';
import { requireFuse } from './harness/require-fuse.js';
import { mountForSuite, suiteTransport } from './harness/coherefs-mount.js';

const run = promisify(execFile);

describe.runIf(requireFuse())('mmap and O_DIRECT on the same file of a coherefs mount', () => {
  const suite = mountForSuite();

  it('completes an O_DIRECT write from a mapping of its own file, data right', async () => {
    const { stdout } = await run('python3', [projectFile('test/tools/mmap_dio.py'), suite.mount.mountpoint], { timeout: 30_000 });
    expect(stdout).toMatch(/^PASS dio-from-own-mapping/m);
    // libfuse 2 cannot negotiate DIRECT_IO_ALLOW_MMAP; the kernel transport does.
    if (suiteTransport() === 'kernel') {
      expect(stdout).toMatch(/map-shared: works/);
      expect(stdout).toMatch(/^PASS dio-from-own-shared-mapping/m);
      expect(stdout).toMatch(/^PASS dio-shared-mapping-onto-itself/m);
      expect(stdout).toMatch(/^PASS dio-while-shared-map-dirtied/m);
    } else {
      expect(stdout).toMatch(/map-shared: refused ENODEV/);
    }
    expect(stdout).toMatch(/^ALL PASS$/m);
  });
});
