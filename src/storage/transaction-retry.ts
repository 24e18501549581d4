import type { Db, Queryable } from './db.js';
import { isTransientTxError } from './db.js';

/**
 * Runs `fn` in a transaction, again from the start when PostgreSQL aborted it for a deadlock or a
 * serialization failure (the engine keeps one lock order, but other writers — cancels, the API —
 * may not). Other errors, connection loss included, go to the caller.
 */
export async function txWithRetry<T>(
  db: Db,
  fn: (q: Queryable) => Promise<T>,
  attempts = 5,
): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await db.tx(fn);
    } catch (err) {
      if (i >= attempts || !isTransientTxError(err)) throw err;
    }
  }
}
