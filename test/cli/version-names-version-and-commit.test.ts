/**
 * Guards `coherefs --version`: it names package.json's version and the commit the build was made
 * from, which `make build` stamps into dist/version.json (scripts/stamp-version.sh) because the Docker
 * build has no .git to ask at run time. The stamp takes git's commit, or COHEREFS_COMMIT when given,
 * or says "unknown"; a build without a stamp still names its version.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { versionLine } from '../../src/cli/version.js';
import { projectFile, projectRoot } from '../../src/util/project-file.js';
import { tempDirPerTest } from '../fs/helpers.js';
import { coherefs } from '../integration/harness/coherefs-mount.js';

const run = promisify(execFile);
const { version } = JSON.parse(await readFile(projectFile('package.json'), 'utf8')) as { version: string };

/** Runs scripts/stamp-version.sh to `out` and returns what it wrote. */
async function stamp(script: string, out: string, env: NodeJS.ProcessEnv = {}): Promise<{ version: string; commit: string }> {
  await run('sh', [script, out], { env: { ...process.env, ...env } });
  return JSON.parse(await readFile(out, 'utf8')) as { version: string; commit: string };
}

describe('coherefs --version', () => {
  const dir = tempDirPerTest('coherefs-version-');

  it('prints the version and the commit of the build', async () => {
    const built = JSON.parse(await readFile(projectFile('dist/version.json'), 'utf8')) as { commit: string };
    const result = await coherefs(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`coherefs ${version} (commit ${built.commit})\n`);
    expect(built.commit).toMatch(/^([0-9a-f]{12}(-dirty)?|unknown)$/);
  });

  it('stamps git\'s commit, or COHEREFS_COMMIT when given', async () => {
    const script = projectFile('scripts/stamp-version.sh');
    const head = (await run('git', ['-C', projectRoot(), 'rev-parse', '--short=12', 'HEAD'])).stdout.trim();
    const fromGit = await stamp(script, join(dir(), 'a.json'));
    expect(fromGit.version).toBe(version);
    expect(fromGit.commit).toMatch(new RegExp(`^${head}(-dirty)?$`));
    expect((await stamp(script, join(dir(), 'b.json'), { COHEREFS_COMMIT: 'abc123' })).commit).toBe('abc123');
    expect((await stamp(script, join(dir(), 'c.json'), { COHEREFS_COMMIT: 'a"b' })).commit).toBe('unknown');
  });

  it('says the commit is unknown without .git, and without a stamp still names the version', async () => {
    const tree = join(dir(), 'tree');
    await mkdir(join(tree, 'scripts'), { recursive: true });
    await copyFile(projectFile('scripts/stamp-version.sh'), join(tree, 'scripts/stamp-version.sh'));
    await writeFile(join(tree, 'package.json'), JSON.stringify({ name: 'coherefs', version: '9.8.7' }));
    expect(versionLine(tree)).toBe('coherefs 9.8.7 (commit unknown)');
    expect(await stamp(join(tree, 'scripts/stamp-version.sh'), join(tree, 'dist/version.json'))).toEqual({ version: '9.8.7', commit: 'unknown' });
    expect(versionLine(tree)).toBe('coherefs 9.8.7 (commit unknown)');
  });
});
