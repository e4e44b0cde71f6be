/** The subcommands of `coherefs`, in the order `--help` lists them. */
import type { Command } from 'commander';
import { demoCommand } from './demo.js';
import { fsckCommand } from './fsck.js';
import { mkfsCommand } from './mkfs.js';
import { mountCommand } from './mount.js';
import { statsCommand } from './stats.js';
import { umountCommand } from './umount.js';

export const commands: Array<() => Command> = [mkfsCommand, mountCommand, umountCommand, statsCommand, fsckCommand, demoCommand];
