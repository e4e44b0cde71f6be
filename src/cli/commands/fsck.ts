/**
 * `coherefs fsck IMAGE [--json]`: read-only check. Exit 0 clean, 1 damaged (each problem listed),
 * 2 usage error (no such image). A progress bar on a TTY for images over 1 GiB.
 */
import { stat } from 'node:fs/promises';
import { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { fsck, type FsckReport } from '../../fs/api.js';

const PROGRESS_THRESHOLD = 2 ** 30;

function printReport(image: string, report: FsckReport): void {
  const lines = [`${image}: ${report.clean ? 'clean' : `DAMAGED, ${report.problems.length} problem(s)`}`];
  for (const p of report.problems) lines.push(`  problem: ${p}`);
  for (const n of report.notes) lines.push(`  note: ${n}`);
  const s = report.summary;
  if (s) lines.push(`  ${s.files} files, ${s.directories} directories, ${s.symlinks} symlinks; ${s.usedBlocks}/${s.dataBlocks} data blocks used`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function fsckCommand(): Command {
  const command = new Command('fsck')
    .description('check an image, read-only (exit 0 clean, 1 damaged)')
    .argument('<image>', 'the image file')
    .option('--json', 'print the report as JSON')
    .action(async (image: string, options: { json?: boolean }) => {
      const info = await stat(image).catch(() => null);
      if (!info?.isFile()) command.error(`coherefs fsck: ${image}: no such image file`, { exitCode: 2, code: 'coherefs.noImage' });
      const bar = process.stderr.isTTY && !options.json && info!.size > PROGRESS_THRESHOLD
        ? new SingleBar({ format: 'fsck [{bar}] {percentage}%', stream: process.stderr }, Presets.shades_classic)
        : null;
      bar?.start(1, 0);
      const report = await fsck(image, { onProgress: bar ? (done, total) => { bar.setTotal(total); bar.update(done); } : undefined })
        .finally(() => bar?.stop());
      if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`); else printReport(image, report);
      process.exitCode = report.clean ? 0 : 1;
    });
  return command;
}
