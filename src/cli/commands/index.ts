/** The subcommands of `coherefs`, in the order `--help` lists them. */
import type { Command } from 'commander';

export const commands: Array<() => Command> = [];
