/**
 * Extended attributes are deliberately not stored: LISTXATTR lists none (both the size probe and
 * the list itself), as the VFS does for a filesystem without xattr handlers; GETXATTR, SETXATTR and
 * REMOVEXATTR get ENOSYS, which the kernel turns into EOPNOTSUPP for the rest of the mount.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { constants } from 'node:os';
import { Opcode } from '../../../src/fuse/kernel/opcodes.js';
import * as S from '../../../src/fuse/kernel/structs.js';
import { bridgeHarness, decodeAs, type BridgeHarness } from './bridge-harness.js';

const ROOT = 1;
const { errno } = constants;

describe('xattr requests on the kernel bridge', () => {
  let h: BridgeHarness;
  beforeEach(async () => (h = await bridgeHarness()));
  afterEach(async () => h.close());

  it('LISTXATTR lists nothing: a zero length for the size probe, an empty list otherwise', async () => {
    const probe = await h.call(Opcode.LISTXATTR, ROOT, [[S.getxattrIn, { size: 0 }]]);
    expect([probe?.error, decodeAs(S.getxattrOut, probe!.body).size]).toEqual([0, 0]);
    const list = await h.call(Opcode.LISTXATTR, ROOT, [[S.getxattrIn, { size: 4096 }]]);
    expect([list?.error, list?.body.length]).toEqual([0, 0]);
    expect((await h.call(Opcode.LISTXATTR, 999, [[S.getxattrIn, { size: 0 }]]))?.error).toBe(-errno.ENOENT);
  });

  it('GETXATTR, SETXATTR and REMOVEXATTR get ENOSYS', async () => {
    expect((await h.call(Opcode.GETXATTR, ROOT, [[S.getxattrIn, { size: 64 }], 'user.a']))?.error).toBe(-errno.ENOSYS);
    expect((await h.call(Opcode.SETXATTR, ROOT, [[S.getxattrIn, { size: 1 }], 'user.a', Buffer.from('v')]))?.error).toBe(-errno.ENOSYS);
    expect((await h.call(Opcode.REMOVEXATTR, ROOT, ['user.a']))?.error).toBe(-errno.ENOSYS);
  });
});
