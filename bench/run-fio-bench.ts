/**
 * `node dist/bench/run-fio-bench.js [--runtime S] [--repeat N] [--max-total S] [--size SIZE] [--jobs 1,4]
 * [--cache-size SIZE] [--coherefs DIR --coherefs-pid PID] [--no-docs]` (bench-args.ts): the fio matrix against a coherefs mount, a plain file on the
 * host filesystem ("image-file"), the ceiling daemon's mount and the same daemon passing every
 * request through to host files ("passthrough"), in one run, N paired rounds per case. Without --coherefs it makes a sparse image in a mktemp directory and mounts it itself.
 * Everything it creates (mounts, daemons, image, files) is removed at the end, also when SIGINT
 * (Ctrl-C), SIGTERM or SIGHUP interrupts it. Results go to bench/results/ and, unless --no-docs,
 * replace the results section of docs/benchmarks.md (bench-docs.ts).
 */
import { CommanderError } from 'commander';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkfs } from '../src/fs/api.js';
import { cleanUpOnSignal, untilCleanedUp } from '../src/util/cleanup-on-signal.js';
import type { DaemonMount } from '../src/util/daemon-mount.js';
import { parseSize } from '../src/util/size.js';
import { parseBenchArgs, type BenchArgs } from './bench-args.js';
import { DEFAULT_BENCH_DOCS, checkBenchDocs, updateBenchDocs } from './bench-docs.js';
import { mountCeiling } from './ceiling-mount.js';
import { mountCoherefs } from './coherefs-mount.js';
import { benchMatrix, runFioBench, type BenchTarget } from './fio-bench.js';

/** Commander has printed the usage error (or the help): exit 2 (0 after --help), as the CLI does. */
function parseBenchArgsOrExit(): BenchArgs {
  try {
    return parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
    throw err;
  }
}

const options = parseBenchArgsOrExit();
if (options.docs) await checkBenchDocs(DEFAULT_BENCH_DOCS);

/** Room for 4 jobs' files plus the log and checkpoints. */
const imageSize = Math.max(2 * 2 ** 30, 6 * parseSize(options.size));

const scratch = await mkdtemp(join(tmpdir(), 'coherefs-bench-'));
// Interrupted (Ctrl-C): the mounts go first (registered later, undone first), then the scratch files.
const forgetScratch = cleanUpOnSignal(() => rm(scratch, { recursive: true, force: true }));
const mounts: DaemonMount[] = [];
try {
  const targets: BenchTarget[] = [];
  if (options.coherefs) {
    targets.push({ name: 'coherefs', directory: options.coherefs, ...(options.coherefsPid ? { pid: Number(options.coherefsPid) } : {}) });
  } else {
    const image = join(scratch, 'coherefs.img');
    await mkfs(image, { size: imageSize });
    const coherefs = await mountCoherefs(image, `cache_size=${options.cacheSize}`);
    mounts.push(coherefs);
    targets.push({ name: 'coherefs', directory: coherefs.mountpoint, pid: coherefs.pid });
  }
  const ceiling = await mountCeiling();
  mounts.push(ceiling);
  const passthroughFiles = join(scratch, 'passthrough');
  await mkdir(passthroughFiles);
  const passthrough = await mountCeiling(passthroughFiles);
  mounts.push(passthrough);
  targets.push(
    { name: 'image-file', filename: join(scratch, 'image-file') },
    { name: 'passthrough', directory: passthrough.mountpoint, pid: passthrough.pid },
    { name: 'ceiling', directory: ceiling.mountpoint, pid: ceiling.pid },
  );
  const report = await runFioBench({
    targets,
    runtimeSeconds: Number(options.runtime),
    repeat: Number(options.repeat),
    maxTotalSeconds: Number(options.maxTotal),
    size: options.size,
    cases: benchMatrix(options.jobs),
  });
  process.stdout.write(`${Object.values(report.files).join("\n")}\n`);
  if (options.docs) {
    await updateBenchDocs(report, process.argv.slice(2));
    process.stdout.write(`${DEFAULT_BENCH_DOCS.page}\n${DEFAULT_BENCH_DOCS.chart}\n`);
  }
} catch (err) {
  await untilCleanedUp();
  throw err;
} finally {
  for (const mount of mounts) await mount.teardown();
  await rm(scratch, { recursive: true, force: true });
  forgetScratch();
}
