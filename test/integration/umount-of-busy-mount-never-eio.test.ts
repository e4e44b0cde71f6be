/**
 * Guards `coherefs umount` of a mount a process still writes to. It used to detach the mount lazily
 * (fuse-native's `fusermount -uz`) and release the image at once: the writer's next write and fsync
 * got EIO. Now a plain umount is refused (EBUSY, exit 1, naming the writer) and the writer goes on;
 * --lazy detaches at once and writes back only after the writer's close; --force aborts the writer's
 * connection but writes back what reached the daemon. Every way ends with a clean image holding the data.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsck } from '../../src/fs/api.js';
import { findMount } from '../../src/util/mountinfo.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, cleanUpAfterEach, coherefs, mountCoherefs, scratchImage, waitForExit } from './harness/coherefs-mount.js';

/** A process holding FILE open for writing: each "write" line appends a block and fsyncs; "close" closes. */
const WRITER = `
const fs = require('node:fs');
const fd = fs.openSync(process.argv[1], 'w');
let written = 0;
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  try {
    if (line === 'close') { fs.closeSync(fd); console.log('ok'); return; }
    written += fs.writeSync(fd, Buffer.alloc(4096, written / 4096 % 251));
    fs.fsyncSync(fd);
    console.log('ok');
  } catch (err) {
    console.log(err.code);
  }
});
console.log('ok');
`;

interface Writer {
  pid: number;
  /** Resolves to "ok", or the error code the write, fsync or close failed with. */
  send(command: 'write' | 'close'): Promise<string>;
  /** The bytes written so far that were acknowledged. */
  expected(): Buffer;
  end(): void;
}

async function startWriter(path: string): Promise<Writer> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['-e', WRITER, path]);
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => String((await lines.next()).value);
  const blocks: Buffer[] = [];
  expect(await next()).toBe('ok');
  return {
    pid: child.pid!,
    async send(command) {
      child.stdin.write(`${command}\n`);
      const answer = await next();
      if (command === 'write' && answer === 'ok') blocks.push(Buffer.alloc(4096, blocks.length % 251));
      return answer;
    },
    expected: () => Buffer.concat(blocks),
    end: () => child.kill('SIGKILL'),
  };
}

async function writes(writer: Writer, count: number): Promise<string[]> {
  const answers: string[] = [];
  for (let i = 0; i < count; i++) answers.push(await writer.send('write'));
  return answers;
}

describe.runIf(requireFuse())('coherefs umount of a mount with a file open for writing', () => {
  const used = cleanUpAfterEach();

  async function mountWithWriter(): Promise<{ mountpoint: string; daemon: number; writer: Writer; image: string }> {
    const scratch = (used.scratch = await scratchImage(64 * MiB));
    const mount = (used.mount = await mountCoherefs(scratch.image));
    const writer = await startWriter(join(mount.mountpoint, 'held'));
    expect(await writes(writer, 4)).toEqual(['ok', 'ok', 'ok', 'ok']);
    return { mountpoint: mount.mountpoint, daemon: mount.pid, writer, image: scratch.image };
  }

  /** After the daemon exited: fsck clean, and a new mount shows exactly what the writer wrote. */
  async function imageHolds(image: string, data: Buffer): Promise<void> {
    const report = await fsck(image);
    expect(report.problems).toEqual([]);
    expect(report.clean).toBe(true);
    await used.mount?.teardown();
    const again = (used.mount = await mountCoherefs(image));
    expect((await readFile(join(again.mountpoint, 'held'))).equals(data)).toBe(true);
  }

  it('is refused with EBUSY naming the writer, whose writes and fsyncs go on; after its close it succeeds', async () => {
    const { mountpoint, daemon, writer, image } = await mountWithWriter();
    try {
      const refused = await coherefs(['umount', mountpoint]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/busy \(EBUSY\)/);
      expect(refused.stderr).toMatch(new RegExp(`pid ${writer.pid} \\(\\S*node -e .*\\): ${mountpoint}/held \\(open for writing\\)`));
      expect(await findMount(mountpoint)).toBeDefined();
      expect(await writes(writer, 4)).toEqual(['ok', 'ok', 'ok', 'ok']);
      expect(await writer.send('close')).toBe('ok');
    } finally {
      writer.end();
    }
    const umount = await coherefs(['umount', mountpoint]);
    expect(umount.stderr).toBe('');
    expect(umount.code).toBe(0);
    expect(await waitForExit(daemon)).toBe(true);
    await imageHolds(image, writer.expected());
  });

  it('--lazy detaches at once; the writer goes on, and the image is written back after its close', async () => {
    const { mountpoint, daemon, writer, image } = await mountWithWriter();
    try {
      const lazy = await coherefs(['umount', '--lazy', mountpoint]);
      expect(lazy.stderr).toBe('');
      expect(lazy.code).toBe(0);
      expect(await findMount(mountpoint)).toBeUndefined();
      expect(await writes(writer, 4)).toEqual(['ok', 'ok', 'ok', 'ok']);
      expect(await waitForExit(daemon, 1500), 'the daemon waits for the last close').toBe(false);
      expect(await writer.send('close')).toBe('ok');
    } finally {
      writer.end();
    }
    expect(await waitForExit(daemon), 'the daemon finishes after the last close').toBe(true);
    await imageHolds(image, writer.expected());
  });

  it('--force aborts the writer (ENOTCONN) but writes back what reached the daemon', async () => {
    const { mountpoint, daemon, writer, image } = await mountWithWriter();
    try {
      const force = await coherefs(['umount', '--force', mountpoint]);
      expect(force.code).toBe(0);
      expect(force.stderr).toMatch(new RegExp(`ENOTCONN from now on:\\npid ${writer.pid} \\(`));
      expect(await findMount(mountpoint)).toBeUndefined();
      expect(await writer.send('write')).toBe('ENOTCONN');
    } finally {
      writer.end();
    }
    expect(await waitForExit(daemon)).toBe(true);
    await imageHolds(image, writer.expected());
  });
});
