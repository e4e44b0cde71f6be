/**
 * Files of this project by their path from its root (e.g. 'dist/bench/ceiling-daemon.js'), found the
 * same way from the TypeScript sources (vitest) and from the compiled copy under dist/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function isProjectRoot(dir: string): boolean {
  const manifest = join(dir, 'package.json');
  return existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'coherefs';
}

let root: string | undefined;

export function projectRoot(): string {
  if (root) return root;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (isProjectRoot(dir)) return (root = dir);
    if (dirname(dir) === dir) throw new Error('coherefs project root not found above ' + fileURLToPath(import.meta.url));
  }
}

/** The file's absolute path; throws naming the build step when it does not exist. */
export function projectFile(path: string): string {
  const absolute = join(projectRoot(), path);
  if (!existsSync(absolute)) throw new Error(`${absolute} is missing${path.startsWith('dist/') ? ': run make build first' : ''}`);
  return absolute;
}
