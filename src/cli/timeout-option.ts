/**
 * `--timeout <seconds>`: how long a command waits for a daemon before it gives up with an error, so
 * that a hung daemon never hangs the command that talks to it.
 */
import { InvalidArgumentError, Option } from 'commander';

const MAX_TIMEOUT_SECONDS = 24 * 3600;

function parseSeconds(text: string): number {
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_TIMEOUT_SECONDS) {
    throw new InvalidArgumentError(`--timeout must be a number of seconds above 0, at most ${MAX_TIMEOUT_SECONDS}`);
  }
  return seconds;
}

/** The option, parsed to seconds; `waitsFor` completes "seconds to wait for ...". */
export function timeoutOption(defaultSeconds: number, waitsFor: string): Option {
  return new Option('--timeout <seconds>', `seconds to wait for ${waitsFor}`).argParser(parseSeconds).default(defaultSeconds);
}
