/**
 * `coherefs stats MOUNTPOINT [--watch [S]] [--json] [--timeout S]`: the live counters of a running
 * daemon (DESIGN §6), in human units (stats-table.ts). With --watch, a new sample every S seconds
 * (default 2) until Ctrl-C, with each counter's rate since the previous one: on a terminal the table
 * is redrawn in place, elsewhere each table follows the last. --json prints the raw answer (with
 * --watch, one line per sample).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { requestControl } from '../daemon/control-socket.js';
import { statsTable, type StatsSample } from '../stats-table.js';
import { timeoutOption } from '../timeout-option.js';

/** Counters are in memory: a daemon that has not answered in this long is hung. */
const STATS_TIMEOUT_SECONDS = 10;
const DEFAULT_WATCH_SECONDS = 2;
const MIN_WATCH_SECONDS = 0.1;
const MAX_WATCH_SECONDS = 3600;
/** Home the cursor and clear the screen, as watch(1) does between samples. */
const REDRAW = '\x1b[H\x1b[2J';

interface StatsFlags {
  json?: boolean;
  watch?: number;
  timeout: number;
}

function parseWatchSeconds(text: string): number {
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < MIN_WATCH_SECONDS || seconds > MAX_WATCH_SECONDS) {
    // `stats --watch /mnt/c` reads the mountpoint as the interval.
    throw new InvalidArgumentError(
      `--watch takes an interval in seconds from ${MIN_WATCH_SECONDS} to ${MAX_WATCH_SECONDS}, not '${text}' (give the mountpoint first: coherefs stats MOUNTPOINT --watch)`,
    );
  }
  return seconds;
}

async function sample(mountpoint: string, timeoutSeconds: number): Promise<StatsSample> {
  const stats = await requestControl(mountpoint, { op: 'stats' }, timeoutSeconds * 1000);
  return { atMs: performance.now(), stats };
}

/**
 * Sample every `seconds` until SIGINT (exit 0: Ctrl-C is how a watch ends), until stdout is closed,
 * or until the daemon stops answering (exit 1).
 */
async function watch(mountpoint: string, seconds: number, flags: StatsFlags): Promise<void> {
  process.once('SIGINT', () => process.exit(0));
  const redraw = process.stdout.isTTY && !flags.json;
  let previous: StatsSample | undefined;
  // A reader that went away (`| head`) ends the watch; main.ts drops the EPIPE itself.
  let readerGone = false;
  process.stdout.once('error', () => (readerGone = true));
  while (!readerGone) {
    const current = await sample(mountpoint, flags.timeout);
    if (flags.json) {
      process.stdout.write(JSON.stringify(current.stats) + '\n');
    } else {
      const heading = `coherefs stats ${mountpoint}, every ${seconds} s, ${new Date().toLocaleTimeString('en-GB')} (Ctrl-C stops)`;
      process.stdout.write(`${redraw ? REDRAW : previous ? '\n' : ''}${heading}\n${statsTable(current, previous)}\n`);
    }
    previous = current;
    await sleep(seconds * 1000);
  }
}

export function statsCommand(): Command {
  return new Command('stats')
    .description('show the counters of a mounted coherefs')
    .argument('<mountpoint>')
    .option('--json', 'print the raw counters as JSON')
    .addOption(
      new Option('--watch [seconds]', `a new sample every few seconds (default ${DEFAULT_WATCH_SECONDS}) with rates, until Ctrl-C`)
        .argParser(parseWatchSeconds)
        .preset(String(DEFAULT_WATCH_SECONDS)),
    )
    .addOption(timeoutOption(STATS_TIMEOUT_SECONDS, 'the daemon to answer'))
    .action(async (mountpoint: string, flags: StatsFlags) => {
      if (flags.watch !== undefined) return watch(mountpoint, flags.watch, flags);
      const current = await sample(mountpoint, flags.timeout);
      if (flags.json) process.stdout.write(JSON.stringify(current.stats, null, 2) + '\n');
      else process.stdout.write(statsTable(current) + '\n');
    });
}
