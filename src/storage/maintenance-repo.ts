import { MAINTENANCE_LOCK } from './advisory-locks.js';
import type { Queryable } from './db.js';

/**
 * Whether this transaction is the one doing maintenance now; the others skip their pass.
 * Locks: the maintenance advisory lock, until the transaction ends.
 */
export async function tryMaintenanceLock(q: Queryable): Promise<boolean> {
  const rows = await q.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [
    MAINTENANCE_LOCK,
  ]);
  return rows[0]!.ok;
}
