/** Guards how the harness reads mountinfo, dd's summary and builds fio's command line. */
import { describe, expect, it } from 'vitest';
import { parseDdSummary } from '../../tools/dd.js';
import { fioArgs } from '../../tools/fio.js';
import { parseMountinfo } from '../../src/util/mountinfo.js';

describe('tool output parsing', () => {
  it('reads FUSE mounts from mountinfo, unescaping spaces', () => {
    const text =
      '26 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n' +
      '41 26 0:38 / /tmp/a\\040b rw,nosuid,nodev,relatime - fuse.coherefs coherefs rw,user_id=0,group_id=0\n';
    expect(parseMountinfo(text)).toEqual([
      { id: 26, device: '254:0', mountpoint: '/', fstype: 'ext4', source: '/dev/vda' },
      { id: 41, device: '0:38', mountpoint: '/tmp/a b', fstype: 'fuse.coherefs', source: 'coherefs' },
    ]);
  });

  it("reads dd's summary line and refuses output without one", () => {
    const stderr = '4+0 records in\n4+0 records out\n4194304 bytes (4.2 MB, 4.0 MiB) copied, 0.5 s, 8.4 MB/s\n';
    expect(parseDdSummary(stderr)).toEqual({ bytes: 4194304, seconds: 0.5, bytesPerSecond: 8388608 });
    expect(() => parseDdSummary('dd: failed to open')).toThrow(/no summary/);
  });

  it('builds fio arguments with JSON output, verify and one target', () => {
    const args = fioArgs({ name: 'v', directory: '/m', rw: 'randwrite', bs: '4k', size: '4M', direct: true, verify: 'crc32c' }, '/tmp/r.json');
    expect(args).toEqual(expect.arrayContaining(['--direct=1', '--output-format=json', '--output=/tmp/r.json', '--directory=/m', '--verify=crc32c', '--verify_fatal=1']));
    expect(() => fioArgs({ name: 'x', rw: 'read', bs: '4k', size: '1M' }, '/tmp/r.json')).toThrow(/exactly one/);
  });
});
