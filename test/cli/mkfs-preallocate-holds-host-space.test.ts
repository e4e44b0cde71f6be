/**
 * Guards `coherefs mkfs --preallocate`: the host allocates the whole image at mkfs (no sparse
 * holes left to fill later), and a host without the room refuses at once with ENOSPC, leaving no
 * image behind. Needs root for the small tmpfs that plays the full host.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsck } from '../../src/fs/api.js';
import { fuseMissing, requireFuse } from '../integration/harness/require-fuse.js';
import { MiB, coherefs } from '../integration/harness/coherefs-mount.js';
import { smallHost, type SmallHost } from '../integration/harness/small-host.js';

describe.runIf(requireFuse(process.getuid?.() === 0 ? fuseMissing() : 'mounting a tmpfs needs root'))('mkfs --preallocate', () => {
  let host: SmallHost | undefined;
  afterEach(async () => {
    await host?.remove();
    host = undefined;
  });

  it('holds the whole image on the host, or refuses at once when the host has no room', async () => {
    host = await smallHost('48M');
    const fits = join(host.path, 'fits.img');
    expect((await coherefs(['mkfs', fits, '--size', '32M', '--preallocate'])).code).toBe(0);
    expect((await stat(fits)).blocks * 512).toBe(32 * MiB);
    expect((await fsck(fits)).clean).toBe(true);

    const tooBig = join(host.path, 'too-big.img');
    const refused = await coherefs(['mkfs', tooBig, '--size', '32M', '--preallocate']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/ENOSPC: cannot preallocate/);
    await expect(access(tooBig)).rejects.toThrow(/ENOENT/);
  });
});
