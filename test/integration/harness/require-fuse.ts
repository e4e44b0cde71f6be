/**
 * Real-mount tests need /dev/fuse, fusermount and libfuse.so.2. Without them a developer's run skips
 * those tests with a printed reason; CI (CI=true) fails loudly instead, never skipping in silence.
 */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const LIBRARY_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib', '/usr/local/lib'];

/** Why FUSE cannot be used here, or undefined when it can. */
export function fuseMissing(): string | undefined {
  if (!existsSync('/dev/fuse')) return '/dev/fuse is missing';
  const path = (process.env.PATH ?? '').split(delimiter);
  if (!path.some((dir) => existsSync(join(dir, 'fusermount')))) return 'fusermount is not on PATH (Debian package fuse)';
  if (!LIBRARY_DIRS.some((dir) => existsSync(join(dir, 'libfuse.so.2')))) return 'libfuse.so.2 is missing (Debian package libfuse2)';
  return undefined;
}

/** true when real-mount tests can run; false (with a printed reason) to skip; throws under CI. */
export function requireFuse(reason: string | undefined = fuseMissing()): boolean {
  if (reason === undefined) return true;
  if (process.env.CI === 'true') throw new Error(`real-mount tests cannot run in CI: ${reason}`);
  process.stderr.write(`skipping real-mount tests: ${reason}\n`);
  return false;
}
