/**
 * What `coherefs stats` prints: the daemon's answer as `name  value  rate` rows in human units (KiB,
 * MiB, GiB for bytes, ms for times) and, given an earlier sample (`--watch`), each counter's rate per
 * second since then. `--json` prints the answer itself, raw; this is only for people.
 */
import type { CacheGauges } from '../mm/api.js';
import { humanBytes } from '../util/size.js';

/** One answer of the daemon and when it arrived (ms, monotonic clock). */
export interface StatsSample {
  atMs: number;
  stats: unknown;
}

type Leaf = [key: string, value: unknown];
type Unit = 'bytes' | 'ms' | 'count';

/** Levels, not running totals: they get no rate. A Record, so a new gauge of the cache must be named here. */
const CACHE_GAUGES: Record<keyof CacheGauges, true> = { residentBytes: true, dirtyBytes: true, writebackBytes: true, mappings: true };

/** Nested counters as `a.b.c` leaves, in the order the daemon sent them. */
function flatten(value: unknown, prefix = ''): Leaf[] {
  if (value === null || typeof value !== 'object') return [[prefix, value]];
  return Object.entries(value).flatMap(([key, inner]) => flatten(inner, prefix ? `${prefix}.${key}` : key));
}

function isCounter(key: string): boolean {
  const [section, name] = key.split('.');
  // A high-water mark (…Peak) only rises, but it is a level: its rate means nothing.
  if (section === 'cache') return !(name! in CACHE_GAUGES) && !name!.endsWith('Peak');
  return false; // pid, openHandles, memory.*: identities and levels
}

/** The daemon names its units: dioBytesRead, memory.rssBytes, lockWaitMs.add. */
function unitOf(key: string): Unit {
  if (/Bytes/.test(key)) return 'bytes';
  if (/Ms(\.|$)/.test(key)) return 'ms';
  return 'count';
}

const grouped = (value: number, digits: number): string =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function formatValue(key: string, value: number): string {
  if (key === 'pid' || key.endsWith('.pid')) return String(value);
  switch (unitOf(key)) {
    case 'bytes':
      return humanBytes(value);
    case 'ms':
      return `${grouped(value, 1)} ms`;
    case 'count':
      return grouped(value, 0);
  }
}

function formatRate(key: string, perSecond: number): string {
  switch (unitOf(key)) {
    case 'bytes':
      return `${humanBytes(perSecond)}/s`;
    case 'ms':
      return `${grouped(perSecond, 1)} ms/s`;
    case 'count':
      return `${grouped(perSecond, perSecond < 10 ? 1 : 0)}/s`;
  }
}

/** A rate needs the same daemon at both samples (a remount starts its counters again). */
function sameDaemon(a: Map<string, unknown>, b: Map<string, unknown>): boolean {
  return a.get('pid') === b.get('pid');
}

/**
 * Rows of `name  value  rate`, numbers right-aligned; the rate column appears only when `previous` is
 * given. Text (image, mountpoint, coherence) is left-aligned and does not widen the number column.
 */
export function statsTable(current: StatsSample, previous?: StatsSample): string {
  const leaves = flatten(current.stats);
  const before = previous ? new Map(flatten(previous.stats)) : undefined;
  const seconds = previous ? (current.atMs - previous.atMs) / 1000 : 0;
  const withRates = before !== undefined && seconds > 0 && sameDaemon(new Map(leaves), before);
  const rows = leaves.map(([key, value]) => {
    if (typeof value !== 'number') return { key, text: String(value) };
    const earlier = before?.get(key);
    const rate = withRates && isCounter(key) && typeof earlier === 'number' ? formatRate(key, (value - earlier) / seconds) : '';
    return { key, value: formatValue(key, value), rate };
  });
  const keyWidth = Math.max(...rows.map((row) => row.key.length));
  const valueWidth = Math.max(0, ...rows.map((row) => row.value?.length ?? 0));
  const rateWidth = Math.max(0, ...rows.map((row) => row.rate?.length ?? 0));
  return rows
    .map((row) => {
      const key = row.key.padEnd(keyWidth);
      if (row.text !== undefined) return `${key}  ${row.text}`;
      return `${key}  ${row.value!.padStart(valueWidth)}  ${row.rate!.padStart(rateWidth)}`.trimEnd();
    })
    .join('\n');
}
