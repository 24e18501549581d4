// Unix socket paths longer than sun_path are silently truncated by Node: never use one.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminSocketFile, SUN_PATH_MAX, socketAddress } from '../../src/cli/admin-socket-path.js';

describe('admin socket address', () => {
  it('is the absolute path when it fits', () => {
    const file = adminSocketFile('/srv/outdial/data');
    expect(socketAddress(file, '/home/me')).toEqual({
      ok: true,
      path: '/srv/outdial/data/outdial.sock',
    });
  });

  it('falls back to the path from the current directory when the absolute one is too long', () => {
    const deep = `/home/me/${'projects/'.repeat(12)}outdial`;
    const file = adminSocketFile(path.join(deep, 'data'));
    expect(Buffer.byteLength(file)).toBeGreaterThan(SUN_PATH_MAX);
    expect(socketAddress(file, deep)).toEqual({ ok: true, path: 'data/outdial.sock' });
  });

  it('says why when neither fits', () => {
    const deep = `/${'x'.repeat(120)}/data`;
    const address = socketAddress(adminSocketFile(deep), '/');
    expect(address).toEqual({
      ok: false,
      reason: expect.stringContaining(
        `is ${deep.length + 13} bytes, longer than a Unix socket allows (${SUN_PATH_MAX})`,
      ),
    });
  });

  it('counts bytes, not characters', () => {
    const file = `/${'é'.repeat(60)}/outdial.sock`;
    expect(file.length).toBeLessThanOrEqual(SUN_PATH_MAX);
    expect(socketAddress(file, '/').ok).toBe(false);
  });
});
