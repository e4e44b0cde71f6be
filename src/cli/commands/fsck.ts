/**
 * `coherefs fsck IMAGE [--repair] [--json]`: check an image, read-only; with --repair, repair what
 * can be repaired (each repair one line), then check again. Exit 0 clean (after the repairs, with
 * --repair), 1 damaged or refused (each problem listed; a refused repair writes nothing), 2 usage
 * error (no such image). A progress bar on a TTY for images over 1 GiB.
 */
import { stat } from 'node:fs/promises';
import { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { fsck, repair, type FsckReport, type RepairReport } from '../../fs/api.js';

const PROGRESS_THRESHOLD = 2 ** 30;

function printReport(image: string, report: FsckReport): void {
  const lines = [`${image}: ${report.clean ? 'clean' : `DAMAGED, ${report.problems.length} problem(s)`}`];
  for (const p of report.problems) lines.push(`  problem: ${p}`);
  for (const n of report.notes) lines.push(`  note: ${n}`);
  const s = report.summary;
  if (s) lines.push(`  ${s.files} files, ${s.directories} directories, ${s.symlinks} symlinks; ${s.usedBlocks}/${s.dataBlocks} data blocks used`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

function printRepair(image: string, report: RepairReport): void {
  const lines = [report.clean
    ? `${image}: ${report.repairs.length ? `${report.repairs.length} repair(s)` : 'nothing to repair'}`
    : `${image}: NOT REPAIRED, nothing written; ${report.problems.length} problem(s) repair cannot fix`];
  for (const r of report.repairs) lines.push(`  repaired: ${r}`);
  for (const p of report.problems) lines.push(`  problem: ${p}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function fsckCommand(): Command {
  const command = new Command('fsck')
    .description('check an image, read-only (exit 0 clean, 1 damaged); --repair fixes what it can')
    .argument('<image>', 'the image file')
    .option('--repair', 'repair what can be repaired without dropping data a file references (exit 0 when clean after)')
    .option('--json', 'print the report as JSON')
    .action(async (image: string, options: { repair?: boolean; json?: boolean }) => {
      const info = await stat(image).catch(() => null);
      if (!info?.isFile()) command.error(`coherefs fsck: ${image}: no such image file`, { exitCode: 2, code: 'coherefs.noImage' });
      const bar = process.stderr.isTTY && !options.json && info!.size > PROGRESS_THRESHOLD
        ? new SingleBar({ format: 'fsck [{bar}] {percentage}%', stream: process.stderr }, Presets.shades_classic)
        : null;
      const onProgress = bar ? (done: number, total: number): void => { bar.setTotal(total); bar.update(done); } : undefined;
      bar?.start(1, 0);
      let repaired: RepairReport | null = null;
      let report: FsckReport | null = null;
      try {
        if (options.repair) repaired = await repair(image, { onProgress });
        // A refused repair wrote nothing: its problems are the report.
        if (!repaired || repaired.clean) report = await fsck(image, { onProgress });
      } finally {
        bar?.stop();
      }
      if (options.json) {
        process.stdout.write(`${JSON.stringify(options.repair ? { repair: repaired, fsck: report } : report, null, 2)}\n`);
      } else {
        if (repaired) printRepair(image, repaired);
        if (report) printReport(image, report);
      }
      process.exitCode = report?.clean ? 0 : 1;
    });
  return command;
}
