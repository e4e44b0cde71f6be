/**
 * Guards the deadlock demonstration: with the fault handler's faults_disabled_mapping checks off,
 * both the ABBA pair and the same-file direct write deadlock and the watchdog names the cycle; with
 * them on, ABBA completes with the right data after dropping locks and retrying, and the same-file
 * write is refused with EFAULT. Also through the CLI, whose exit code says whether it all held.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runDeadlockDemo, type ScenarioResult } from '../../src/demo/api.js';
import { projectFile } from '../../src/util/project-file.js';

const run = promisify(execFile);

describe('coherefs demo deadlock', () => {
  it('deadlocks with the checks off and not with them on', async () => {
    const { scenarios } = await runDeadlockDemo();
    const find = (scenario: string, checks: string) => scenarios.find((s) => s.scenario === scenario && s.faultChecks === checks)!;

    const abbaOff = find('abba', 'off');
    expect(abbaOff.outcome).toBe('deadlock');
    expect(abbaOff.deadlockCycle?.map((task) => task.split(':')[0]).sort()).toEqual(['t1', 't2']);
    expect(abbaOff.waitFor).toMatch(/^A: block held by t1:\S+×1; waiting: t2:\S+ \(add/m);
    expect(abbaOff.waitFor).toMatch(/^B: block held by t2:\S+×1; waiting: t1:\S+ \(add/m);

    const abbaOn = find('abba', 'on');
    expect(abbaOn).toMatchObject({ outcome: 'completed', dataVerified: true, deadlockCycle: null });
    expect(abbaOn.locksDropped).toBeGreaterThan(0);
    expect(abbaOn.dioRetries).toBeGreaterThan(0);

    expect(find('self', 'off')).toMatchObject<Partial<ScenarioResult>>({ outcome: 'deadlock' });
    expect(find('self', 'off').deadlockCycle).toHaveLength(1);
    expect(find('self', 'on')).toMatchObject<Partial<ScenarioResult>>({ outcome: 'refused', deadlockCycle: null });
    expect(find('self', 'on').error).toMatch(/^EFAULT/);
  });

  it('prints the wait-for cycle and exits 0 from the CLI', async () => {
    const { stdout } = await run(process.execPath, [projectFile('dist/src/cli/main.js'), 'demo', 'deadlock']);
    expect(stdout).toMatch(/DEADLOCK: t2:write-B-from-view-of-A#\d+ -> waits for -> t1:write-A-from-view-of-B#\d+/);
    expect(stdout).toMatch(/completed; data verified\n\s+.*\n.*\n\s+locks dropped by the fault handler: [1-9]/);
  });
});
