// The embedded database on a real small disk (a tmpfs): the write that fills it fails the
// database at once, every call then rejects at once (none hangs, none is held by PGlite), and
// what was committed before is there when the database is opened again with space freed.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseFailedError, type Db } from '../../src/storage/db.js';
import { openDatabase } from '../../src/storage/open-database.js';
import { canMountSmallDisk, mountSmallDisk, type SmallDisk } from '../support/disk-mount.js';
import { watchEventLoop } from '../support/event-loop-watchdog.js';

const ROWS_PER_TX = 500;
const FILL = `INSERT INTO filling (body) SELECT repeat('x', 1000) || g FROM generate_series(1, ${ROWS_PER_TX}) g`;

/** How long `op` takes to settle, and how: resolves or the error it rejects with. */
async function timed(op: () => Promise<unknown>): Promise<{ ms: number; error?: unknown }> {
  const started = performance.now();
  try {
    await op();
    return { ms: performance.now() - started };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

/** Fills the disk one committed transaction at a time; returns how many committed and the error. */
async function fillUntilFailure(db: Db): Promise<{ committed: number; error: unknown }> {
  for (let committed = 0; ; committed++) {
    // A read queued behind the transaction that fails must not wait on PGlite for ever.
    const [write, read] = await Promise.allSettled([
      db.tx((q) => q.query(FILL)),
      db.query('SELECT count(*) AS n FROM filling'),
    ]);
    if (write.status === 'rejected') {
      expect(read.status).toBe('rejected');
      if (read.status === 'rejected') expect(read.reason).toBeInstanceOf(DatabaseFailedError);
      return { committed, error: write.reason };
    }
    if (committed > 10_000) throw new Error('the disk never filled');
  }
}

describe.skipIf(!canMountSmallDisk())('embedded database on a disk that fills up', () => {
  let disk: SmallDisk | undefined;
  const dbs: Db[] = [];
  // A database that spins instead of failing blocks this thread: fail the run, never hang it.
  let unwatch: () => Promise<void>;
  beforeAll(() => {
    unwatch = watchEventLoop('the embedded database on a full disk');
  });
  afterAll(() => unwatch());

  afterEach(async () => {
    for (const db of dbs.splice(0)) await db.close().catch(() => {});
    disk?.remove();
    disk = undefined;
  });

  const open = async (dataDir: string) => {
    const db = await openDatabase({ kind: 'pglite-dir', dataDir });
    dbs.push(db);
    return db;
  };

  it('fails at the first refused write, rejects every call at once, and keeps every commit', async () => {
    disk = mountSmallDisk(60);
    const dataDir = path.join(disk.dir, 'data');
    const db = await open(dataDir);
    await db.exec(db, 'CREATE TABLE filling (id serial PRIMARY KEY, body text NOT NULL)');

    const { committed, error } = await fillUntilFailure(db);
    expect(committed).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(DatabaseFailedError);
    expect((error as DatabaseFailedError).failure).toMatchObject({
      reason: 'disk_full',
      detail: expect.stringContaining('ENOSPC'),
    });
    expect(db.failure?.()).toEqual((error as DatabaseFailedError).failure);
    await expect(db.whenFailed?.()).resolves.toEqual((error as DatabaseFailedError).failure);

    // Nothing reaches PGlite any more: every kind of call is refused at once.
    for (const op of [
      () => db.query('SELECT 1'),
      () => db.tx((q) => q.query('SELECT 1')),
      () => db.exec(db, 'SELECT 1'),
      () => db.listen('anything', () => {}),
      () => db.notify('anything'),
    ]) {
      const r = await timed(op);
      expect(r.error).toBeInstanceOf(DatabaseFailedError);
      expect(r.ms).toBeLessThan(100);
    }
    // Closing does not wait on the failed database, and gives the data directory back.
    const closed = await timed(() => db.close());
    expect(closed.error).toBeUndefined();
    expect(closed.ms).toBeLessThan(1_000);
    expect(existsSync(path.join(dataDir, 'outdial.lock'))).toBe(false);

    // Space freed: the next open recovers exactly what was committed, and takes writes again.
    disk.resize(200);
    const again = await open(dataDir);
    const [before] = await again.query<{ n: number }>('SELECT count(*)::int AS n FROM filling');
    expect(before!.n).toBe(committed * ROWS_PER_TX);
    await again.tx((q) => q.query(FILL));
    const [after] = await again.query<{ n: number }>('SELECT count(*)::int AS n FROM filling');
    expect(after!.n).toBe((committed + 1) * ROWS_PER_TX);
  });

  // Left: nothing at all (the lock file cannot be written), or one page (PostgreSQL's own
  // start-up writes are refused).
  it.each([
    ['no byte', 0],
    ['one page', 4096],
  ])('an open on a disk that is still full (%s left) fails at once', async (_, left) => {
    disk = mountSmallDisk(60);
    const dataDir = path.join(disk.dir, 'data');
    const db = await open(dataDir);
    await db.exec(db, 'CREATE TABLE filling (id serial PRIMARY KEY, body text NOT NULL)');
    await fillUntilFailure(db);
    await db.close();
    disk.fill(left);

    const reopened = await timed(() => open(dataDir));
    expect(reopened.error).toBeInstanceOf(DatabaseFailedError);
    expect((reopened.error as DatabaseFailedError).failure.reason).toBe('disk_full');
    expect(reopened.ms).toBeLessThan(15_000);
    expect(existsSync(path.join(dataDir, 'outdial.lock'))).toBe(false);
  });
});
