/** INIT: coherefs grants only what the kernel offered, pins 7.39, and refuses kernels without INIT_EXT. */
import { describe, expect, it } from 'vitest';
import { InitFlag, InitFlag2 } from '../../../src/fuse/kernel/flags.js';
import { InitRefused, MAX_WRITE, READ_BUFFER_BYTES, negotiateInit } from '../../../src/fuse/kernel/init.js';

/** What kernel 6.18 offered on this machine (research/fuse-kernel-protocol.md §2). */
const KERNEL_6_18 = { major: 7, minor: 45, maxReadahead: 131072, flags: 0x73fffffb, flags2: 0x5fd };

describe('INIT negotiation', () => {
  it('asks kernel 6.18 for 1 MiB requests, shared mmaps on direct-IO files and the kill-priv protocol', () => {
    const out = negotiateInit(KERNEL_6_18);
    expect(out.major).toBe(7);
    expect(out.minor).toBe(39);
    for (const flag of ['ASYNC_READ', 'BIG_WRITES', 'ASYNC_DIO', 'PARALLEL_DIROPS', 'MAX_PAGES', 'HANDLE_KILLPRIV_V2', 'DO_READDIRPLUS', 'INIT_EXT'] as const) {
      expect(out.flags & InitFlag[flag], flag).not.toBe(0);
    }
    // Not asked for: the kernel's page cache must not hold file data (WRITEBACK_CACHE), nor umask be skipped.
    expect(out.flags & (InitFlag.WRITEBACK_CACHE | InitFlag.DONT_MASK)).toBe(0);
    expect(out.flags2).toBe(InitFlag2.DIRECT_IO_ALLOW_MMAP);
    expect(out.maxWrite).toBe(MAX_WRITE);
    expect(out.maxPages * 4096).toBe(MAX_WRITE);
    expect(READ_BUFFER_BYTES).toBeGreaterThanOrEqual(MAX_WRITE + 80);
    expect(out.timeGran).toBe(1);
  });

  it('grants nothing the kernel did not offer, and no flags2 without INIT_EXT', () => {
    const out = negotiateInit({ ...KERNEL_6_18, minor: 38, flags: InitFlag.ASYNC_READ | InitFlag.MAX_PAGES, flags2: 0x5fd });
    expect(out.minor).toBe(38);
    expect(out.flags).toBe(InitFlag.ASYNC_READ | InitFlag.MAX_PAGES);
    expect(out.flags2).toBe(0);
  });

  it('refuses a kernel older than 7.36 or of another major version', () => {
    expect(() => negotiateInit({ ...KERNEL_6_18, minor: 35 })).toThrow(InitRefused);
    expect(() => negotiateInit({ ...KERNEL_6_18, major: 8 })).toThrow(/transport=libfuse/);
  });
});
