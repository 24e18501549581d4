import { BOOTSTRAP_LOCK } from './advisory-locks.js';
import type { Db, Queryable } from './db.js';

// BOOTSTRAP_LOCK is held while deciding whether this database needs its first workspace, so API
// processes that start together on one PostgreSQL create it once.

/** Runs `fn` under the bootstrap lock, in one transaction. */
export function withBootstrapLock<T>(db: Db, fn: (q: Queryable) => Promise<T>): Promise<T> {
  return db.tx(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
    return fn(q);
  });
}
