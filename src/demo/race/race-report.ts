/** The race demo's result as a person reads it (a table and a verdict) and as a chart. */
import type { Row } from '../../util/plot.js';
import type { RaceResult } from './run-race.js';

const COLUMNS = ['mode', 'readers', 'direct writes', 'reads', 'stale reads', 'stale %', 'worst lag (versions)', 'torn', 'fsck'] as const;

export function raceTable(result: RaceResult): string {
  const rows = result.modes.flatMap(({ rows: modeRows, fsck }) =>
    modeRows.map((row) => [
      row.mode,
      row.readers,
      String(row.writes),
      String(row.reads),
      String(row.staleReads),
      row.stalePercent.toFixed(2),
      String(row.worstStaleness),
      String(row.tornReads),
      fsck.clean ? 'clean' : `DAMAGED (${fsck.problems.length})`,
    ]),
  );
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(COLUMNS), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** What the run set up, said before the table: the fault injection is part of the experiment. */
export function raceSetup(result: RaceResult): string {
  const injection = result.dioEvictDelayMs > 0
    ? `fault injection ON: dio_evict_delay_ms=${result.dioEvictDelayMs} (each direct write sleeps ${result.dioEvictDelayMs} ms between evicting and writing), same in every mode`
    : 'fault injection off';
  const w = result.workload;
  const maps = w.sharedMaps ? 'one MAP_SHARED map each, kept open' : 'a MAP_PRIVATE map per read';
  return `${result.seconds / 2} s per phase per mode on the ${result.transport} transport; ${w.writers} O_DIRECT writer vs ${w.readers} buffered readers, `
    + `then vs ${w.mmapReaders} mmap readers (${maps}); ${w.blocks} blocks; ${injection}`;
}

/**
 * The property the demo exists to show, checked: stale reads in `none` and `evict`, none in
 * `locked`, every image clean. Not ok when any of it fails (a race not caught this run included).
 */
export function raceVerdict(result: RaceResult): { ok: boolean; lines: string[] } {
  let ok = true;
  const lines = result.modes.map(({ mode, rows, fsck }) => {
    const stale = rows.reduce((sum, row) => sum + row.staleReads, 0);
    const expected = mode === 'locked' ? stale === 0 : stale > 0;
    ok &&= expected && fsck.clean;
    const meaning = mode === 'locked' ? (expected ? 'coherent: the fix' : 'INCOHERENT: the fix failed') : expected ? 'the race' : 'race not caught this run';
    return `${mode.padEnd(6)}  ${stale} stale reads, ${meaning}; fsck ${fsck.clean ? 'clean' : `DAMAGED: ${fsck.problems.join('; ')}`}`;
  });
  return { ok, lines };
}

export interface RacePlot {
  svg: string;
  png: Buffer;
}

/** Stale reads per time bucket, one line per mode, one panel per reader kind. */
export async function racePlot(result: RaceResult): Promise<RacePlot> {
  // The plotting stack (vega, resvg) costs ~33 MiB: loaded only when a plot is drawn, not by the daemon.
  const { lineChart, svgToPng } = await import('../../util/plot.js');
  const rows: Row[] = result.modes.flatMap(({ rows: modeRows }) =>
    modeRows.flatMap((row) =>
      row.staleOverTime.map((bucket) => ({ mode: row.mode, readers: `${row.readers} readers`, seconds: bucket.seconds, stale: bucket.stale })),
    ),
  );
  const svg = await lineChart({
    title: `Stale reads over time (O_DIRECT writer vs readers; dio_evict_delay_ms=${result.dioEvictDelayMs})`,
    rows,
    x: 'seconds',
    y: 'stale',
    series: 'mode',
    panel: 'readers',
    xTitle: 'seconds into the phase',
    yTitle: `stale reads per ${result.workload.bucketSeconds} s`,
    height: 220,
  });
  return { svg, png: svgToPng(svg) };
}
