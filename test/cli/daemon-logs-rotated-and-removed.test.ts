/**
 * Guards the clean-up of the background daemons' logs in the runtime directory (real files in a
 * mktemp directory): each log is named by image and mountpoint, a mount keeps three earlier logs, and
 * the logs of all but the mounts used last are removed, never those of a mount still there nor any
 * file that is not a log.
 */
import { readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mountKey } from '../../src/cli/daemon/control-socket.js';
import { daemonLogPath, removeUnusedLogs, rotateLog } from '../../src/cli/daemon/daemon-log.js';
import { tempDirPerTest } from '../fs/helpers.js';

const HOUR_S = 3600;

/** A file written `hoursAgo` hours ago. */
async function writeAged(path: string, hoursAgo: number, content = ''): Promise<void> {
  await writeFile(path, content);
  const when = Date.now() / 1000 - hoursAgo * HOUR_S;
  await utimes(path, when, when);
}

describe('daemon logs in the runtime directory', () => {
  const dir = tempDirPerTest('coherefs-logs-');

  it('are named by the image, the mountpoint and the mountpoint key', () => {
    const path = daemonLogPath('/run/c', '/srv/my disk.img', '/mnt/data');
    expect(path).toBe(`/run/c/my_disk.img-data-${mountKey('/mnt/data').slice(0, 8)}.log`);
    expect(daemonLogPath('/run/c', '/srv/other.img', '/mnt/data')).not.toBe(path);
    expect(daemonLogPath('/run/c', '/srv/my disk.img', '/mnt2/data')).not.toBe(path);
  });

  it('keep the three logs before the current one, newest as .1', async () => {
    const log = join(dir(), 'disk.img-mnt-01234567.log');
    for (let mount = 1; mount <= 5; mount++) {
      await rotateLog(log);
      await writeFile(log, `mount ${mount}`);
    }
    expect((await readdir(dir())).sort()).toEqual(['.log', '.log.1', '.log.2', '.log.3'].map((end) => `disk.img-mnt-01234567${end}`));
    expect(await readFile(log, 'utf8')).toBe('mount 5');
    expect(await readFile(`${log}.1`, 'utf8')).toBe('mount 4');
    expect(await readFile(`${log}.3`, 'utf8')).toBe('mount 2');
  });

  it('are removed for all but the mounts written to last, unless still mounted; other files stay', async () => {
    // Mount i was last written i hours ago; its earlier log a day before that.
    const stem = (i: number): string => `disk${i}.img-mnt${i}-${(0x10000000 + i).toString(16)}`;
    for (let i = 0; i < 6; i++) {
      await writeAged(join(dir(), `${stem(i)}.log`), i);
      await writeAged(join(dir(), `${stem(i)}.log.1`), i + 24);
    }
    const legacy = `${mountKey('/mnt/gone')}.log`;
    await writeAged(join(dir(), legacy), 100);
    await writeAged(join(dir(), `${mountKey('/mnt/gone')}.sock`), 100);
    await writeAged(join(dir(), 'notes.txt'), 200);
    const stillMounted = (0x10000000 + 5).toString(16);

    const removed = await removeUnusedLogs(dir(), new Set([stillMounted]), 3);

    expect(removed.sort()).toEqual([`${stem(3)}.log`, `${stem(3)}.log.1`, `${stem(4)}.log`, `${stem(4)}.log.1`, legacy].sort());
    const left = await readdir(dir());
    for (const i of [0, 1, 2, 5]) expect(left).toContain(`${stem(i)}.log.1`);
    expect(left).toContain(`${mountKey('/mnt/gone')}.sock`);
    expect(left).toContain('notes.txt');
  });

  it('of a mount still there are kept by the key of the older names too', async () => {
    await writeAged(join(dir(), 'new.img-mnt-aaaaaaaa.log'), 0);
    await writeAged(join(dir(), `${mountKey('/mnt/live')}.log`), 50);
    await writeAged(join(dir(), `${mountKey('/mnt/dead')}.log`), 60);
    const removed = await removeUnusedLogs(dir(), new Set([mountKey('/mnt/live').slice(0, 8)]), 1);
    expect(removed).toEqual([`${mountKey('/mnt/dead')}.log`]);
  });
});
