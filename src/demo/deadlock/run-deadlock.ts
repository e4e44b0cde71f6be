/**
 * `demo deadlock`: direct writes whose source is a mapped view, in process (the page-cache core,
 * over in-memory files), with the fault handler's faults_disabled_mapping checks off and on.
 *
 *  abba  task 1 direct-writes A from a view of B while task 2 direct-writes B from a view of A.
 *        Both are held at 'dio-write:after-evict' until both hold their block side (the unlucky
 *        interleaving, forced), then each faults on the file the other one blocks.
 *  self  one direct write to F from a view of F (source pages not resident).
 *
 * Checks off: the tasks hang, and a watchdog (reportWaitFor) names the wait-for cycle. Checks on:
 * abba completes (the higher-ordered fault drops its write's lock, waits, retakes it, and the write
 * retries) with the right data; self is refused with EFAULT, as bcachefs refuses it.
 */
import { MemoryStore, PAGE_SIZE, PageCache, directWrite, mmap, reportWaitFor, runTask, type StatsSnapshot } from '../../mm/api.js';

export type ScenarioName = 'abba' | 'self';

export interface ScenarioResult {
  scenario: ScenarioName;
  faultChecks: 'off' | 'on';
  /** deadlock: the watchdog found a wait-for cycle; completed: every write returned; refused: a write failed. */
  outcome: 'deadlock' | 'completed' | 'refused';
  /** The watchdog's report (who holds which side of which lock, who waits for what). */
  waitFor: string;
  deadlockCycle: string[] | null;
  /** The error a refused write returned (e.g. EFAULT). */
  error: string | null;
  locksDropped: number;
  dioRetries: number;
  faultErrors: number;
  /** Completed writes: the stores hold exactly the source bytes. null when nothing completed. */
  dataVerified: boolean | null;
}

export interface DeadlockResult {
  scenarios: ScenarioResult[];
}

const FILE_PAGES = 8;
const WRITE_PAGES = 4;
/** The watchdog looks this often, and gives up (no cycle, no progress) after WATCHDOG_LIMIT_MS. */
const WATCHDOG_POLL_MS = 20;
const WATCHDOG_LIMIT_MS = 5000;

interface Running {
  cache: PageCache;
  writes: Array<Promise<unknown>>;
  verify: () => boolean;
}

/** `pages` pages, page i filled with the byte (fill + i) & 0xff: any misplaced page shows. */
function filledPages(pages: number, fill: number): Uint8Array {
  const bytes = new Uint8Array(pages * PAGE_SIZE);
  for (let i = 0; i < pages; i++) bytes.fill((fill + i) & 0xff, i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
  return bytes;
}

function newCache(faultChecks: boolean): PageCache {
  return new PageCache({ cacheSize: 64 * PAGE_SIZE, coherence: 'locked', unsafeDisableFaultChecks: !faultChecks });
}

function startAbba(faultChecks: boolean): Running {
  const cache = newCache(faultChecks);
  const original = { a: filledPages(FILE_PAGES, 0x10), b: filledPages(FILE_PAGES, 0x50) };
  const storeA = new MemoryStore({ initial: original.a });
  const storeB = new MemoryStore({ initial: original.b });
  const a = cache.createMapping(storeA, 'A');
  const b = cache.createMapping(storeB, 'B');
  let arrived = 0;
  let bothHoldBlock!: () => void;
  const rendezvous = new Promise<void>((resolve) => (bothHoldBlock = resolve));
  cache.scheduleHook = async (point) => {
    if (point !== 'dio-write:after-evict') return;
    if (++arrived === 2) bothHoldBlock();
    await rendezvous;
  };
  const at = WRITE_PAGES * PAGE_SIZE;
  const writes = [
    runTask('t1:write-A-from-view-of-B', () => directWrite(a, at, mmap(b, 0, at))),
    runTask('t2:write-B-from-view-of-A', () => directWrite(b, at, mmap(a, 0, at))),
  ];
  const same = (x: Uint8Array, y: Uint8Array) => Buffer.from(x).equals(Buffer.from(y));
  const verify = () =>
    same(storeA.contents().subarray(at, 2 * at), original.b.subarray(0, at)) &&
    same(storeB.contents().subarray(at, 2 * at), original.a.subarray(0, at));
  return { cache, writes, verify };
}

function startSelf(faultChecks: boolean): Running {
  const cache = newCache(faultChecks);
  const store = new MemoryStore({ initial: filledPages(FILE_PAGES, 0x90) });
  const file = cache.createMapping(store, 'F');
  const writes = [runTask('t1:write-F-from-view-of-F', () => directWrite(file, 0, mmap(file, WRITE_PAGES * PAGE_SIZE, 2 * PAGE_SIZE)))];
  return { cache, writes, verify: () => false };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Watch the tasks until they all settle or the watchdog finds them in a wait-for cycle. */
async function watch(running: Running): Promise<{ settled: PromiseSettledResult<unknown>[] | null; report: ReturnType<typeof reportWaitFor> }> {
  let settled: PromiseSettledResult<unknown>[] | null = null;
  void Promise.allSettled(running.writes).then((results) => (settled = results));
  for (let waited = 0; ; waited += WATCHDOG_POLL_MS) {
    await sleep(WATCHDOG_POLL_MS);
    if (settled) return { settled, report: reportWaitFor(running.cache.mappings) };
    const report = reportWaitFor(running.cache.mappings);
    if (report.deadlock) return { settled: null, report };
    if (waited >= WATCHDOG_LIMIT_MS) throw new Error(`no progress and no wait-for cycle after ${WATCHDOG_LIMIT_MS} ms:\n${report.text}`);
  }
}

async function runScenario(scenario: ScenarioName, faultChecks: boolean): Promise<ScenarioResult> {
  const running = scenario === 'abba' ? startAbba(faultChecks) : startSelf(faultChecks);
  const { settled, report } = await watch(running);
  const stats: StatsSnapshot = running.cache.stats.snapshot();
  const failure = settled?.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  // A deadlocked cache is left as it is: its tasks never return, and it holds only memory.
  if (settled) await running.cache.close();
  return {
    scenario,
    faultChecks: faultChecks ? 'on' : 'off',
    outcome: !settled ? 'deadlock' : failure ? 'refused' : 'completed',
    waitFor: report.text,
    deadlockCycle: report.deadlock,
    error: failure ? String((failure.reason as Error).message ?? failure.reason) : null,
    locksDropped: stats.locksDropped,
    dioRetries: stats.dioRetries,
    faultErrors: stats.faultErrors,
    dataVerified: settled && !failure ? running.verify() : null,
  };
}

export async function runDeadlockDemo(): Promise<DeadlockResult> {
  const scenarios: ScenarioResult[] = [];
  for (const scenario of ['abba', 'self'] as const) for (const checks of [false, true]) scenarios.push(await runScenario(scenario, checks));
  return { scenarios };
}
