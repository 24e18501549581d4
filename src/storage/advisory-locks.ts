// Advisory locks all Outdial processes agree on: their numbers in one place so no two uses collide,
// and the one way the engine takes a lock it may skip.
import type { Queryable } from './db.js';

/** Migrations run one file at a time across processes. */
export const MIGRATION_LOCK = 7_011_320_001;
/** Only one lease reaper at a time. */
export const REAPER_LOCK = 7_011_320_002;
/** First-start bootstrap creates the first workspace once. */
export const BOOTSTRAP_LOCK = 7_011_320_003;
/** Only one process at a time runs the periodic clean-up (expired idempotency keys). */
export const MAINTENANCE_LOCK = 7_011_320_004;

/**
 * Takes advisory lock `key` for the current transaction without waiting; false when another
 * transaction holds it (that one is doing the work, this one skips it).
 */
export async function tryTransactionLock(q: Queryable, key: number): Promise<boolean> {
  const rows = await q.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [key]);
  return rows[0]!.ok;
}
