/** Guards the `-o` parsing of coherefs mount, including the generic options mount(8) and fstab add. */
import { totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MOUNT_CONFIG, MountOptionError, parseMountOptions } from '../../src/cli/daemon/mount-config.js';
import { buildMountOptions } from '../../src/fuse/api.js';

describe('coherefs mount -o', () => {
  it('parses the coherefs options', () => {
    expect(parseMountOptions('cache_size=64M,coherence=evict,dio_align=4096,dio_evict_delay_ms=2,allow_other')).toEqual({
      cacheSize: 64 * 2 ** 20, coherence: 'evict', dioAlign: 4096, allowOther: true, dioEvictDelayMs: 2, kernelFlags: [],
    });
    expect(parseMountOptions(undefined)).toEqual(DEFAULT_MOUNT_CONFIG);
  });

  it('chooses the transport: none unless asked (the kernel one where it mounts), -o before COHEREFS_TRANSPORT', () => {
    expect(DEFAULT_MOUNT_CONFIG.transport).toBeUndefined();
    expect(parseMountOptions(undefined, {}).transport).toBeUndefined();
    expect(parseMountOptions(undefined, { COHEREFS_TRANSPORT: 'libfuse' }).transport).toBe('libfuse');
    expect(parseMountOptions(undefined, { COHEREFS_TRANSPORT: '' }).transport).toBeUndefined();
    expect(parseMountOptions('transport=kernel', { COHEREFS_TRANSPORT: 'libfuse' }).transport).toBe('kernel');
    expect(() => parseMountOptions(undefined, { COHEREFS_TRANSPORT: 'fuse3' })).toThrow(/COHEREFS_TRANSPORT must be one of libfuse, kernel, not 'fuse3'/);
    expect(parseMountOptions('transport=kernel').transport).toBe('kernel');
    expect(parseMountOptions('transport=libfuse').transport).toBe('libfuse');
    expect(() => parseMountOptions('transport=fuse3')).toThrow(/transport must be one of libfuse, kernel, not 'fuse3'/);
    expect(() => parseMountOptions('transport')).toThrow(/needs one value/);
  });

  it('refuses unknown options and bad values', () => {
    expect(() => parseMountOptions('bogus=1')).toThrow(/unknown mount option 'bogus=1'/);
    expect(() => parseMountOptions('coherence=sometimes')).toThrow(/coherence must be one of/);
    expect(() => parseMountOptions('dio_align=1000')).toThrow(/power of two/);
    expect(() => parseMountOptions('cache_size=1k')).toThrow(/at least 1M/);
    expect(() => parseMountOptions('ro')).toThrow(/read-only/);
  });

  it('refuses a cache_size larger than the machine\'s memory', () => {
    const gib = Math.ceil(totalmem() / 2 ** 30);
    expect(() => parseMountOptions(`cache_size=${gib + 1}G`)).toThrow(/cache_size must be at most this machine's memory/);
    expect(() => parseMountOptions('cache_size=8000T')).toThrow(MountOptionError);
    expect(parseMountOptions(`cache_size=${Math.floor(totalmem() / 2 ** 20)}M`).cacheSize).toBeLessThanOrEqual(totalmem());
  });

  it('passes the kernel per-mount flags of mount(8) on and drops userspace-only ones', () => {
    const config = parseMountOptions('rw,nosuid,nodev,noexec,noatime,_netdev,nofail,defaults,x-systemd.automount,comment=x');
    expect(config.kernelFlags).toEqual(['nosuid', 'nodev', 'noexec', 'noatime']);
    expect(buildMountOptions({ kernelFlags: config.kernelFlags }).appended).toEqual(
      ['direct_io', 'max_write=131072', 'use_ino', 'attr_timeout=0', 'nosuid', 'nodev', 'noexec', 'noatime'],
    );
    expect(() => buildMountOptions({ kernelFlags: ['nosuid,allow_other'] })).toThrow(/not a mount flag/);
  });
});
