/**
 * What the kernel transport's hand-off costs, alone: a request read by a reader thread, posted to
 * the JS main thread (which owns the Vfs) and answered from there, against the same request answered
 * in the thread that read it (DESIGN.md §8). Both run the transport's own reader thread or reply
 * encoding over a pair of FIFOs instead of /dev/fuse, with one client thread making one request at a
 * time (a 4k READ and its reply: fio with one job, iodepth 1), so the difference in round trips per
 * second is what the hop to the main thread adds to each request. Rounds alternate which way runs
 * first, and each round's two figures are paired, as the fio bench does.
 */
import { execFile } from 'node:child_process';
import { closeSync, openSync, writeSync, writevSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { dataReply } from '../src/fuse/kernel/reply.js';
import { cleanUpOnSignal } from '../src/util/cleanup-on-signal.js';
import { projectFile } from '../src/util/project-file.js';
import type { ReaderMessage, ReaderWorkerData } from '../src/fuse/kernel/reader-worker.js';
import { median } from './paired-ratios.js';

const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface HandOffWorkerData {
  role: 'client' | 'server';
  requestFd: number;
  replyFd: number;
  /** The client's time to run, in ms. */
  durationMs?: number;
}

/** A fuse_in_header and a fuse_read_in: what the kernel sends for a READ. */
export const REQUEST_BYTES = 80;
/** The data of each reply: one 4k page, as a READ of a cached page returns. */
export const REPLY_DATA_BYTES = 4096;
/** The reply's fuse_out_header. */
export const REPLY_BYTES = 16 + REPLY_DATA_BYTES;
/** A request whose first byte is this ends the server. */
export const STOP = 0xff;

/** What the client posts when its time is up. */
export interface ClientResult {
  requests: number;
  seconds: number;
}

/** As many reader threads as the kernel transport starts (src/fuse/kernel/session.ts). */
const READERS = 2;
const WARM_UP_SECONDS = 0.5;
const WAYS = ['main thread', 'reader thread'] as const;
export type HandOffWay = (typeof WAYS)[number];

export interface HandOffReport {
  secondsPerRun: number;
  /** Round trips per second, every round's, per way. */
  rates: Record<HandOffWay, number[]>;
  /** Per round: µs per request answered from the main thread minus from the reader thread. */
  addedUs: number[];
}

interface Channel {
  requestFd: number;
  replyFd: number;
  close(): Promise<void>;
}

/** Two fresh FIFOs, opened read-write (so opening never blocks), removed again by close. */
async function openChannel(): Promise<Channel> {
  const dir = await mkdtemp(join(tmpdir(), 'coherefs-hand-off-'));
  const [request, reply] = [join(dir, 'request'), join(dir, 'reply')];
  await run('mkfifo', [request, reply]);
  const requestFd = openSync(request, 'r+');
  const replyFd = openSync(reply, 'r+');
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  const forget = cleanUpOnSignal(remove);
  return {
    requestFd,
    replyFd,
    close: async () => {
      closeSync(requestFd);
      closeSync(replyFd);
      await remove();
      forget();
    },
  };
}

function worker(file: string, data: HandOffWorkerData | ReaderWorkerData, transferList: MessagePort[] = []): Worker {
  return new Worker(file, { workerData: data, transferList });
}

function exitOf(thread: Worker): Promise<void> {
  return new Promise((resolve) => thread.once('exit', () => resolve()));
}

/** The client's round trips against servers already listening on `channel`. */
async function runClient(channel: Channel, durationMs: number): Promise<ClientResult> {
  const client = worker(projectFile('dist/bench/hand-off-worker.js'), { role: 'client', requestFd: channel.requestFd, replyFd: channel.replyFd, durationMs });
  const exit = exitOf(client);
  const result = new Promise<ClientResult>((resolve, reject) => {
    client.once('message', resolve);
    client.once('error', reject);
  });
  return result.finally(() => exit);
}

/** The kernel transport's reader threads post each request; this thread encodes and writes the reply. */
async function viaMainThread(channel: Channel, durationMs: number): Promise<ClientResult> {
  const data = new Uint8Array(REPLY_DATA_BYTES);
  let stopping = false;
  const requestsRead = new BigInt64Array(new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT));
  const readers = Array.from({ length: READERS }, () => {
    const served = new MessageChannel();
    const reader = worker(projectFile('dist/src/fuse/kernel/reader-worker.js'), { fd: channel.requestFd, bufferBytes: 8192, requestsRead, served: served.port2 }, [served.port2]);
    reader.on('message', (message: ReaderMessage) => {
      if (stopping || !('request' in message)) return;
      writevSync(channel.replyFd, dataReply(1n, data));
      served.port1.postMessage(message.request, [message.request]);
    });
    reader.once('exit', () => served.port1.close());
    return reader;
  });
  const exits = readers.map(exitOf);
  try {
    return await runClient(channel, durationMs);
  } finally {
    // A reader blocked in read(2) ends only once the read returns: feed one request at a time until all are gone.
    stopping = true;
    let running = readers.length;
    for (const exit of exits) void exit.then(() => running--);
    for (const reader of readers) void reader.terminate();
    while (running > 0) {
      writeSync(channel.requestFd, Buffer.alloc(REQUEST_BYTES));
      await sleep(10);
    }
  }
}

/** One server thread answers each request itself. */
async function inReaderThread(channel: Channel, durationMs: number): Promise<ClientResult> {
  const server = worker(projectFile('dist/bench/hand-off-worker.js'), { role: 'server', requestFd: channel.requestFd, replyFd: channel.replyFd });
  const exit = exitOf(server);
  try {
    return await runClient(channel, durationMs);
  } finally {
    writeSync(channel.requestFd, Buffer.alloc(REQUEST_BYTES, STOP));
    await exit;
  }
}

async function measure(way: HandOffWay, seconds: number): Promise<number> {
  const channel = await openChannel();
  try {
    const { requests, seconds: elapsed } = await (way === 'main thread' ? viaMainThread : inReaderThread)(channel, seconds * 1000);
    return requests / elapsed;
  } finally {
    await channel.close();
  }
}

/** `rounds` paired rounds of both ways, `seconds` each; `progress` hears of each run as it starts. */
export async function measureHandOff(rounds: number, seconds: number, progress: (line: string) => void = () => undefined): Promise<HandOffReport> {
  const rates: Record<HandOffWay, number[]> = { 'main thread': [], 'reader thread': [] };
  const addedUs: number[] = [];
  progress(`hand-off: ${WAYS.length} ways × ${rounds} round${rounds === 1 ? '' : 's'} of ${seconds} s, about ${Math.round((WAYS.length * rounds * (seconds + 0.3) + 2))} s`);
  // The first runs in a process are slower (loading and compiling the threads' code): not kept.
  for (const way of WAYS) await measure(way, WARM_UP_SECONDS);
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? WAYS : [...WAYS].reverse();
    const rate: Partial<Record<HandOffWay, number>> = {};
    for (const way of order) {
      progress(`hand-off: answered in the ${way}, round ${round}/${rounds}`);
      rate[way] = await measure(way, seconds);
      rates[way].push(rate[way]);
    }
    addedUs.push(1e6 / rate['main thread']! - 1e6 / rate['reader thread']!);
  }
  return { secondsPerRun: seconds, rates, addedUs };
}

/** The hand-off's Markdown: round trips per second each way, and the µs the hop adds per request. */
export function handOffMarkdown(report: HandOffReport): string {
  const rate = (way: HandOffWay): string => Math.round(median(report.rates[way])).toLocaleString('en-US');
  const us = (value: number): string => value.toFixed(1);
  const added = report.addedUs;
  const spread = added.length > 1 ? ` (${us(Math.min(...added))}–${us(Math.max(...added))})` : '';
  const ratios = report.rates['main thread'].map((value, i) => value / report.rates['reader thread'][i]!);
  return (
    `The hand-off alone (bench/hand-off.ts: the transport's reader threads and reply encoding over FIFOs, one request at a time, ` +
    `${report.secondsPerRun} s per run, ${added.length} paired round${added.length === 1 ? '' : 's'}): ` +
    `${rate('main thread')} round trips/s answered from the main thread, ${rate('reader thread')}/s answered in the thread that read them ` +
    `(${median(ratios).toFixed(2)}×); the hop to the main thread adds **${us(median(added))} µs**${spread} per request.`
  );
}
