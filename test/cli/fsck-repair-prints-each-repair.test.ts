/**
 * Guards `coherefs fsck --repair IMAGE` as a user runs it: on the image issue 12 reported (a link
 * count below the names), plain fsck reports and changes nothing (exit 1); --repair prints each
 * repair on its own line, then the clean report of the repaired image (exit 0); a mounted image, or
 * a repair it refuses, prints why and exits 1.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileDevice, Filesystem, ROOT_INO } from '../../src/fs/api.js';
import { rewriteMetadata } from '../fs/damage.js';
import { MiB, coherefs, scratchImage, sha256File, type Scratch } from '../integration/harness/coherefs-mount.js';

describe('coherefs fsck --repair', () => {
  let scratch: Scratch;
  beforeAll(async () => {
    scratch = await scratchImage(8 * MiB);
    const fs = await Filesystem.mount(scratch.image, { commitIntervalMs: 0 });
    const ino = fs.create(ROOT_INO, 'a', 0o644, 0, 0).ino;
    fs.link(ino, ROOT_INO, 'b');
    await fs.unmount();
    const device = await FileDevice.open(scratch.image);
    await rewriteMetadata(device, (meta) => {
      meta.get(ino)!.nlink = 1;
    });
    await device.close();
  });
  afterAll(async () => {
    await scratch?.remove();
  });

  it('fsck alone reports the damage and writes nothing; --repair prints each repair, then a clean report (exit 0)', async () => {
    const image = scratch.image;
    const before = await sha256File(image);
    const checked = await coherefs(['fsck', image]);
    expect(checked.stdout).toMatch(/problem: inode 2: link count 1, but 2 names/);
    expect(checked.code).toBe(1);
    expect(await sha256File(image)).toBe(before);

    const repaired = await coherefs(['fsck', '--repair', image]);
    expect(repaired.stderr).toBe('');
    expect(repaired.stdout.split('\n')).toEqual([
      `${image}: 2 repair(s)`,
      '  repaired: inode 2: link count 1, but 2 names: set to 2',
      expect.stringMatching(/^ {2}repaired: wrote a fresh checkpoint \(epoch \d+\) and both superblock copies; the log starts empty$/),
      `${image}: clean`,
      '  1 files, 1 directories, 0 symlinks; 0/1854 data blocks used',
      '',
    ]);
    expect(repaired.code).toBe(0);

    const again = await coherefs(['fsck', '--repair', image]);
    expect(again.stdout).toMatch(/: nothing to repair\n.*: clean\n/);
    expect(again.code).toBe(0);
  });

  it('a mounted image is refused (exit 1), naming the process that holds it', async () => {
    const fs = await Filesystem.mount(scratch.image, { commitIntervalMs: 0 });
    try {
      const refused = await coherefs(['fsck', '--repair', scratch.image]);
      expect(refused.stderr).toMatch(new RegExp(`is in use\\b.*\\bprocess ${process.pid}\\b`));
      expect(refused.code).toBe(1);
    } finally {
      await fs.unmount();
    }
  });

  it('a refused repair says why, writes nothing, and exits 1', async () => {
    const text = join(scratch.dir, 'text');
    await writeFile(text, 'not an image\n'.repeat(1000));
    const before = await sha256File(text);
    const refused = await coherefs(['fsck', '--repair', text]);
    expect(refused.stdout).toBe(
      `${text}: NOT REPAIRED, nothing written; 1 problem(s) repair cannot fix\n`
      + '  problem: superblock: not a coherefs image (no coherefs magic in either superblock copy)\n',
    );
    expect(refused.code).toBe(1);
    expect(await sha256File(text)).toBe(before);
  });
});
