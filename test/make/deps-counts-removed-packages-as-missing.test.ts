/**
 * Guards `make deps`'s package check (scripts/missing-debian-packages.sh): a package removed with its
 * configuration left behind (dpkg state "rc": `dpkg -s` still succeeds for it) is missing and gets
 * installed, as is one dpkg never heard of; only status "install ok installed" counts. Runs the script
 * with stand-in dpkg and dpkg-query first on PATH, answering as Debian's do for each state.
 */
import { execFile } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectFile } from '../../src/util/project-file.js';
import { tempDirPerTest } from '../fs/helpers.js';

const run = promisify(execFile);

/** dpkg-query -W -f '${Status}\n' PKG and dpkg -s PKG, for a package in each state. */
const FAKE_DPKG_QUERY = `#!/bin/sh
eval "pkg=\\$$#"
case $pkg in
  present) echo 'install ok installed' ;;
  removed-config-kept) echo 'deinstall ok config-files' ;;
  *) echo "dpkg-query: no packages found matching $pkg" >&2; exit 1 ;;
esac
`;
const FAKE_DPKG = `#!/bin/sh
case $2 in
  present) echo 'Status: install ok installed' ;;
  removed-config-kept) echo 'Status: deinstall ok config-files' ;;
  *) echo "dpkg-query: package '$2' is not installed" >&2; exit 1 ;;
esac
`;

describe('make deps: which Debian packages are missing', () => {
  const dir = tempDirPerTest('coherefs-deps-');

  it('counts a package in state rc, and an unknown one, as missing', async () => {
    for (const [name, body] of [['dpkg-query', FAKE_DPKG_QUERY], ['dpkg', FAKE_DPKG]] as const) {
      await writeFile(join(dir(), name), body);
      await chmod(join(dir(), name), 0o755);
    }
    const { stdout } = await run('sh', [projectFile('scripts/missing-debian-packages.sh'), 'present', 'removed-config-kept', 'never-installed'], {
      env: { ...process.env, PATH: `${dir()}:${process.env.PATH}` },
    });
    expect(stdout.split('\n').filter(Boolean)).toEqual(['removed-config-kept', 'never-installed']);
  });
});
