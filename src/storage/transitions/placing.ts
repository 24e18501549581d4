import type { Queryable } from '../db.js';
import { guard, sqlState, target } from './table.js';

/**
 * claimed → placing, committed before the worker's requests to the carrier leave: from here on
 * the carrier may have the call, so it is never released blindly and never placed twice. The
 * lease is renewed from now; only attempts `owner` still holds move, and none of a paused batch
 * (the pause hands such attempts back; this guard covers one it could not see, see pause.ts).
 * Returns the ids that moved.
 * $1 attempt ids, $2 owner, $3 new lease expiry.
 * Locks: those call_attempts rows. Index: call_attempts pkey, batches pkey.
 */
export async function markPlacing(
  q: Queryable,
  opts: { attemptIds: readonly string[]; owner: string; leaseUntil: number },
): Promise<string[]> {
  if (opts.attemptIds.length === 0) return [];
  const rows = await q.query<{ id: string }>(
    `UPDATE call_attempts SET state = ${target('placeAttempt')}, check_at = $3
      WHERE id = ANY($1::text[]) AND ${guard('placeAttempt', 'state')} AND lease_owner = $2
        AND NOT EXISTS (SELECT 1 FROM batches b
                         WHERE b.id = call_attempts.batch_id AND b.status = ${sqlState('paused')})
      RETURNING id`,
    [[...opts.attemptIds], opts.owner, opts.leaseUntil],
  );
  return rows.map((r) => r.id);
}
