// The embedded cluster is created by a child process (its initdb memory leaves with it) in a
// staging directory, then moved into place: what a start finds is a whole cluster or nothing.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseFailedError } from '../../src/storage/db.js';
import { openPglite } from '../../src/storage/pglite-adapter.js';
import { createClusterApart } from '../../src/storage/pglite-initdb.js';
import { tempDir } from '../support/cli.js';
import { canMountSmallDisk, mountSmallDisk } from '../support/disk-mount.js';

const CONF = ['shared_buffers=16MB'];

describe('creating the embedded cluster', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });
  const scratch = () => {
    const t = tempDir('outdial-initdb-');
    cleanups.push(() => t.remove());
    return t.dir;
  };

  it('creates a missing cluster apart and moves it into place; the server opens it with its settings', async () => {
    const root = scratch();
    const dataDir = path.join(root, 'pgdata');
    await createClusterApart(dataDir, CONF);
    expect(existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);
    expect(readdirSync(root)).toEqual(['pgdata']);
    const db = await openPglite(dataDir);
    try {
      const [row] = await db.query<{ shared_buffers: string }>('SHOW shared_buffers');
      expect(row!.shared_buffers).toBe('16MB');
    } finally {
      await db.close();
    }
  });

  it('discards what a start killed during creation left, and creates the cluster again', async () => {
    const root = scratch();
    const dataDir = path.join(root, 'pgdata');
    mkdirSync(`${dataDir}.creating/base`, { recursive: true });
    writeFileSync(`${dataDir}.creating/PG_VERSION`, '1');
    mkdirSync(dataDir);
    await createClusterApart(dataDir, CONF);
    expect(readdirSync(root)).toEqual(['pgdata']);
    const db = await openPglite(dataDir);
    await expect(db.query('SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
    await db.close();
  });

  it('leaves an existing cluster as it is', async () => {
    const dataDir = path.join(scratch(), 'pgdata');
    const first = await openPglite(dataDir);
    await first.query('CREATE TABLE kept (id int)');
    await first.query('INSERT INTO kept VALUES (7)');
    await first.close();
    await createClusterApart(dataDir, CONF);
    const again = await openPglite(dataDir);
    await expect(again.query('SELECT id FROM kept')).resolves.toEqual([{ id: 7 }]);
    await again.close();
  });

  describe.skipIf(!canMountSmallDisk())('on a disk too small for a cluster', () => {
    it('fails as a full disk, leaving nothing behind', async () => {
      const disk = mountSmallDisk(8);
      cleanups.push(() => disk.remove());
      const dataDir = path.join(disk.dir, 'pgdata');
      const err = await createClusterApart(dataDir, CONF).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatabaseFailedError);
      expect((err as DatabaseFailedError).failure).toMatchObject({
        reason: 'disk_full',
        detail: expect.stringContaining('ENOSPC'),
      });
      expect(readdirSync(disk.dir)).toEqual([]);
    });
  });
});
