import type { BatchStatus, CallState } from '../domain/types.js';
import type { Queryable } from './db.js';

// Cancels (contract §6–§8): waiting → cancelled, never active → cancelled. Every UPDATE re-checks
// `state = 'waiting'`; under READ COMMITTED a row a claim holds is waited for and then re-checked,
// so a call claimed at the same moment is either cancelled here or runs — never both.
// Lock order is the engine's: call rows → progress rows → batch row.

/** The columns a waiting call gets when cancelled. $2 now, $3 the error text. */
const CANCEL_SET = `state = 'cancelled', terminal_at = $2::bigint, error = $3::text,
  end_time = CASE WHEN attempts > 0 THEN $2::bigint END,
  lease_owner = NULL, lease_expires_at = NULL, current_attempt_id = NULL`;

/**
 * Batch cancel, step 1: every waiting call of the batch (retries scheduled later included).
 * Returns how many were cancelled (counted in SQL: a big batch's ids never travel to the app).
 * $1 batch id, $2 now, $3 error. Locks: those call rows (waits for rows a claim holds, then skips
 * the ones it made active). Index: calls_batch_state (batch_id, state, seq).
 */
export async function cancelWaitingCallsOfBatch(
  q: Queryable,
  batchId: string,
  now: number,
  error: string,
): Promise<number> {
  const rows = await q.query<{ n: number }>(
    `WITH done AS (
       UPDATE calls SET ${CANCEL_SET}
        WHERE batch_id = $1 AND state = 'waiting'
        RETURNING 1)
     SELECT count(*)::int AS n FROM done`,
    [batchId, now, error],
  );
  return rows[0]!.n;
}

/**
 * Batch cancel, step 2: locks every call of the batch that is still waiting or active. A finishing
 * transaction holding an active row is waited for; if it put the call back to waiting (a retry
 * decided before it could see the cancel), the row is returned as waiting and step 3 cancels it.
 * Holding these locks until commit also keeps the batch's active count exact for the response.
 * $1 batch id. Locks: those call rows FOR UPDATE. Index: calls_batch_state.
 */
export async function lockUnfinishedCalls(
  q: Queryable,
  batchId: string,
): Promise<Array<{ id: string; state: CallState }>> {
  return q.query<{ id: string; state: CallState }>(
    `SELECT id, state FROM calls
      WHERE batch_id = $1 AND state IN ('waiting', 'active')
      ORDER BY seq
      FOR UPDATE`,
    [batchId],
  );
}

/**
 * Cancels the given calls that are (still) waiting; returns the ids it cancelled.
 * $1 call ids, $2 now, $3 error. Locks: those call rows. Index: calls pkey.
 */
export async function cancelWaitingCallsById(
  q: Queryable,
  callIds: readonly string[],
  now: number,
  error: string,
): Promise<string[]> {
  if (callIds.length === 0) return [];
  const rows = await q.query<{ id: string }>(
    `UPDATE calls SET ${CANCEL_SET}
      WHERE id = ANY($1::text[]) AND state = 'waiting'
      RETURNING id`,
    [[...callIds], now, error],
  );
  return rows.map((r) => r.id);
}

/**
 * Batch cancel, last step: queued/processing → cancelled. False when the batch was already
 * cancelled, completed or failed (the caller reads which).
 * $1 batch id, $2 now. Locks: the batches row (last in the lock order). Index: batches pkey.
 */
export async function markBatchCancelled(
  q: Queryable,
  batchId: string,
  now: number,
): Promise<boolean> {
  const rows = await q.query(
    `UPDATE batches SET status = 'cancelled', cancelled_at = $2
      WHERE id = $1 AND status IN ('queued', 'processing')
      RETURNING 1`,
    [batchId, now],
  );
  return rows.length > 0;
}

/** $1 batch id. No locks. Index: batches pkey. */
export async function readBatchStatus(
  q: Queryable,
  batchId: string,
): Promise<BatchStatus | undefined> {
  const rows = await q.query<{ status: BatchStatus }>('SELECT status FROM batches WHERE id = $1', [
    batchId,
  ]);
  return rows[0]?.status;
}

/**
 * A cancelled batch with no call left active is complete: its completedTime is the moment its
 * last call became terminal (the cancel itself, or a call it let finish), or now.
 * $1 batch id, $2 now. Locks: the batches row (already held by the cancel). Index: batches pkey,
 * calls_recent (batch_id, terminal_at DESC) for the max.
 */
export async function stampCancelledBatchComplete(
  q: Queryable,
  batchId: string,
  now: number,
): Promise<void> {
  await q.query(
    `UPDATE batches
        SET completed_time = COALESCE(
              (SELECT max(terminal_at) FROM calls WHERE batch_id = $1 AND terminal_at IS NOT NULL),
              $2)
      WHERE id = $1 AND status = 'cancelled' AND completed_time IS NULL`,
    [batchId, now],
  );
}

/**
 * §7: one waiting call → cancelled. True when it was cancelled; false when it was not waiting
 * (or does not exist in that batch and workspace: the caller reads which with callState).
 * $1 call id, $2 now, $3 error, $4 batch id, $5 workspace id. Locks: the calls row.
 * Index: calls pkey.
 */
export async function cancelWaitingCall(
  q: Queryable,
  scope: { workspaceId: string; batchId: string; callId: string },
  now: number,
  error: string,
): Promise<boolean> {
  const rows = await q.query(
    `UPDATE calls SET ${CANCEL_SET}
      WHERE id = $1 AND batch_id = $4 AND workspace_id = $5 AND state = 'waiting'
      RETURNING 1`,
    [scope.callId, now, error, scope.batchId, scope.workspaceId],
  );
  return rows.length > 0;
}

/**
 * The call's state, read after a cancel attempt found it not waiting (a fresh statement: it sees
 * whatever the transaction the cancel waited for committed).
 * $1 call id, $2 batch id, $3 workspace id. No locks. Index: calls pkey.
 */
export async function callState(
  q: Queryable,
  scope: { workspaceId: string; batchId: string; callId: string },
): Promise<CallState | undefined> {
  const rows = await q.query<{ state: CallState }>(
    'SELECT state FROM calls WHERE id = $1 AND batch_id = $2 AND workspace_id = $3',
    [scope.callId, scope.batchId, scope.workspaceId],
  );
  return rows[0]?.state;
}

/**
 * §8: the waiting calls of one phone number in a batch → cancelled; returns how many.
 * $1 batch id, $2 now, $3 error, $4 E.164 number. Locks: those call rows.
 * Index: calls_batch_phone (batch_id, phone_number).
 */
export async function cancelWaitingCallsOfPhone(
  q: Queryable,
  batchId: string,
  phone: string,
  now: number,
  error: string,
): Promise<number> {
  const rows = await q.query(
    `UPDATE calls SET ${CANCEL_SET}
      WHERE batch_id = $1 AND phone_number = $4 AND state = 'waiting'
      RETURNING 1`,
    [batchId, now, error, phone],
  );
  return rows.length;
}

/**
 * The states of one phone number's calls in a batch (none: the number is not in the batch).
 * $1 batch id, $2 E.164 number. No locks. Index: calls_batch_phone.
 */
export async function phoneCallStates(
  q: Queryable,
  batchId: string,
  phone: string,
): Promise<CallState[]> {
  const rows = await q.query<{ state: CallState }>(
    'SELECT state FROM calls WHERE batch_id = $1 AND phone_number = $2 ORDER BY seq',
    [batchId, phone],
  );
  return rows.map((r) => r.state);
}
