/**
 * SerialQueue: async work run one job at a time, in call order, each job starting once the one
 * before it has settled (failed or not): the mutex of async code, as a queue of promises.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** Jobs queued or running. */
  get size(): number {
    return this.pending;
  }

  /** Settles once every job queued so far has settled. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }

  run<T>(job: () => Promise<T> | T): Promise<T> {
    this.pending++;
    const run = this.tail.then(job).finally(() => this.pending--);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
