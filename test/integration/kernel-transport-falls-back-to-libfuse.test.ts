/**
 * Guards the choice of transport where the kernel one cannot mount: a daemon that is not root may
 * open /dev/fuse (the Docker image hands its node to the daemon's user) and still not mount, since
 * mount(8) refuses it. There `coherefs mount` comes up on libfuse (through the setuid fusermount),
 * says so in one warning naming mount(8)'s refusal, and `stats` names libfuse; `-o transport=kernel`
 * given explicitly fails with that refusal instead, mounting nothing.
 *
 * The scene, as in the container: a private mount namespace (unshare -m) in which /dev/fuse is a node
 * of uid 65534, bind-mounted over the host's (which stays root's, untouched); everything in it runs as
 * 65534 through setpriv, and every mount made there ends with the namespace. It tests the default
 * choice, so COHEREFS_TRANSPORT (the suite's matrix) is unset there: the same test on both passes.
 */
import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsck } from '../../src/fs/api.js';
import { projectFile } from '../../src/util/project-file.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, cleanUpAfterEach, scratchImage, type CliResult } from './harness/coherefs-mount.js';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

/**
 * Runs in the namespace as root: puts a /dev/fuse of NOBODY's in place, then each step as NOBODY,
 * each step's output and status in $out/NAME.{out,err,code}. On any exit a daemon still running is
 * unmounted lazily and killed, so the namespace (and every mount in it) ends with the script.
 */
const SCENE = `
set -u
dir=$1 node=$2 cli=$3
out=$dir/out mnt=$dir/mnt
mount -t tmpfs -o size=64k,mode=0755 tmpfs "$dir/dev"
mknod "$dir/dev/fuse" c 10 229 && chown ${NOBODY}:${NOBODY} "$dir/dev/fuse" && chmod 0600 "$dir/dev/fuse"
mount --bind "$dir/dev/fuse" /dev/fuse
as_nobody() { setpriv --reuid ${NOBODY} --regid ${NOBODY} --clear-groups env -u COHEREFS_TRANSPORT COHEREFS_RUNTIME_DIR="$dir/run/coherefs" "$@"; }
step() { name=$1; shift; as_nobody "$@" >"$out/$name.out" 2>"$out/$name.err"; echo $? >"$out/$name.code"; }
cleanup() {
  pid=$(sed -n 's/.*daemon pid \\([0-9]*\\).*/\\1/p' "$out/mount.out" 2>/dev/null)
  if mountpoint -q "$mnt"; then umount -l "$mnt"; fi
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then sleep 2; kill -KILL "$pid" 2>/dev/null; fi
}
trap cleanup EXIT
step mkfs "$node" "$cli" mkfs "$dir/own.img" --size 64M
step explicit "$node" "$cli" mount "$dir/own.img" "$mnt" -o transport=kernel
if mountpoint -q "$mnt"; then echo mounted; else echo nothing; fi >"$out/explicit.mounted"
step mount "$node" "$cli" mount "$dir/own.img" "$mnt"
step stats "$node" "$cli" stats "$mnt" --json
step use sh -c 'echo served > "$1/f" && cat "$1/f"' sh "$mnt"
step umount "$node" "$cli" umount "$mnt"
`;

function run(command: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve) =>
    execFile(command, args, { timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    ),
  );
}

describe.runIf(requireFuse(isRoot ? undefined : 'the scene needs root (unshare -m, mknod, setpriv)'))('where the kernel transport cannot mount', () => {
  const used = cleanUpAfterEach();

  it('libfuse serves, with a warning naming why; -o transport=kernel fails instead', async () => {
    const scratch = (used.scratch = await scratchImage(64 * MiB));
    const dir = scratch.dir;
    for (const sub of ['mnt', 'dev', 'run', 'out']) await mkdir(join(dir, sub));
    await chmod(join(dir, 'run'), 0o700);
    for (const path of [dir, join(dir, 'mnt'), join(dir, 'run'), join(dir, 'out')]) await chown(path, NOBODY, NOBODY);
    await chmod(dir, 0o755);

    const scene = await run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', SCENE, 'sh', dir, process.execPath, projectFile('dist/src/cli/main.js')]);
    expect(scene.stderr).toBe('');
    const step = async (name: string): Promise<CliResult> => {
      const read = (ext: string): Promise<string> => readFile(join(dir, 'out', `${name}.${ext}`), 'utf8');
      return { code: Number(await read('code')), stdout: await read('out'), stderr: await read('err') };
    };

    expect((await step('mkfs')).code).toBe(0);
    const explicit = await step('explicit');
    expect(explicit.stderr).toMatch(/coherefs: mount -i -t fuse\.coherefs .* failed \(status \d+\): mount: .*must be superuser/);
    expect(explicit.code).toBe(1);
    expect(await readFile(join(dir, 'out', 'explicit.mounted'), 'utf8')).toBe('nothing\n');

    const mount = await step('mount');
    expect(mount.stderr).toBe('');
    expect(mount.code).toBe(0);
    expect(JSON.parse((await step('stats')).stdout)).toMatchObject({ transport: 'libfuse' });
    expect(await step('use')).toMatchObject({ code: 0, stdout: 'served\n' });
    expect(await step('umount')).toMatchObject({ code: 0, stderr: '' });

    const logPath = /log (\S+)\)$/m.exec(mount.stdout)![1]!;
    const log = (await readFile(logPath, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const warnings = log.filter((line) => line.level === 40);
    expect(warnings).toEqual([
      expect.objectContaining({
        msg: 'the kernel transport cannot mount here, so libfuse serves',
        reason: expect.stringMatching(/^mount -i -t fuse\.coherefs .* failed \(status \d+\): mount: .*must be superuser to use mount\.$/),
      }),
    ]);
    expect(log.find((line) => line.msg === 'mounted')).toMatchObject({ transport: 'libfuse' });
    expect((await fsck(join(dir, 'own.img'))).clean).toBe(true);
  });
});
