/**
 * Guards the direction of imports between the trees: the program (src), the bench and the tools
 * never import from test/, so a bench or a build works without the tests and shares their helpers
 * only through src or tools.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/project-file.js';

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
}

describe('imports between the trees', () => {
  it('src, tools and bench import nothing from test/', () => {
    const root = projectRoot();
    const test = join(root, 'test');
    const offenders: string[] = [];
    for (const file of ['src', 'tools', 'bench'].flatMap((tree) => tsFiles(join(root, tree)))) {
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.[^']*)'/g)) {
        const target = resolve(dirname(file), spec!);
        if (!relative(test, target).startsWith('..')) offenders.push(`${relative(root, file)} -> ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
