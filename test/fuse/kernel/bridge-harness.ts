/**
 * Drives a KernelBridge over a Vfs on an in-memory image the way /dev/fuse does: requests are
 * encoded with the protocol's own layouts (header, struct, names, data) and each reply is decoded.
 */
import { pino } from 'pino';
import type { MemoryDevice } from '../../../src/fs/api.js';
import { KernelBridge } from '../../../src/fuse/kernel-bridge.js';
import type { KernelPageCache } from '../../../src/fuse/kernel/kernel-page-cache.js';
import { viewOf, type Layout } from '../../../src/fuse/kernel/layout.js';
import type { Reply } from '../../../src/fuse/kernel/reply.js';
import * as S from '../../../src/fuse/kernel/structs.js';
import type { Vfs } from '../../../src/vfs/api.js';
import { freshVfs } from '../../vfs/helpers.js';

/** A piece of a request body: a struct with its value, a name (NUL added), or raw bytes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each part pairs a layout with its own value type
export type BodyPart = readonly [Layout<any>, unknown] | string | Uint8Array;

export interface Answer {
  error: number;
  body: Uint8Array;
}

export interface BridgeHarness {
  vfs: Vfs;
  /** The in-memory image under the Vfs. */
  device: MemoryDevice;
  /** Send one request; resolves with its reply, or null when none came within `quietMs`. */
  call(opcode: number, nodeid: number, parts?: BodyPart[], caller?: { uid: number; gid: number; pid: number }, quietMs?: number): Promise<Answer | null>;
  close(): Promise<void>;
}

function encodeBody(parts: BodyPart[]): Uint8Array {
  const chunks = parts.map((part) => {
    if (typeof part === 'string') return Buffer.from(`${part}\0`, 'utf8');
    if (part instanceof Uint8Array) return part;
    const [layout, value] = part;
    const bytes = new Uint8Array(layout.size);
    layout.write(viewOf(bytes), 0, value);
    return bytes;
  });
  return Buffer.concat(chunks);
}

/** `kernelPages`: the bridge's keeper of the kernel's page cache (none: no notifications). */
export async function bridgeHarness(kernelPages?: KernelPageCache): Promise<BridgeHarness> {
  const { vfs, device } = await freshVfs({}, 16 * 2 ** 20);
  const waiting = new Map<bigint, (answer: Answer) => void>();
  const send = (reply: Reply): void => {
    const bytes = Buffer.concat(reply);
    const header = S.outHeader.read(viewOf(bytes), 0);
    if (header.len !== bytes.length) throw new Error(`reply says ${header.len} bytes, is ${bytes.length}`);
    waiting.get(header.unique)?.({ error: header.error, body: bytes.subarray(S.outHeader.size) });
  };
  const bridge = new KernelBridge(vfs, pino({ level: 'silent' }), send, { onInit: () => undefined }, kernelPages);
  let unique = 0n;
  return {
    vfs,
    device,
    call(opcode, nodeid, parts = [], caller = { uid: 0, gid: 0, pid: 1 }, quietMs = 5000) {
      unique += 2n;
      const body = encodeBody(parts);
      const request = new Uint8Array(S.inHeader.size + body.length);
      S.inHeader.write(viewOf(request), 0, { len: request.length, opcode, unique, nodeid, ...caller, totalExtlen: 0 });
      request.set(body, S.inHeader.size);
      const id = unique;
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          resolve(null);
        }, quietMs);
        waiting.set(id, (answer) => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve(answer);
        });
        bridge.handle(request);
      });
    },
    close: () => vfs.close(),
  };
}

/** Decode a reply body as `layout`. */
export function decodeAs<T>(layout: Layout<T>, body: Uint8Array, at = 0): T {
  return layout.read(viewOf(body), at);
}
