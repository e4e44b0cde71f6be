/**
 * One pino logger per process: JSON on stderr, pretty when stderr is a TTY, `debug` with -d.
 * The per-request path logs only at debug level (DESIGN.md §5: the binding is the bottleneck).
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(options: { debug?: boolean; name?: string } = {}): Logger {
  const level = options.debug ? 'debug' : (process.env.COHEREFS_LOG_LEVEL ?? 'info');
  const transport = process.stderr.isTTY
    ? pino.transport({ target: 'pino-pretty', options: { destination: 2, colorize: true } })
    : pino.destination(2);
  return pino({ name: options.name ?? 'coherefs', level }, transport);
}
