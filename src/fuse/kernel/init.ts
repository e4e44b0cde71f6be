/**
 * INIT negotiation. coherefs speaks protocol 7.39 (the first minor with DIRECT_IO_ALLOW_MMAP; no
 * struct it uses changed up to 7.45, what kernel 6.18 offers) and asks for the features below; the
 * reply grants only what the kernel offered. Kernels below 7.36 (no INIT_EXT, so no flags2) are
 * refused: the mount would come up without shared mmaps.
 */
import { InitFlag, InitFlag2 } from './flags.js';
import type { InitIn, InitOut } from './structs.js';

export type { InitIn, InitOut } from './structs.js';

export const FUSE_KERNEL_VERSION = 7;
export const FUSE_KERNEL_MINOR_VERSION = 39;
export const MIN_KERNEL_MINOR_VERSION = 36;

/** The largest READ or WRITE the kernel sends: 256 pages (MAX_PAGES; fs.fuse.max_pages_limit's default). */
export const MAX_WRITE = 1024 * 1024;
const PAGE_SIZE = 4096;
/** A read buffer must hold the largest WRITE with its headers (the kernel wants max_write + 80). */
export const READ_BUFFER_BYTES = MAX_WRITE + PAGE_SIZE;

/** coherefs stores times in nanoseconds. */
const TIME_GRANULARITY_NS = 1;

const WANTED_FLAGS =
  InitFlag.ASYNC_READ | InitFlag.BIG_WRITES | InitFlag.ASYNC_DIO | InitFlag.PARALLEL_DIROPS | InitFlag.MAX_PAGES |
  InitFlag.HANDLE_KILLPRIV_V2 | InitFlag.DO_READDIRPLUS | InitFlag.INIT_EXT;
const WANTED_FLAGS2 = InitFlag2.DIRECT_IO_ALLOW_MMAP;

export class InitRefused extends Error {}

/** The INIT reply for what the kernel offered; InitRefused for a protocol coherefs cannot speak. */
export function negotiateInit(offered: InitIn): InitOut {
  if (offered.major !== FUSE_KERNEL_VERSION || offered.minor < MIN_KERNEL_MINOR_VERSION) {
    throw new InitRefused(
      `the kernel speaks FUSE ${offered.major}.${offered.minor}; the kernel transport needs ${FUSE_KERNEL_VERSION}.${MIN_KERNEL_MINOR_VERSION} or later (use -o transport=libfuse)`,
    );
  }
  const flags = (offered.flags & WANTED_FLAGS) >>> 0;
  return {
    major: FUSE_KERNEL_VERSION,
    minor: Math.min(offered.minor, FUSE_KERNEL_MINOR_VERSION),
    maxReadahead: offered.maxReadahead,
    flags,
    maxBackground: 64,
    congestionThreshold: 48,
    maxWrite: MAX_WRITE,
    timeGran: TIME_GRANULARITY_NS,
    maxPages: MAX_WRITE / PAGE_SIZE,
    mapAlignment: 0,
    flags2: flags & InitFlag.INIT_EXT ? (offered.flags2 & WANTED_FLAGS2) >>> 0 : 0,
  };
}
