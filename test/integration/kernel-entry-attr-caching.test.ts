/**
 * Guards the kernel transport's entry and attribute caching (names and attributes valid for 1 s,
 * src/fuse/kernel-attrs.ts): every change goes through the kernel, which updates its own view, so
 * inside that second a program sees each change at once, through any name: link counts after link
 * and unlink, chmod, chown and truncate through another hard link; a rename over an existing name
 * (the name shows the new inode, the old one is reachable nowhere, an open descriptor still reads
 * it, its blocks come back after the close); an unlinked open file (readable, its space held until
 * the close, then freed); utimensat with nanoseconds, UTIME_NOW and UTIME_OMIT; renameat2 with
 * RENAME_NOREPLACE and RENAME_EXCHANGE; a write by another uid on an allow_other mount clears suid.
 * Each scenario runs in one python3 process, its checks well inside the 1 s on an idle machine (not
 * asserted: a loaded one may take longer, and the checks hold either way). Needs root.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, mountForSuite } from './harness/coherefs-mount.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const NOBODY = ['--reuid', '65534', '--regid', '65534', '--clear-groups'];

/** Helpers every scenario starts with: `out` collects the checks, printed as JSON by done(). */
const PRELUDE = `
import ctypes, json, os, sys, time
d = sys.argv[1]
p = lambda *names: os.path.join(d, *names)
out = {}
def fresh(name, data):
    with open(p(name), "wb") as f:
        f.write(data)
def freed_since(free_before, nbytes):
    """Whether nbytes of blocks came back since free_before (the release and FORGET are asynchronous)."""
    deadline = time.monotonic() + 10
    while os.statvfs(d).f_bfree - free_before < nbytes // os.statvfs(d).f_frsize and time.monotonic() < deadline:
        time.sleep(0.05)
    return os.statvfs(d).f_bfree - free_before >= nbytes // os.statvfs(d).f_frsize
def done():
    print(json.dumps(out))
`;

/**
 * Run PRELUDE + `body` in `dir` (as root unless `as` is given); the JSON it printed. Another uid
 * runs the system's python3 (a python under /root, as pyenv's, is out of its reach).
 */
async function scenario(dir: string, body: string, as: string[] = []): Promise<Record<string, unknown>> {
  const script = `${PRELUDE}\n${body}\ndone()\n`;
  const command = as.length ? 'setpriv' : 'python3';
  const args = as.length ? [...as, '/usr/bin/python3', '-c', script, dir] : ['-c', script, dir];
  const { stdout } = await run(command, args);
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe.runIf(requireFuse(isRoot ? undefined : 'the kernel transport mounts /dev/fuse itself: root only'))('entry and attribute caching on the kernel transport', () => {
  const suite = mountForSuite(128 * MiB, 'cache_size=32M,transport=kernel,allow_other');
  const at = (...parts: string[]): string => join(suite.mount.mountpoint, ...parts);

  it('link counts, mode, owner and size changed through one hard link show at once through the other', async () => {
    await mkdir(at('links'));
    const result = await scenario(at('links'), `
fresh("a", b"x" * 10000)
os.stat(p("a"))
os.link(p("a"), p("b"))
out["nlinkAfterLink"] = [os.stat(p("a")).st_nlink, os.stat(p("b")).st_nlink]
os.chmod(p("a"), 0o600)
out["modeViaB"] = os.stat(p("b")).st_mode & 0o7777
os.chown(p("a"), 65534, 65534)
out["ownerViaB"] = [os.stat(p("b")).st_uid, os.stat(p("b")).st_gid]
os.truncate(p("a"), 123)
out["sizeViaB"] = os.stat(p("b")).st_size
os.unlink(p("a"))
out["nlinkAfterUnlink"] = os.stat(p("b")).st_nlink
`);
    expect(result).toEqual({
      nlinkAfterLink: [2, 2], modeViaB: 0o600, ownerViaB: [65534, 65534], sizeViaB: 123, nlinkAfterUnlink: 1,
    });
  });

  it('a rename over a name: the name shows the new inode, the old is reachable nowhere but an open fd, then freed', async () => {
    await mkdir(at('over'));
    const result = await scenario(at('over'), `
old = os.urandom(4 << 20)
fresh("target", old)
fresh("incoming", b"new data")
os.sync()
old_ino, new_ino = os.stat(p("target")).st_ino, os.stat(p("incoming")).st_ino
fd = os.open(p("target"), os.O_RDONLY)
free_before = os.statvfs(d).f_bfree
os.rename(p("incoming"), p("target"))
out["nameShowsNew"] = os.stat(p("target")).st_ino == new_ino
out["incomingGone"] = not os.path.exists(p("incoming"))
out["oldReachable"] = any(os.stat(p(n)).st_ino == old_ino for n in os.listdir(d))
out["fdStat"] = [os.fstat(fd).st_ino == old_ino, os.fstat(fd).st_nlink]
out["fdReadsOld"] = os.pread(fd, len(old) + 1, 0) == old
out["heldWhileOpen"] = os.statvfs(d).f_bfree - free_before < 512
out["readViaName"] = open(p("target"), "rb").read().decode()
os.close(fd)
out["freedAfterClose"] = freed_since(free_before, len(old))
`);
    expect(result).toEqual({
      nameShowsNew: true, incomingGone: true, oldReachable: false, fdStat: [true, 0], fdReadsOld: true, heldWhileOpen: true,
      readViaName: 'new data', freedAfterClose: true,
    });
  });

  it('an unlinked open file reads back until the close, holding its space, which df shows freed after', async () => {
    await mkdir(at('unlinked'));
    const result = await scenario(at('unlinked'), `
data = os.urandom(4 << 20)
fresh("doomed", data)
os.sync()
fd = os.open(p("doomed"), os.O_RDONLY)
free_before = os.statvfs(d).f_bfree
os.unlink(p("doomed"))
out["nameGone"] = os.listdir(d) == []
out["nlink"] = os.fstat(fd).st_nlink
out["reads"] = os.pread(fd, len(data), 0) == data
out["heldWhileOpen"] = os.statvfs(d).f_bfree - free_before < 512
os.close(fd)
out["freedAfterClose"] = freed_since(free_before, len(data))
`);
    expect(result).toEqual({ nameGone: true, nlink: 0, reads: true, heldWhileOpen: true, freedAfterClose: true });
  });

  it('utimensat sets nanoseconds, UTIME_NOW takes the clock, UTIME_OMIT leaves a time alone', async () => {
    const result = await scenario(suite.mount.mountpoint, `
UTIME_NOW, UTIME_OMIT = (1 << 30) - 1, (1 << 30) - 2
class Timespec(ctypes.Structure):
    _fields_ = [("sec", ctypes.c_long), ("nsec", ctypes.c_long)]
libc = ctypes.CDLL(None, use_errno=True)
def utimensat(path, atime, mtime):
    if libc.utimensat(-100, path.encode(), (Timespec * 2)(Timespec(*atime), Timespec(*mtime)), 0) != 0:
        raise OSError(ctypes.get_errno(), "utimensat")
def times():
    s = os.stat(p("times"))
    return [s.st_atime_ns, s.st_mtime_ns]
fresh("times", b"t")
utimensat(p("times"), (1000, 123456789), (2000, 987654321))
out["both"] = times()
utimensat(p("times"), (0, UTIME_OMIT), (3000, 5))
out["omitAtime"] = times()
before = time.time_ns()
utimensat(p("times"), (0, UTIME_NOW), (0, UTIME_OMIT))
t = times()
out["nowAtime"] = [before - 1_000_000_000 <= t[0] <= time.time_ns() + 1_000_000_000, t[1]]
utimensat(p("times"), (0, UTIME_OMIT), (0, UTIME_OMIT))
out["omitBoth"] = times() == t
`);
    expect(result).toEqual({
      both: [1000_123456789, 2000_987654321], omitAtime: [1000_123456789, 3000_000000005], nowAtime: [true, 3000_000000005], omitBoth: true,
    });
  });

  it('renameat2: RENAME_NOREPLACE refuses an existing name, RENAME_EXCHANGE swaps two', async () => {
    await mkdir(at('flags'));
    const result = await scenario(at('flags'), `
RENAME_NOREPLACE, RENAME_EXCHANGE = 1, 2
libc = ctypes.CDLL(None, use_errno=True)
def renameat2(old, new, flags):
    if libc.renameat2(-100, old.encode(), -100, new.encode(), flags) != 0:
        return os.strerror(ctypes.get_errno())
    return "ok"
fresh("x", b"first")
fresh("y", b"second")
ix, iy = os.stat(p("x")).st_ino, os.stat(p("y")).st_ino
out["noreplace"] = renameat2(p("x"), p("y"), RENAME_NOREPLACE)
out["noreplaceFree"] = renameat2(p("x"), p("z"), RENAME_NOREPLACE)
out["exchange"] = renameat2(p("z"), p("y"), RENAME_EXCHANGE)
out["swapped"] = [open(p("z"), "rb").read().decode(), open(p("y"), "rb").read().decode()]
out["inodes"] = [os.stat(p("z")).st_ino == iy, os.stat(p("y")).st_ino == ix]
out["exchangeMissing"] = renameat2(p("z"), p("none"), RENAME_EXCHANGE)
out["names"] = sorted(os.listdir(d))
`);
    expect(result).toEqual({
      noreplace: 'File exists', noreplaceFree: 'ok', exchange: 'ok', swapped: ['second', 'first'], inodes: [true, true],
      exchangeMissing: 'No such file or directory', names: ['y', 'z'],
    });
  });

  it('a write by another uid clears suid at once; that uid may not give its file away', async () => {
    await mkdir(at('owned'));
    await chmod(at('owned'), 0o1777);
    await writeFile(at('owned', 'setuid'), 'x');
    await chmod(at('owned', 'setuid'), 0o4777);
    const result = await scenario(at('owned'), `
with open(p("setuid"), "ab") as f:
    f.write(b"y")
out["modeAfterWrite"] = os.stat(p("setuid")).st_mode & 0o7777
fresh("mine", b"m")
out["owner"] = [os.stat(p("mine")).st_uid, os.stat(p("mine")).st_gid]
try:
    os.chown(p("mine"), 0, 0)
    out["giveAway"] = "ok"
except OSError as e:
    out["giveAway"] = os.strerror(e.errno)
`, NOBODY);
    expect(result).toEqual({ modeAfterWrite: 0o777, owner: [65534, 65534], giveAway: 'Operation not permitted' });
  });
});
