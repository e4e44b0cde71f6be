/**
 * `node dist/bench/run-fio-bench.js [--runtime S] [--coherefs DIR --coherefs-pid PID]`: the fio matrix
 * against a plain file on the host filesystem ("image-file") and the ceiling daemon's mount, plus a
 * coherefs mount when given. Everything it creates (mount, files) is removed at the end.
 */
import { Command } from 'commander';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mountCeiling } from './ceiling-mount.js';
import { runFioBench, type BenchTarget } from './fio-bench.js';

const program = new Command('run-fio-bench')
  .option('--runtime <seconds>', 'seconds per fio run', '5')
  .option('--max-total <seconds>', 'bound on the whole matrix', '900')
  .option('--size <size>', 'file size per fio job', '128M')
  .option('--coherefs <dir>', 'a mounted coherefs to include')
  .option('--coherefs-pid <pid>', 'its daemon, for peak RSS')
  .parse();
const options = program.opts<{ runtime: string; maxTotal: string; size: string; coherefs?: string; coherefsPid?: string }>();

const scratch = await mkdtemp(join(tmpdir(), 'coherefs-bench-'));
const ceiling = await mountCeiling();
try {
  const targets: BenchTarget[] = [];
  if (options.coherefs) {
    targets.push({ name: 'coherefs', directory: options.coherefs, ...(options.coherefsPid ? { pid: Number(options.coherefsPid) } : {}) });
  }
  targets.push({ name: 'image-file', filename: join(scratch, 'image-file') }, { name: 'ceiling', directory: ceiling.mountpoint, pid: ceiling.pid });
  const report = await runFioBench({
    targets,
    runtimeSeconds: Number(options.runtime),
    maxTotalSeconds: Number(options.maxTotal),
    size: options.size,
  });
  process.stdout.write(`${report.files.markdown}\n${report.files.svg}\n${report.files.png}\n`);
} finally {
  await ceiling.teardown();
  await rm(scratch, { recursive: true, force: true });
}
