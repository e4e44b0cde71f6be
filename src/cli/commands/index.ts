/** The subcommands of `coherefs`, in the order `--help` lists them. */
import type { Command } from 'commander';
import { fsckCommand } from './fsck.js';
import { mkfsCommand } from './mkfs.js';

export const commands: Array<() => Command> = [mkfsCommand, fsckCommand];
