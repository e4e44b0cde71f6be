import { describe, expect, it } from 'vitest';
import { appendMountOptions, buildMountOptions, MAX_REQUEST_BYTES } from '../../src/fuse/api.js';
import { buildKernelMountOptions } from '../../src/fuse/mount-options.js';

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

  it('kernel transport: the mounting user owns the connection, permissions always checked by the kernel', () => {
    expect(buildKernelMountOptions({ fsname: '/data/disk.img', kernelFlags: ['nosuid'] }, 1000, 100)).toEqual({
      source: '/data/disk.img',
      options: 'rootmode=40000,user_id=1000,group_id=100,default_permissions,nosuid',
    });
    expect(buildKernelMountOptions({ allowOther: true }, 0, 0).options).toBe('rootmode=40000,user_id=0,group_id=0,default_permissions,allow_other');
    expect(() => buildKernelMountOptions({ fsname: 'a,fd=7' }, 0, 0)).toThrow(/fsname/);
  });
});
