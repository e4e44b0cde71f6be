/**
 * Guards crash safety on a real mount: the daemon is killed with SIGKILL in the middle of a write
 * load (one process appending fsync'd records and reporting each fsync, others writing buffered
 * and O_DIRECT without syncing), and in the middle of an fsx run (every operation the transport
 * serves, fsyncs among them). After the dead mount is cleared and the image remounted, fsck is
 * clean and every record whose fsync returned before the kill is there, byte for byte, as is every
 * byte of the fsx file that its last fsync vouched for and no later operation touched.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { fsck } from '../../src/fs/api.js';
import { killDaemon9 } from '../../src/util/daemon-mount.js';
import { requireFuse } from './harness/require-fuse.js';
import { cleanUpAfterEach, mountCoherefs, scratchImage, waitForExit } from './harness/coherefs-mount.js';
import { checkSyncLog, FSX_ON_KERNEL, spawnFsx } from './harness/fsx.js';

const RECORD = 64 * 1024;
const RECORDS_BEFORE_KILL = 24;
/** fsx's fsyncs (about one in fifty operations) to wait for before the kill. */
const FSX_SYNCS_BEFORE_KILL = 12;

/** Record i: every byte (i * 37 + offset) mod 251, so a misplaced or stale record shows. */
function record(i: number): Buffer {
  const buf = Buffer.alloc(RECORD);
  for (let at = 0; at < RECORD; at++) buf[at] = (i * 37 + at) % 251;
  return buf;
}

/** A node process writing record i at i * RECORD, fsync after each, printing "synced i". */
const SYNCED_WRITER = `
const fs = require('node:fs');
const fd = fs.openSync(process.argv[1], 'w');
for (let i = 0; ; i++) {
  const buf = Buffer.alloc(${RECORD});
  for (let at = 0; at < ${RECORD}; at++) buf[at] = (i * 37 + at) % 251;
  fs.writeSync(fd, buf, 0, buf.length, i * ${RECORD});
  fs.fsyncSync(fd);
  process.stdout.write('synced ' + i + '\\n');
}`;

/** Resolve once `child` printed `count` lines "synced N" on its stdout; reject if it exits first. */
function syncedLines(child: ChildProcess, count: number): Promise<void> {
  let seen = 0;
  return new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      seen += [...chunk.matchAll(/^synced \d+$/gm)].length;
      if (seen >= count) resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited after ${seen} fsyncs (${code})`)));
  });
}

/** Unsynced load: dd loops, buffered and O_DIRECT, until killed. */
function loadScript(file: string, direct: boolean): string {
  return `while :; do dd if=/dev/urandom of='${file}' bs=128k count=64 ${direct ? 'oflag=direct' : ''} status=none || exit 0; done`;
}

describe.runIf(requireFuse())('kill -9 of the daemon under write load', () => {
  const children: ChildProcess[] = [];
  const used = cleanUpAfterEach();
  // Registered after cleanUpAfterEach's hook, so it runs before it (vitest runs afterEach hooks in
  // reverse): the load is gone before the mount is torn down.
  afterEach(async () => {
    for (const child of children) if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
    await Promise.all(children.map((child) => (child.pid !== undefined ? waitForExit(child.pid) : true)));
    children.length = 0;
  });

  it('remounts clean with every fsync-acknowledged record intact', async () => {
    const scratch = (used.scratch = await scratchImage());
    let mount = (used.mount = await mountCoherefs(scratch.image));
    const journal = join(mount.mountpoint, 'journal');

    const writer = spawn(process.execPath, ['-e', SYNCED_WRITER, journal], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(writer);
    for (const direct of [false, true]) {
      children.push(spawn('bash', ['-c', loadScript(join(mount.mountpoint, direct ? 'load-direct' : 'load-buffered'), direct)], { stdio: 'ignore' }));
    }
    let synced = -1;
    await new Promise<void>((resolve, reject) => {
      writer.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        for (const match of chunk.matchAll(/synced (\d+)/g)) synced = Number(match[1]);
        if (synced >= RECORDS_BEFORE_KILL) resolve();
      });
      writer.once('exit', (code) => reject(new Error(`the writer exited early (${code})`)));
    });

    await killDaemon9(mount);
    const acknowledged = synced;
    expect(acknowledged).toBeGreaterThanOrEqual(RECORDS_BEFORE_KILL);
    await mount.teardown();

    const report = await fsck(scratch.image);
    expect(report.problems).toEqual([]);
    expect(report.clean).toBe(true);

    mount = used.mount = await mountCoherefs(scratch.image);
    const file = await open(join(mount.mountpoint, 'journal'), 'r');
    try {
      const got = Buffer.alloc(RECORD);
      for (let i = 0; i <= acknowledged; i++) {
        const { bytesRead } = await file.read(got, 0, RECORD, i * RECORD);
        expect(bytesRead, `record ${i}`).toBe(RECORD);
        expect(got.equals(record(i)), `record ${i}`).toBe(true);
      }
    } finally {
      await file.close();
    }
    await mount.teardown();
    expect((await fsck(scratch.image)).clean).toBe(true);
  });

  it('in the middle of an fsx run, remounts clean with every byte the last fsync vouched for', async () => {
    const scratch = (used.scratch = await scratchImage());
    let mount = (used.mount = await mountCoherefs(scratch.image, 'cache_size=1M'));
    const syncLog = join(scratch.dir, 'sync-log');
    await mkdir(syncLog);
    const keptMap = FSX_ON_KERNEL ? ['--keep-shared-map'] : [];
    const run = spawnFsx(join(mount.mountpoint, 'fsx'), ['--ops', '1000000', '--seed', '3', ...keptMap, '--sync-log', syncLog]);
    children.push(run);
    await syncedLines(run, FSX_SYNCS_BEFORE_KILL);

    await killDaemon9(mount);
    // fsx fails on the dead mount (ENOTCONN, ECONNABORTED, or SIGBUS through its mapping); its log is final then.
    await waitForExit(run.pid!);
    await mount.teardown();
    expect((await fsck(scratch.image)).problems).toEqual([]);

    mount = used.mount = await mountCoherefs(scratch.image);
    const check = await checkSyncLog(join(mount.mountpoint, 'fsx'), syncLog);
    expect(check.stdout).toMatch(/^PASS /m);
    expect(check.code).toBe(0);
  });
});
