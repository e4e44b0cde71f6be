/**
 * Running the steps of a shutdown (or of undoing a setup) so that one failing step does not strand
 * the rest: each runs whatever happened before it, a failure is logged, and the caller learns of all
 * failures at the end. A daemon that stopped at its first failed step kept the image lock and waited
 * forever on a mount that was already gone.
 */
import type { Logger } from '../../util/logger.js';

export type ShutdownStep = [name: string, run: () => Promise<void> | void];

/** Runs every step in order; resolves to an error naming the failed steps, or undefined. */
export async function runShutdownSteps(log: Logger, steps: ShutdownStep[]): Promise<Error | undefined> {
  const failed: string[] = [];
  for (const [name, run] of steps) {
    try {
      await run();
    } catch (err) {
      log.error({ err }, `${name} failed`);
      failed.push(`${name}: ${(err as Error).message}`);
    }
  }
  return failed.length > 0 ? new Error(`shutdown failed (${failed.join('; ')})`) : undefined;
}
