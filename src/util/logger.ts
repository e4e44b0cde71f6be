/**
 * One pino logger per process: JSON on stderr, pretty when stderr is a TTY, `debug` with -d.
 * The per-request path logs only at debug level (DESIGN.md §5: the binding is the bottleneck).
 * Pretty printing runs in this thread, not as a pino transport: a transport is a worker thread with
 * its own V8 isolate and a 4 MiB ring buffer, measured at +10 MiB RSS on an idle daemon (82 MiB
 * against 72). pino-pretty and its 30 modules load only when stderr is a TTY (a daemon logging to a
 * file never needs them). Writes are synchronous in both formats: pino.destination() alone writes
 * asynchronously, and a process.exit() then flushed the last line ahead of one still being written
 * (seen as reordered lines).
 */
import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

export type { Logger };

function loadPinoPretty(): typeof PinoPretty {
  return createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
}

export function createLogger(options: { debug?: boolean; name?: string } = {}): Logger {
  const level = options.debug ? 'debug' : (process.env.COHEREFS_LOG_LEVEL ?? 'info');
  const destination = process.stderr.isTTY
    ? loadPinoPretty()({ destination: 2, colorize: true, sync: true })
    : pino.destination({ dest: 2, sync: true });
  return pino({ name: options.name ?? 'coherefs', level }, destination);
}
