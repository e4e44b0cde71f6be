/**
 * Guards the deliberate lack of extended attributes on the kernel transport, as tools see it:
 * listxattr lists none (getfattr -d prints nothing, exit 0); getxattr, setxattr and removexattr fail
 * with EOPNOTSUPP ("Operation not supported"), the first time and every later time; `cp -a` of a
 * file with xattrs into the mount copies the data and drops them silently, `cp --preserve=xattr`
 * says so and fails; `tar --xattrs` extracts the data with a warning. Needs root and python3.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { constants } from 'node:os';
import { promisify } from 'node:util';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, mountForSuite, runTool } from './harness/coherefs-mount.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const { errno } = constants;

/** Each xattr call on argv[1], twice (the second is answered by the kernel alone): its result or errno. */
const XATTR_CALLS = `
import os, sys
path = sys.argv[1]
calls = [("list", lambda: os.listxattr(path)), ("get", lambda: os.getxattr(path, "user.a")),
         ("set", lambda: os.setxattr(path, "user.a", b"1")), ("remove", lambda: os.removexattr(path, "user.a"))]
for _ in range(2):
    for name, call in calls:
        try:
            print(name, call())
        except OSError as e:
            print(name, e.errno, os.strerror(e.errno))
`;

describe.runIf(requireFuse(isRoot ? undefined : 'the kernel transport mounts /dev/fuse itself: root only'))('xattrs on a kernel-transport mount', () => {
  const suite = mountForSuite(128 * MiB, 'cache_size=32M,transport=kernel');
  const at = (...parts: string[]): string => join(suite.mount.mountpoint, ...parts);

  it('lists none, and get, set and remove fail with EOPNOTSUPP every time', async () => {
    await writeFile(at('f'), 'x');
    const { stdout } = await run('python3', ['-c', XATTR_CALLS, at('f')]);
    const refused = `${errno.EOPNOTSUPP} Operation not supported`;
    const once = ['list []', `get ${refused}`, `set ${refused}`, `remove ${refused}`];
    expect(stdout.trim().split('\n')).toEqual([...once, ...once]);
  });

  it('cp -a drops xattrs silently, cp --preserve=xattr fails, tar --xattrs warns: the data arrives', async () => {
    const outside = join(suite.scratch.dir, 'with-xattr');
    await writeFile(outside, 'payload');
    await run('python3', ['-c', 'import os, sys; os.setxattr(sys.argv[1], "user.k", b"v")', outside]);
    expect((await runTool('cp', ['-a', outside, at('cp-a')])).code).toBe(0);
    expect(await readFile(at('cp-a'), 'utf8')).toBe('payload');
    const strict = await runTool('cp', ['--preserve=xattr', outside, at('cp-x')]);
    expect([strict.code, strict.stderr]).toEqual([1, expect.stringMatching(/Operation not supported/)]);
    await run('tar', ['--xattrs', '-cf', join(suite.scratch.dir, 'x.tar'), '-C', suite.scratch.dir, 'with-xattr']);
    const untar = await runTool('tar', ['--xattrs', '-xf', join(suite.scratch.dir, 'x.tar'), '-C', suite.mount.mountpoint]);
    expect([untar.code, untar.stderr]).toEqual([0, expect.stringMatching(/Operation not supported/)]);
    expect(await readFile(at('with-xattr'), 'utf8')).toBe('payload');
  });
});
