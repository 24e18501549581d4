import type { Queryable } from '../db.js';
import { readProgress } from '../progress-repo.js';
import { guard, TRANSITIONS, target } from './table.js';
import { emitBatchEvents } from './webhook-events.js';

/**
 * Marks the batch completed when none of its calls is waiting or active. Called by every
 * transition that takes a call out of waiting/active, after that transaction's progress deltas.
 *
 * Why this is race-free without a hot counter row: the sharded counters of concurrent finishers
 * are invisible to each other until they commit, so a finisher can see "1 active" when the other
 * last call is finishing at the same moment. A finisher that sees no waiting call therefore locks
 * the batches row (FOR UPDATE) and reads the counters again with a new statement: under READ
 * COMMITTED that statement sees every finisher that committed before the lock was granted. Of two
 * racing last finishers, the one that gets the lock second sees the first one's commit and
 * completes the batch; the first one saw the second still active and left it. A finisher that saw
 * a waiting call can skip the check: that call has still to finish (or be cancelled), and whoever
 * does that runs this check.
 *
 * A paused batch with nothing left waiting is completed too (its pause has nothing left to hold).
 * A cancelled batch keeps its status; it gets its completed_time when its last active call ends.
 *
 * $1 batch id, $2 now. Locks: the batches row, only when nothing is waiting (last in the engine's
 * lock order: workspace → calls → attempts → progress → batch). Index: batch_progress pkey.
 */
export async function completeBatchIfDone(
  q: Queryable,
  batchId: string,
  now: number,
): Promise<boolean> {
  const seen = await readProgress(q, batchId);
  if (seen.waiting > 0) return false;
  await q.query('SELECT 1 FROM batches WHERE id = $1 FOR UPDATE', [batchId]);
  const settled = await readProgress(q, batchId);
  if (settled.waiting + settled.active > 0) return false;
  const rows = await q.query<{ workspace_id: string; status: string }>(
    `UPDATE batches
        SET status = CASE WHEN status = ${target('cancelBatch')} THEN status
                          ELSE ${target('completeBatch')} END,
            completed_time = COALESCE(completed_time, $2),
            paused_at = NULL, paused_reason = NULL
      WHERE id = $1
        AND (${guard('completeBatch', 'status')}
             OR (status = ${target('cancelBatch')} AND completed_time IS NULL))
      RETURNING workspace_id, status`,
    [batchId, now],
  );
  const done = rows[0];
  // A cancelled batch only gets its completedTime here: its event was the cancel's.
  if (done?.status === TRANSITIONS.completeBatch.to) {
    await emitBatchEvents(
      q,
      [{ type: 'batch.completed', batchId, workspaceId: done.workspace_id }],
      now,
    );
  }
  return done !== undefined;
}

/** Batches whose calls left waiting/active for good in this transaction, in lock order. */
export async function completeBatchesIfDone(
  q: Queryable,
  batchIds: Iterable<string>,
  now: number,
): Promise<void> {
  for (const id of [...new Set(batchIds)].sort()) await completeBatchIfDone(q, id, now);
}
