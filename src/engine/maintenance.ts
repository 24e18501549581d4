import type { Runtime } from '../runtime.js';
import { MAINTENANCE_LOCK, tryTransactionLock } from '../storage/advisory-locks.js';
import { deleteExpiredIdempotencyKeys, IDEMPOTENCY_TTL_MS } from '../storage/idempotency-repo.js';

// Periodic clean-up, run by whichever engine gets the maintenance lock: expired idempotency keys
// are already ignored by the API, so this only gives their space back.

/** How often an engine tries a maintenance pass. */
export const MAINTENANCE_EVERY_MS = 10 * 60 * 1000;

/** One pass; returns what was removed, or undefined when another process holds the lock. */
export async function runMaintenance(
  rt: Runtime,
): Promise<{ idempotencyKeys: number } | undefined> {
  return rt.db.tx(async (q) => {
    if (!(await tryTransactionLock(q, MAINTENANCE_LOCK))) return undefined;
    const idempotencyKeys = await deleteExpiredIdempotencyKeys(
      q,
      rt.clock.now() - IDEMPOTENCY_TTL_MS,
    );
    return { idempotencyKeys };
  });
}
