#!/usr/bin/env node
/**
 * The `coherefs` command: each subcommand lives in src/cli/commands/, one file each.
 * Exit codes: 0 success, 1 the operation failed (or fsck found damage), 2 usage error.
 */
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';

const program = new Command('coherefs')
  .description('a FUSE filesystem with its own page cache, coherent with direct IO')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

for (const command of commands) program.addCommand(command());

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  process.stderr.write(`coherefs: ${(err as Error).message}\n`);
  const exitCode = (err as { exitCode?: unknown }).exitCode;
  process.exit(typeof exitCode === 'number' ? exitCode : 1);
}
