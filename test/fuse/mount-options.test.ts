import { describe, expect, it } from 'vitest';
import { appendMountOptions, buildMountOptions, MAX_REQUEST_BYTES } from '../../src/fuse/api.js';

describe('coherefs mount options', () => {
  it('always disable the binding timeout and bypass the kernel page cache', () => {
    const { binding, appended } = buildMountOptions();
    expect(binding.timeout).toBe(false);
    expect(binding.defaultPermissions).toBe(true);
    expect(binding.maxRead).toBe(MAX_REQUEST_BYTES);
    expect(binding.subtype).toBe('coherefs');
    expect(appended).toEqual(['direct_io', 'max_write=131072', 'use_ino', 'attr_timeout=0']);
  });

  it('allow other users only on request', () => {
    expect(buildMountOptions().binding.allowOther).toBe(false);
    expect(buildMountOptions({ allowOther: true }).binding.allowOther).toBe(true);
  });

  it('refuse an fsname that would inject options', () => {
    expect(() => buildMountOptions({ fsname: 'img,allow_other' })).toThrow(/fsname/);
    expect(buildMountOptions({ fsname: '/data/disk.img' }).binding.fsname).toBe('/data/disk.img');
  });

  it('append to the string fuse-native builds', () => {
    expect(appendMountOptions('-odefault_permissions', ['direct_io', 'hard_remove'])).toBe(
      '-odefault_permissions,direct_io,hard_remove',
    );
    expect(appendMountOptions('', ['direct_io'])).toBe('-odirect_io');
    expect(appendMountOptions('-odebug', [])).toBe('-odebug');
    expect(() => appendMountOptions('debug', ['direct_io'])).toThrow(/unexpected/);
  });
});
