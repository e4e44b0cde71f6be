/**
 * What `coherefs --version` prints: the package's version and the commit it was built from, as
 * `make build` stamped them into dist/version.json (scripts/stamp-version.sh). A build without the
 * stamp (tsc alone) still names its version, from package.json, and says the commit is unknown.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../util/project-file.js';

interface VersionStamp {
  version: string;
  commit: string;
}

function readJson(path: string): Partial<VersionStamp> | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Partial<VersionStamp>;
  } catch {
    return null;
  }
}

/** `coherefs 0.1.0 (commit 5899101abcde)`, from the stamp under `root`, else from its package.json. */
export function versionLine(root = projectRoot()): string {
  const stamp = readJson(join(root, 'dist', 'version.json'));
  const version = stamp?.version ?? readJson(join(root, 'package.json'))?.version ?? 'unknown';
  return `coherefs ${version} (commit ${stamp?.commit ?? 'unknown'})`;
}
