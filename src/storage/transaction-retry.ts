import type { Db, Queryable } from './db.js';
import { isTransientTxError } from './db.js';

/**
 * Runs `fn` in a transaction, again from the start when PostgreSQL aborted it for a deadlock or a
 * serialization failure (the engine keeps one lock order, but other writers — cancels, the API —
 * may not). Other errors, connection loss included, go to the caller.
 *
 * The call transitions run here, and every statement of theirs finds its rows by an index (ids,
 * a batch, a workspace). The planner is told to keep to them: with the statistics of a moment ago
 * (a table just emptied, or every attempt ended so that no row seems to match a transition's
 * from-state) it judges a whole-table scan cheapest and then reads the whole table for every
 * group of attempts (measured: over 1 s a group of 250 with 50,000 attempts, the dispatch 7 times
 * slower).
 */
export async function txWithRetry<T>(
  db: Db,
  fn: (q: Queryable) => Promise<T>,
  attempts = 5,
): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await db.tx(fn, { keyedPlans: true });
    } catch (err) {
      if (i >= attempts || !isTransientTxError(err)) throw err;
    }
  }
}
