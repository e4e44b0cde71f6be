/** `coherefs stats MOUNTPOINT [--json] [--timeout S]`: the live counters of a running daemon (DESIGN §6). */
import { Command } from 'commander';
import { requestControl } from '../daemon/control-socket.js';
import { timeoutOption } from '../timeout-option.js';

/** Counters are in memory: a daemon that has not answered in this long is hung. */
const STATS_TIMEOUT_SECONDS = 10;

type Flat = Array<[string, string | number]>;

/** Nested counters as `a.b.c  value` rows, in the order the daemon sent them. */
function flatten(value: unknown, prefix = ''): Flat {
  if (value === null || typeof value !== 'object') return [[prefix, value as string | number]];
  return Object.entries(value).flatMap(([key, inner]) => flatten(inner, prefix ? `${prefix}.${key}` : key));
}

export function statsCommand(): Command {
  return new Command('stats')
    .description('show the counters of a mounted coherefs')
    .argument('<mountpoint>')
    .option('--json', 'print JSON')
    .addOption(timeoutOption(STATS_TIMEOUT_SECONDS, 'the daemon to answer'))
    .action(async (mountpoint: string, flags: { json?: boolean; timeout: number }) => {
      const stats = await requestControl(mountpoint, { op: 'stats' }, flags.timeout * 1000);
      if (flags.json) {
        process.stdout.write(JSON.stringify(stats, null, 2) + '\n');
        return;
      }
      const rows = flatten(stats);
      const width = Math.max(...rows.map(([key]) => key.length));
      for (const [key, value] of rows) process.stdout.write(`${key.padEnd(width)}  ${value}\n`);
    });
}
