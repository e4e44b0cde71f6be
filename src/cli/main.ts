#!/usr/bin/env node
/**
 * The `coherefs` command: each subcommand lives in src/cli/commands/, one file each.
 * Exit codes: 0 success, 1 the operation failed (or fsck found damage), 2 usage error.
 */
import { Command, CommanderError } from 'commander';
import { untilCleanedUp } from '../util/cleanup-on-signal.js';
import { commands } from './commands/index.js';
import { versionLine } from './version.js';

/**
 * Commander copies settings such as exitOverride only to subcommands made with .command(), not to
 * those added with addCommand(): set them on every command of the tree, so that each usage error
 * (missing argument, unknown option, bad option value) reaches the catch below and exits 2.
 */
function handleUsageErrors(command: Command, path: string): void {
  command.exitOverride();
  for (const sub of command.commands) {
    const subPath = `${path} ${sub.name()}`;
    sub.showHelpAfterError(`(see: ${subPath} --help)`);
    handleUsageErrors(sub, subPath);
  }
}

// A reader that stops early (`coherefs stats | head`) closes our stdout: what is left to print is
// dropped, and the command ends as it would have, without a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
});

const program = new Command('coherefs')
  .description('a FUSE filesystem with its own page cache, coherent with direct IO')
  .version(versionLine(), '-V, --version', 'print the version and the commit it was built from')
  .showHelpAfterError();

for (const command of commands) program.addCommand(command());
handleUsageErrors(program, 'coherefs');

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Commander has printed its message already; --help and --version end here with exit code 0.
  if (err instanceof CommanderError) {
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  await untilCleanedUp();
  process.stderr.write(`coherefs: ${(err as Error).message}\n`);
  const exitCode = (err as { exitCode?: unknown }).exitCode;
  process.exit(typeof exitCode === 'number' ? exitCode : 1);
}
