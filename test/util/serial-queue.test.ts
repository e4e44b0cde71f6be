/** Guards SerialQueue: jobs run one at a time in call order, a failed job does not stop the queue. */
import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../../src/util/serial-queue.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SerialQueue', () => {
  it('runs jobs one at a time, in call order, past a failed one', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    let running = 0;
    const job = (name: string, fail = false) => async () => {
      running++;
      expect(running).toBe(1);
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      running--;
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([queue.run(job('a')), queue.run(job('b', true)), queue.run(job('c'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('counts queued jobs and settles idle() after them', async () => {
    const queue = new SerialQueue();
    let done = false;
    void queue.run(async () => {
      await tick();
      done = true;
    });
    expect(queue.size).toBe(1);
    await queue.idle();
    expect(done).toBe(true);
    expect(queue.size).toBe(0);
  });
});
