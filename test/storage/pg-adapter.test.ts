import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { isConnectionError } from '../../src/storage/db.js';
import { openPostgres } from '../../src/storage/pg-adapter.js';
import { createPostgresDatabase, postgresReachable } from '../support/databases.js';

// The adapter's behaviour when PostgreSQL drops a connection in the middle of a transaction (a
// restart, a failover, an administrator): the transaction fails with a connection error, the
// process stays up, the broken connection is not reused, and recovery is reported once.

const pgOk = await postgresReachable();

describe.runIf(pgOk)('pg adapter and lost connections', () => {
  let drop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await drop?.();
    drop = undefined;
  });

  it('a connection killed mid-transaction fails that transaction only, and the pool recovers', async () => {
    const created = await createPostgresDatabase();
    drop = created.drop;
    const errors: Error[] = [];
    let restored = 0;
    const db = await openPostgres(created.url, {
      max: 1,
      onError: (err) => errors.push(err),
      onRestore: () => restored++,
    });
    const admin = new pg.Client({ connectionString: created.url });
    await admin.connect();
    try {
      const failed = await db
        .tx(async (q) => {
          const [me] = await q.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          await admin.query('SELECT pg_terminate_backend($1)', [me!.pid]);
          // Give the server's goodbye time to arrive on this connection.
          await new Promise((r) => setTimeout(r, 200));
          await q.query('SELECT 1');
        })
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(isConnectionError(failed)).toBe(true);
      expect(errors.length).toBeGreaterThan(0);
      expect(restored).toBe(0);
      // With a pool of one, this only works if the broken client was discarded.
      expect(await db.tx((q) => q.query<{ ok: number }>('SELECT 1 AS ok'))).toEqual([{ ok: 1 }]);
      expect(restored).toBe(1);
      expect(await db.query<{ ok: number }>('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
      expect(restored).toBe(1);
    } finally {
      await admin.end();
      await db.close();
    }
  });
});
