/**
 * Page-aligned memory for O_DIRECT from Node. A kernel filesystem refuses (EINVAL) an O_DIRECT buffer
 * that is not aligned to its logical block size, and Node's Buffers are only malloc-aligned (16 bytes).
 * WebAssembly memory is mapped by V8 on page boundaries (measured: its offset 0 passes O_DIRECT on ext4).
 */
// lib ES2022 without DOM types: the one WebAssembly piece used here.
declare const WebAssembly: { Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer } };

const WASM_PAGE = 64 * 1024;

export function alignedBuffer(size: number): Buffer {
  if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`bad aligned buffer size: ${size}`);
  const memory = new WebAssembly.Memory({ initial: Math.ceil(size / WASM_PAGE) });
  return Buffer.from(memory.buffer, 0, size);
}
