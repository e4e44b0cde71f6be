/**
 * The `-o` options of `coherefs mount` (and of `mount -t fuse.coherefs`): key=value pairs, comma
 * separated. Unknown keys and bad values are refused before anything is mounted.
 * mount(8) and fstab add generic options of their own: the per-mount flags the kernel keeps
 * (nosuid, nodev, noexec, noatime, ...) are passed on to the FUSE mount; those meant for mount(8),
 * systemd or fstab alone (defaults, auto, _netdev, nofail, x-*, ...) are accepted and dropped.
 */
import { totalmem } from 'node:os';
import type { CoherenceMode } from '../../mm/api.js';
import { TRANSPORTS, type Transport } from '../../fuse/api.js';
import { parseSize } from '../../util/size.js';
import { UsageError } from '../usage-error.js';

export interface MountConfig {
  cacheSize: number;
  coherence: CoherenceMode;
  dioAlign: number;
  allowOther: boolean;
  /**
   * Fault injection, off (0) by default: a direct write sleeps this many milliseconds between
   * evicting its range and writing the store ('dio-write:after-evict'), widening the window in
   * which `evict` mode lets a buffered read re-add old data. The demo sets it for every mode alike.
   */
  dioEvictDelayMs: number;
  /** Generic per-mount flags handed to the kernel with the FUSE mount (e.g. nosuid, noatime). */
  kernelFlags: string[];
  /** kernel (coherefs speaks /dev/fuse itself; root only) or libfuse (fuse-native); unset: kernel, else libfuse. */
  transport?: Transport;
}

export const DEFAULT_MOUNT_CONFIG: MountConfig = {
  cacheSize: 256 * 2 ** 20,
  coherence: 'locked',
  dioAlign: 512,
  allowOther: false,
  dioEvictDelayMs: 0,
  kernelFlags: [],
};

/** Per-mount flags libfuse 2 hands to mount(2) (its mount_flags table); rw is the default. */
const KERNEL_FLAGS = new Set(['rw', 'suid', 'nosuid', 'dev', 'nodev', 'exec', 'noexec', 'atime', 'noatime', 'sync', 'async', 'dirsync']);
/** Options for mount(8), fstab and systemd only: nothing for the filesystem to do. */
const USERSPACE_ONLY = new Set(['defaults', 'auto', 'noauto', 'user', 'nouser', 'users', 'owner', 'group', 'nofail', '_netdev',
  'relatime', 'norelatime', 'strictatime', 'nostrictatime', 'diratime', 'nodiratime', 'lazytime', 'nolazytime', 'loud', 'silent']);

function isUserspaceOnly(key: string): boolean {
  return USERSPACE_ONLY.has(key) || key.startsWith('x-') || key === 'comment';
}

const COHERENCE_MODES: readonly CoherenceMode[] = ['none', 'evict', 'locked'];
const MIN_CACHE_SIZE = 2 ** 20;

export class MountOptionError extends UsageError {}

/** One of the allowed words, or a MountOptionError naming them. */
function parseChoice<T extends string>(key: string, value: string, choices: readonly T[]): T {
  if (!choices.includes(value as T)) throw new MountOptionError(`${key} must be one of ${choices.join(', ')}, not '${value}'`);
  return value as T;
}

function parseDioAlign(value: string): number {
  const align = Number(value);
  if (!Number.isInteger(align) || align < 512 || align > 4096 || (align & (align - 1)) !== 0) {
    throw new MountOptionError(`dio_align must be a power of two from 512 to 4096, not '${value}'`);
  }
  return align;
}

const MAX_DIO_EVICT_DELAY_MS = 1000;

function parseDioEvictDelay(value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_DIO_EVICT_DELAY_MS) {
    throw new MountOptionError(`dio_evict_delay_ms must be an integer from 0 to ${MAX_DIO_EVICT_DELAY_MS}, not '${value}'`);
  }
  return ms;
}

function parseCacheSize(value: string): number {
  let size: number;
  try {
    size = parseSize(value);
  } catch (err) {
    throw new MountOptionError(`cache_size: ${(err as Error).message}`);
  }
  if (size < MIN_CACHE_SIZE) throw new MountOptionError(`cache_size must be at least 1M, not '${value}'`);
  // A cache the machine cannot hold would not fail at mount but later, as swapping or the OOM killer.
  if (size > totalmem()) {
    throw new MountOptionError(`cache_size must be at most this machine's memory (${(totalmem() / 2 ** 30).toFixed(1)} GiB), not '${value}'`);
  }
  return size;
}

/**
 * `text` is the -o list. `env` is the daemon's environment: COHEREFS_TRANSPORT chooses the transport
 * where -o transport= does not (so a whole test suite, whatever way it mounts, runs on either).
 */
export function parseMountOptions(text: string | undefined, env: NodeJS.ProcessEnv = {}): MountConfig {
  const config: MountConfig = { ...DEFAULT_MOUNT_CONFIG, kernelFlags: [] };
  if (env.COHEREFS_TRANSPORT) config.transport = parseChoice('COHEREFS_TRANSPORT', env.COHEREFS_TRANSPORT, TRANSPORTS);
  for (const option of (text ?? '').split(',').filter((o) => o !== '')) {
    const [key, value, ...rest] = option.split('=');
    const needValue = (): string => {
      if (value === undefined || value === '' || rest.length > 0) throw new MountOptionError(`option '${key}' needs one value`);
      return value;
    };
    switch (key) {
      case 'cache_size':
        config.cacheSize = parseCacheSize(needValue());
        break;
      case 'coherence':
        config.coherence = parseChoice(key, needValue(), COHERENCE_MODES);
        break;
      case 'dio_align':
        config.dioAlign = parseDioAlign(needValue());
        break;
      case 'dio_evict_delay_ms':
        config.dioEvictDelayMs = parseDioEvictDelay(needValue());
        break;
      case 'transport':
        config.transport = parseChoice(key, needValue(), TRANSPORTS);
        break;
      case 'allow_other':
        if (value !== undefined) throw new MountOptionError(`allow_other takes no value`);
        config.allowOther = true;
        break;
      case 'ro':
        throw new MountOptionError('read-only mounts are not supported (coherefs writes a checkpoint at mount and unmount)');
      default:
        if (KERNEL_FLAGS.has(option)) {
          if (option !== 'rw') config.kernelFlags.push(option);
          break;
        }
        if (isUserspaceOnly(key!)) break;
        throw new MountOptionError(`unknown mount option '${option}' (known: cache_size, coherence, dio_align, dio_evict_delay_ms, allow_other, transport)`);
    }
  }
  return config;
}
