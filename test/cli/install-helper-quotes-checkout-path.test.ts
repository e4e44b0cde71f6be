/**
 * Guards mount/install-helper.sh (and scripts/install-wrapper.sh, which writes the wrapper) against
 * checkout paths with shell metacharacters: the wrapper must hand mount.fuse.coherefs the checkout
 * and its arguments unchanged, whatever the path holds (a ' ended the quoting). Runs a copy of the
 * scripts in such a path, with a stand-in CLI that prints what it was given; nothing is installed
 * outside the temporary directory and nothing is mounted.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectFile } from '../../src/util/project-file.js';
import { tempDirPerTest } from '../fs/helpers.js';

const run = promisify(execFile);
const AWKWARD = `it's "odd" $HOME \`id\` & more`;
/** Prints what mount.fuse.coherefs ran it with. */
const STAND_IN_CLI = 'console.log(JSON.stringify({ root: process.env.COHEREFS_ROOT, args: process.argv.slice(2) }));\n';

describe('mount/install-helper.sh', () => {
  const dir = tempDirPerTest('coherefs-helper-');

  it(`writes a wrapper that works from a checkout at a path like "${AWKWARD}"`, async () => {
    const checkout = join(dir(), AWKWARD);
    for (const sub of ['mount', 'scripts', 'dist/src/cli']) await mkdir(join(checkout, sub), { recursive: true });
    for (const script of ['mount/install-helper.sh', 'mount/mount.fuse.coherefs', 'scripts/install-wrapper.sh']) {
      await copyFile(projectFile(script), join(checkout, script));
    }
    await writeFile(join(checkout, 'dist/src/cli/main.js'), STAND_IN_CLI);
    const wrapper = join(dir(), 'mount.fuse.coherefs');

    await run('sh', [join(checkout, 'mount/install-helper.sh'), wrapper]);
    const { stdout } = await run(wrapper, ["an 'image'", 'a "dir"', '-o', 'cache_size=16M,nosuid']);
    expect(JSON.parse(stdout)).toEqual({ root: checkout, args: ['mount', "an 'image'", 'a "dir"', '-o', 'cache_size=16M,nosuid'] });
  });
});
