import { describe, expect, it } from 'vitest';
import { formatSize, parseSize } from '../src/util/size.js';
import { FsError, errnoOf } from '../src/util/errno.js';

describe('byte sizes', () => {
  it('parses the units people write', () => {
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize('512K')).toBe(512 * 1024);
    expect(parseSize('256M')).toBe(256 * 2 ** 20);
    expect(parseSize('4g')).toBe(4 * 2 ** 30);
    expect(parseSize('1GiB')).toBe(2 ** 30);
  });

  it('refuses what is not a size', () => {
    for (const bad of ['', '-1', '1.5G', 'lots', '12Q']) expect(() => parseSize(bad)).toThrow(/not a size/);
  });

  it('formats back', () => {
    expect(formatSize(2 ** 30)).toBe('1G');
    expect(formatSize(1536 * 1024)).toBe('1.5M');
    expect(formatSize(100)).toBe('100B');
  });
});

describe('errno errors', () => {
  it('carry the kernel number', () => {
    expect(new FsError('EINVAL').errno).toBe(22);
    expect(errnoOf(new FsError('ENOSPC'))).toBe(28);
    expect(errnoOf(new Error('bug'))).toBe(5);
  });
});
