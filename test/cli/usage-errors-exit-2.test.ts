/**
 * Guards the CLI's exit codes: every subcommand, given a missing argument, an unknown option or a bad
 * option value, exits 2 with commander's message naming the problem; an operational failure (no daemon
 * at a directory) exits 1. Runs the built CLI as a user runs it; nothing is mounted.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirPerTest } from '../fs/helpers.js';
import { coherefs } from '../integration/harness/coherefs-mount.js';

const USAGE_ERRORS: Array<[args: string[], message: RegExp]> = [
  [['mount'], /missing required argument 'image'/],
  [['mount', 'disk.img'], /missing required argument 'mountpoint'/],
  [['mount', '--bogus', 'disk.img', 'dir'], /unknown option '--bogus'/],
  [['mount', 'disk.img', 'dir', '--timeout', 'soon'], /--timeout must be a number of seconds/],
  [['umount'], /missing required argument 'mountpoint'/],
  [['umount', '--bogus', 'dir'], /unknown option '--bogus'/],
  [['stats'], /missing required argument 'mountpoint'/],
  [['stats', '--bogus', 'dir'], /unknown option '--bogus'/],
  [['stats', 'dir', '--timeout', '0'], /--timeout must be a number of seconds/],
  [['mkfs', 'disk.img'], /required option '-s, --size <size>' not specified/],
  [['mkfs', 'disk.img', '--size', 'huge'], /not a size: 'huge'/],
  [['fsck'], /missing required argument 'image'/],
  [['demo', 'race', '--seconds', '0'], /--seconds must be a number/],
  [['demo', 'race', '--transport', 'fuse3'], /--transport must be one of libfuse, kernel/],
  [['frobnicate'], /unknown command 'frobnicate'/],
];

describe('coherefs usage errors', () => {
  const dir = tempDirPerTest('coherefs-usage-');

  for (const [args, message] of USAGE_ERRORS) {
    it(`coherefs ${args.join(' ')}: exit 2`, async () => {
      const result = await coherefs(args.map((arg) => (arg === 'dir' || arg === 'disk.img' ? join(dir(), arg) : arg)));
      expect(result.stderr).toMatch(message);
      expect(result.code).toBe(2);
    });
  }

  it('an operational failure exits 1: stats and umount where no daemon serves', async () => {
    for (const command of ['stats', 'umount']) {
      const result = await coherefs([command, dir()]);
      expect(result.stderr).toMatch(command === 'stats' ? /no coherefs daemon serves/ : /is not mounted/);
      expect(result.code).toBe(1);
    }
  });
});
