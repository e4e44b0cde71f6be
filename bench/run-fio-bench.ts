/**
 * `node dist/bench/run-fio-bench.js [--runtime S] [--repeat N] [--max-total S] [--size SIZE] [--jobs 1,4]
 * [--cache-size SIZE] [--coherefs DIR --coherefs-pid PID] [--no-docs]` (bench-args.ts): the fio matrix, in one run and N
 * paired rounds per case, against coherefs on each of its transports ("coherefs-kernel" on
 * /dev/fuse, "coherefs-libfuse" on fuse-native), libfuse 3's passthrough_ll over a tmpfs (the
 * baseline, built here: passthrough-ll.ts), the ceiling daemon (fuse-native's in-memory limit) and a
 * plain file on the host filesystem ("image-file"); then the kernel transport's hand-off alone
 * (hand-off.ts). Without --coherefs it makes a sparse image per transport in a mktemp directory and
 * mounts them itself; with it, that mount ("coherefs") replaces both.
 * Everything it creates (mounts, daemons, tmpfs, image, files) is removed at the end, also when SIGINT
 * (Ctrl-C), SIGTERM or SIGHUP interrupts it. Results go to bench/results/ and, unless --no-docs,
 * replace the results section of docs/benchmarks.md (bench-docs.ts).
 */
import { CommanderError } from 'commander';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkfs } from '../src/fs/api.js';
import type { Transport } from '../src/fuse/mount-options.js';
import { cleanUpOnSignal, untilCleanedUp } from '../src/util/cleanup-on-signal.js';
import { parseSize } from '../src/util/size.js';
import { parseBenchArgs, type BenchArgs } from './bench-args.js';
import { benchMatrix } from './bench-cases.js';
import { DEFAULT_BENCH_DOCS, checkBenchDocs, updateBenchDocs } from './bench-docs.js';
import { mountCeiling } from './ceiling-mount.js';
import { mountCoherefs } from './coherefs-mount.js';
import { runFioBench, type BenchTarget } from './fio-bench.js';
import { measureHandOff } from './hand-off.js';
import { buildPassthroughLl, mountPassthroughLl } from './passthrough-ll.js';

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

const cases = benchMatrix(options.jobs);
const fileBytes = parseSize(options.size);
const mostJobs = Math.max(...cases.map((test) => test.numjobs));
/** Room for the most jobs' files plus the log and checkpoints. */
const imageSize = Math.max(2 * 2 ** 30, 6 * fileBytes);
const TRANSPORTS: readonly Transport[] = ['kernel', 'libfuse'];

const scratch = await mkdtemp(join(tmpdir(), 'coherefs-bench-'));
// Interrupted (Ctrl-C): the mounts go first (registered later, undone first), then the scratch files.
const forgetScratch = cleanUpOnSignal(() => rm(scratch, { recursive: true, force: true }));
const teardowns: (() => Promise<void>)[] = [];
try {
  const targets: BenchTarget[] = [];
  if (options.coherefs) {
    targets.push({ name: 'coherefs', directory: options.coherefs, ...(options.coherefsPid ? { pid: Number(options.coherefsPid) } : {}) });
  } else {
    for (const transport of TRANSPORTS) {
      const image = join(scratch, `coherefs-${transport}.img`);
      await mkfs(image, { size: imageSize });
      const coherefs = await mountCoherefs(image, `cache_size=${options.cacheSize},transport=${transport}`);
      teardowns.push(coherefs.teardown);
      targets.push({ name: `coherefs-${transport}`, directory: coherefs.mountpoint, pid: coherefs.pid });
    }
  }
  const passthroughLl = await mountPassthroughLl(await buildPassthroughLl(scratch), join(scratch, 'passthrough_ll-files'), mostJobs * fileBytes + 64 * 2 ** 20);
  teardowns.push(passthroughLl.teardown);
  const ceiling = await mountCeiling();
  teardowns.push(ceiling.teardown);
  targets.push(
    { name: 'passthrough_ll', directory: passthroughLl.mount.mountpoint, pid: passthroughLl.mount.pid },
    { name: 'ceiling', directory: ceiling.mountpoint, pid: ceiling.pid },
    { name: 'image-file', filename: join(scratch, 'image-file') },
  );
  const handOff = await measureHandOff(Number(options.repeat), Number(options.runtime), (line) => process.stderr.write(`${line}\n`));
  const report = await runFioBench({
    targets,
    runtimeSeconds: Number(options.runtime),
    repeat: Number(options.repeat),
    maxTotalSeconds: Number(options.maxTotal),
    size: options.size,
    cases,
    handOff,
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
  for (const teardown of teardowns) await teardown();
  await rm(scratch, { recursive: true, force: true });
  forgetScratch();
}
