/**
 * The control socket of a running daemon: how `coherefs stats` and `coherefs umount` reach it.
 * A Unix socket in the runtime directory (runtime-dir.ts; mode 0700, socket 0600: the mounting user
 * only, DESIGN §5), named after the mountpoint, speaking one JSON line each way. Nothing listens on a
 * network address.
 */
import { createHash } from 'node:crypto';
import { chmod, realpath, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { RUNTIME_DIR, checkRuntimeDir, ensureRuntimeDir } from './runtime-dir.js';

/** umount(8) (refused while busy), umount -l (finish after the last close), umount -f (abort the connection). */
export type UnmountMode = 'normal' | 'lazy' | 'force';
export type ControlRequest = { op: 'stats' } | { op: 'unmount'; mode?: UnmountMode };
export type ControlHandler = (request: ControlRequest) => Promise<unknown>;

/** What names a mount's socket (and its logs, daemon-log.ts): a hash of the mountpoint's real path. */
export function mountKey(realMountpoint: string): string {
  return createHash('sha256').update(realMountpoint).digest('hex').slice(0, 16);
}

/** The socket path of the daemon serving `mountpoint` (an existing directory). */
export async function controlSocketPath(mountpoint: string): Promise<string> {
  return join(RUNTIME_DIR, `${mountKey(await realpath(mountpoint))}.sock`);
}

export async function listenControl(socketPath: string, handle: ControlHandler): Promise<Server> {
  await ensureRuntimeDir();
  await rm(socketPath, { force: true });
  const server = createServer((socket) => {
    let input = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      input += chunk;
      const newline = input.indexOf('\n');
      if (newline < 0) return;
      let request: ControlRequest;
      try {
        request = JSON.parse(input.slice(0, newline)) as ControlRequest;
      } catch {
        socket.end(JSON.stringify({ error: 'bad request' }) + '\n');
        return;
      }
      handle(request).then(
        (result) => socket.end(JSON.stringify({ result }) + '\n'),
        // The errno code travels too: the CLI names the processes that keep a mount busy.
        (err: NodeJS.ErrnoException) => socket.end(JSON.stringify({ error: err.message, code: err.code }) + '\n'),
      );
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  await chmod(socketPath, 0o600);
  return server;
}

/** Stop accepting; the connection that asked for the unmount still gets its answer. */
export async function closeControl(server: Server, socketPath: string): Promise<void> {
  server.close();
  await rm(socketPath, { force: true });
}

/** How long an exiting daemon waits for its callers to read their answers (a hung caller must not hang it). */
const DRAIN_TIMEOUT_MS = 5000;

/**
 * Resolves once every connection to a closed control socket has ended, so that the answer to
 * `coherefs umount` is out before the daemon exits: the unmount finishes (and the daemon would
 * exit) in the same turn as the answer is written. At most DRAIN_TIMEOUT_MS.
 */
export function controlDrained(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, DRAIN_TIMEOUT_MS);
    // On a closed server the callback runs at its 'close' event, once no connection is left.
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Send one request to the daemon serving `mountpoint`; rejects when no daemon answers there, or when
 * none answered within `timeoutMs` (a hung daemon must not hang its callers too).
 */
export async function requestControl(mountpoint: string, request: ControlRequest, timeoutMs: number): Promise<unknown> {
  const socketPath = await controlSocketPath(mountpoint);
  if (!(await checkRuntimeDir())) throw new Error(`no coherefs daemon serves ${mountpoint}`);
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the coherefs daemon serving ${mountpoint} did not answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    socket.on('close', () => clearTimeout(timer));
    let output = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(JSON.stringify(request) + '\n'));
    socket.on('data', (chunk: string) => (output += chunk));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? `no coherefs daemon serves ${mountpoint}` : err.message)),
    );
    socket.on('end', () => {
      try {
        const answer = JSON.parse(output) as { result?: unknown; error?: string; code?: string };
        if (answer.error) reject(Object.assign(new Error(answer.error), { code: answer.code }));
        else resolve(answer.result);
      } catch {
        reject(new Error(`the daemon serving ${mountpoint} sent no answer`));
      }
    });
  });
}
