/**
 * Guards the logger's two formats (src/util/logger.ts): pretty on a TTY, one JSON object per line
 * otherwise, and in both every line logged before process.exit() reaches stderr, in order (writes are
 * synchronous, in the process, not in a pino transport worker). The TTY is script(1)'s pty.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectFile } from '../../src/util/project-file.js';

const run = promisify(execFile);

const LINES = 3;
/** An asynchronous destination reorders lines only when a write is still in flight at the exit: try often. */
const RUNS = 8;

/** A process that logs a few lines, then one at debug level, then exits at once. */
const LOG_THEN_EXIT = `
  const { createLogger } = await import(${JSON.stringify(projectFile('dist/src/util/logger.js'))});
  const log = createLogger({ debug: true, name: 'logtest' });
  for (let n = 0; n < ${LINES}; n++) log.info({ n }, 'line ' + n);
  log.debug('last line before exit');
  process.exit(0);
`;

const EXPECTED_MESSAGES = [...Array.from({ length: LINES }, (_, n) => `line ${n}`), 'last line before exit'];

const nodeArgs = ['--input-type=module', '-e', LOG_THEN_EXIT];

describe('log format per stderr', () => {
  it('prints JSON lines in order when stderr is not a TTY, the last one included', async () => {
    const outputs = await Promise.all(Array.from({ length: RUNS }, () => run(process.execPath, nodeArgs)));
    for (const { stderr } of outputs) {
      const lines = stderr.trim().split('\n').map((line) => JSON.parse(line) as { msg: string; level: number; n?: number });
      expect(lines.map((l) => l.msg)).toEqual(EXPECTED_MESSAGES);
      expect(lines[1]).toMatchObject({ level: 30, n: 1 });
      expect(lines[LINES]!.level).toBe(20);
    }
  });

  it('prints pretty lines on a TTY, the last one included', async () => {
    const command = [process.execPath, ...nodeArgs].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
    const { stdout } = await run('script', ['-qec', command, '/dev/null']);
    const text = stdout.replace(/\x1b\[[0-9;]*m/g, '');
    expect(text).toMatch(/INFO \(logtest\/\d+\): line 1\r?\n\s+n: 1/);
    expect(text).toMatch(/DEBUG \(logtest\/\d+\): last line before exit/);
    expect(text).not.toMatch(/"level":/);
    const messages = [...text.matchAll(/\): (.*?)\r?$/gm)].map((m) => m[1]);
    expect(messages).toEqual(EXPECTED_MESSAGES);
  });
});
