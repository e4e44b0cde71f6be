/** Guards the demo's fault-injection mount option: off by default, bounded, refused when malformed. */
import { describe, expect, it } from 'vitest';
import { MountOptionError, parseMountOptions } from '../../src/cli/daemon/mount-config.js';

describe('mount option dio_evict_delay_ms', () => {
  it('is off unless asked for', () => {
    expect(parseMountOptions('coherence=evict').dioEvictDelayMs).toBe(0);
    expect(parseMountOptions('coherence=evict,dio_evict_delay_ms=3').dioEvictDelayMs).toBe(3);
  });

  it('refuses values that are not whole milliseconds from 0 to 1000', () => {
    for (const bad of ['dio_evict_delay_ms', 'dio_evict_delay_ms=', 'dio_evict_delay_ms=-1', 'dio_evict_delay_ms=1.5', 'dio_evict_delay_ms=1001', 'dio_evict_delay_ms=x']) {
      expect(() => parseMountOptions(bad), bad).toThrow(MountOptionError);
    }
  });
});
