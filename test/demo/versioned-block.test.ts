/** Guards the self-describing block: a reader must tell versions apart and spot a torn block. */
import { describe, expect, it } from 'vitest';
import { decodeBlock, encodeBlock } from '../../src/demo/workload/versioned-block.js';

describe('versioned block', () => {
  it('round-trips index and version', () => {
    const block = Buffer.alloc(4096);
    encodeBlock(block, 7, 42);
    expect(decodeBlock(block, 7)).toEqual({ state: 'ok', version: 42 });
  });

  it('reports a block mixing two versions as torn', () => {
    const older = Buffer.alloc(4096);
    const newer = Buffer.alloc(4096);
    encodeBlock(older, 3, 1);
    encodeBlock(newer, 3, 2);
    newer.set(older.subarray(2048), 2048);
    expect(decodeBlock(newer, 3).state).toBe('torn');
  });

  it('reports a block of another index, or never written, as torn', () => {
    const block = Buffer.alloc(512);
    expect(decodeBlock(block, 0).state).toBe('torn');
    encodeBlock(block, 1, 5);
    expect(decodeBlock(block, 2).state).toBe('torn');
  });
});
