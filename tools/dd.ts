/** Running dd(1) and reading its summary line ("N bytes ... copied, S s, ..."). */
import { execFile } from 'node:child_process';

export interface DdOptions {
  input: string;
  output: string;
  bs: string;
  count?: number;
  /** e.g. ['direct'] for O_DIRECT reads. */
  iflag?: string[];
  /** e.g. ['direct'] for O_DIRECT writes. */
  oflag?: string[];
  /** e.g. ['fsync', 'notrunc']. */
  conv?: string[];
}

export interface DdResult {
  bytes: number;
  seconds: number;
  bytesPerSecond: number;
}

export function parseDdSummary(stderr: string): DdResult {
  const match = /^(\d+) bytes?\b.*copied, ([\d.]+) s/m.exec(stderr);
  if (!match) throw new Error(`dd printed no summary: ${stderr.trim()}`);
  const bytes = Number(match[1]);
  const seconds = Number(match[2]);
  return { bytes, seconds, bytesPerSecond: seconds > 0 ? bytes / seconds : Infinity };
}

export function runDd(options: DdOptions): Promise<DdResult> {
  const args = [`if=${options.input}`, `of=${options.output}`, `bs=${options.bs}`];
  if (options.count !== undefined) args.push(`count=${options.count}`);
  if (options.iflag?.length) args.push(`iflag=${options.iflag.join(',')}`);
  if (options.oflag?.length) args.push(`oflag=${options.oflag.join(',')}`);
  if (options.conv?.length) args.push(`conv=${options.conv.join(',')}`);
  return new Promise((resolve, reject) =>
    execFile('dd', args, { env: { ...process.env, LC_ALL: 'C' } }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`dd ${args.join(' ')} failed: ${stderr.trim()}`));
      else resolve(parseDdSummary(stderr));
    }),
  );
}
