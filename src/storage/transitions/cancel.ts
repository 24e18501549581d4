import {
  BATCH_CANCELLED_ERROR,
  CALL_CANCELLED_ERROR,
  DNC_CANCELLED_ERROR,
} from '../../domain/call-state.js';
import type { Queryable } from '../db.js';
import { listedAmong } from '../dnc-repo.js';
import { addProgress, readProgress } from '../progress-repo.js';
import { completeBatchesIfDone, completeBatchIfDone } from './completion.js';
import { guard, keyedGuard, target } from './table.js';
import { emitBatchEvents, emitCallEvents, wantsEvent } from './webhook-events.js';

// Cancels (contract §6–§8): waiting → cancelled, never active → cancelled. Every UPDATE re-checks
// the guard; under READ COMMITTED a row a claim holds is waited for and then re-checked, so a
// call claimed at the same moment is either cancelled here or runs — never both.
// Lock order is the engine's: call rows → progress rows → batch row.

/** The columns a waiting call gets when cancelled. $2 now, $3 the error text. */
const CANCEL_SET = `state = ${target('cancelCall')}, terminal_at = $2::bigint, error = $3::text,
  end_time = CASE WHEN attempts > 0 THEN $2::bigint END, current_attempt_id = NULL`;

const WAITING = guard('cancelCall', 'state');
/** The same, for the calls of a list of ids (table.ts keyedGuard). */
const LISTED_WAITING = keyedGuard('cancelCall', 'state');

const cancelledEvents = (rows: ReadonlyArray<{ id: string }>, workspaceId: string) =>
  rows.map((r) => ({ type: 'call.cancelled' as const, callId: r.id, workspaceId }));

/** $1 batch id. No locks. Index: batches pkey. */
async function workspaceOfBatch(q: Queryable, batchId: string): Promise<string | undefined> {
  const rows = await q.query<{ workspace_id: string }>(
    'SELECT workspace_id FROM batches WHERE id = $1',
    [batchId],
  );
  return rows[0]?.workspace_id;
}

async function counted(
  q: Queryable,
  batchId: string,
  n: number,
  now: number,
  complete: boolean,
): Promise<number> {
  if (n === 0) return 0;
  await addProgress(q, [{ batchId, delta: { waiting: -n, cancelled: n } }]);
  if (complete) await completeBatchIfDone(q, batchId, now);
  return n;
}

/** Every waiting call of the batch → cancelled; returns how many (progress not added). */
async function cancelEveryWaiting(
  q: Queryable,
  batchId: string,
  workspaceId: string | undefined,
  now: number,
): Promise<number> {
  // The ids travel only when an endpoint of the workspace takes call.cancelled.
  const events = workspaceId !== undefined && (await wantsEvent(q, workspaceId, 'call.cancelled'));
  if (events) {
    const ids = await q.query<{ id: string }>(
      `UPDATE calls SET ${CANCEL_SET} WHERE batch_id = $1 AND ${WAITING} RETURNING id`,
      [batchId, now, BATCH_CANCELLED_ERROR],
    );
    await emitCallEvents(q, cancelledEvents(ids, workspaceId), now);
    return ids.length;
  }
  const [first] = await q.query<{ n: number }>(
    `WITH done AS (
       UPDATE calls SET ${CANCEL_SET}
        WHERE batch_id = $1 AND ${WAITING}
        RETURNING 1)
     SELECT count(*)::int AS n FROM done`,
    [batchId, now, BATCH_CANCELLED_ERROR],
  );
  return first!.n;
}

/**
 * Batch cancel: every waiting call of the batch (retries scheduled later included), then the
 * calls a finisher put back to waiting while that ran. Returns how many were cancelled.
 *
 * Step 1 is counted in SQL (a big batch's ids never travel to the app). $1 batch id, $2 now,
 * $3 error. Locks: those call rows (waits for rows a claim holds, then skips the ones it made
 * active). Index: calls_batch_state (batch_id, state, seq).
 *
 * Step 2 locks every call of the batch still waiting or active: a finishing transaction holding
 * an active row is waited for; if it put the call back to waiting (a retry decided before it
 * could see the cancel), the row is found waiting and cancelled, stamped with the time it is
 * actually cancelled (its attempt ended after `now`). Holding these locks until commit also keeps
 * the batch's active count exact for the response. Index: calls_batch_state.
 */
export async function cancelWaitingCallsOfBatch(
  q: Queryable,
  batchId: string,
  now: number,
  laterNow: () => number,
): Promise<number> {
  const workspaceId = await workspaceOfBatch(q, batchId);
  let n = await cancelEveryWaiting(q, batchId, workspaceId, now);
  const unfinished = await q.query<{ id: string; state: string }>(
    `SELECT id, state FROM calls
      WHERE batch_id = $1 AND state IN ('waiting', 'active')
      ORDER BY seq
      FOR UPDATE`,
    [batchId],
  );
  const late = unfinished.filter((c) => c.state === 'waiting').map((c) => c.id);
  if (late.length > 0) {
    const at = Math.max(now, laterNow());
    const rows = await q.query<{ id: string }>(
      `UPDATE calls SET ${CANCEL_SET} WHERE id = ANY($1::text[]) AND ${LISTED_WAITING} RETURNING id`,
      [late, at, BATCH_CANCELLED_ERROR],
    );
    n += rows.length;
    if (workspaceId !== undefined) {
      await emitCallEvents(q, cancelledEvents(rows, workspaceId), at);
    }
  }
  // The batch's own status changes next (markBatchCancelled), which decides its completion.
  return counted(q, batchId, n, now, false);
}

/**
 * queued/processing/paused → cancelled, complete at once when none of its calls is active; its
 * batch.cancelled event then carries that completedTime. False when the batch was already
 * cancelled, completed or failed
 * (the caller reads which). $1 batch id, $2 now. Locks: the batches row (last in the lock order).
 */
export async function markBatchCancelled(
  q: Queryable,
  batchId: string,
  now: number,
): Promise<boolean> {
  const rows = await q.query<{ workspace_id: string }>(
    `UPDATE batches SET status = ${target('cancelBatch')}, cancelled_at = $2,
            paused_at = NULL, paused_reason = NULL
      WHERE id = $1 AND ${guard('cancelBatch', 'status')}
      RETURNING workspace_id`,
    [batchId, now],
  );
  const ws = rows[0]?.workspace_id;
  if (ws === undefined) return false;
  // An append or a retry that took the batch row before this UPDATE made calls waiting that the
  // steps above could not see (uncommitted then); this UPDATE waited for its commit, so a new
  // statement sees them. Any later append or retry finds the batch cancelled and rolls back.
  await counted(q, batchId, await cancelEveryWaiting(q, batchId, ws, now), now, false);
  // Exact: the cancel holds every active call of the batch (cancelWaitingCallsOfBatch).
  if ((await readProgress(q, batchId)).active === 0) {
    await stampCancelledBatchComplete(q, batchId, now);
  }
  await emitBatchEvents(q, [{ type: 'batch.cancelled', batchId, workspaceId: ws }], now);
  return true;
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
      WHERE id = $1 AND status = ${target('cancelBatch')} AND completed_time IS NULL`,
    [batchId, now],
  );
}

/**
 * §7: one waiting call → cancelled, the batch completed if it was its last. True when it was
 * cancelled; false when it was not waiting (or does not exist in that batch and workspace).
 * $1 call id, $2 now, $3 error, $4 batch id, $5 workspace id. Locks: the calls row.
 * Index: calls pkey.
 */
export async function cancelWaitingCall(
  q: Queryable,
  scope: { workspaceId: string; batchId: string; callId: string },
  now: number,
): Promise<boolean> {
  const rows = await q.query<{ id: string }>(
    `UPDATE calls SET ${CANCEL_SET}
      WHERE id = $1 AND batch_id = $4 AND workspace_id = $5 AND ${WAITING}
      RETURNING id`,
    [scope.callId, now, CALL_CANCELLED_ERROR, scope.batchId, scope.workspaceId],
  );
  await emitCallEvents(q, cancelledEvents(rows, scope.workspaceId), now);
  return (await counted(q, scope.batchId, rows.length, now, true)) > 0;
}

/**
 * §8: the waiting calls of one phone number in a batch → cancelled; returns how many.
 * $1 batch id, $2 now, $3 error, $4 E.164 number, $5 the batch's workspace. Locks: those call
 * rows. Index: calls_ws_phone (workspace_id, phone_number).
 */
export async function cancelWaitingCallsOfPhone(
  q: Queryable,
  scope: { workspaceId: string; batchId: string },
  phone: string,
  now: number,
): Promise<number> {
  const rows = await q.query<{ id: string }>(
    `UPDATE calls SET ${CANCEL_SET}
      WHERE workspace_id = $5 AND phone_number = $4 AND batch_id = $1 AND ${WAITING}
      RETURNING id`,
    [scope.batchId, now, CALL_CANCELLED_ERROR, phone, scope.workspaceId],
  );
  if (rows.length > 0) await emitCallEvents(q, cancelledEvents(rows, scope.workspaceId), now);
  return counted(q, scope.batchId, rows.length, now, true);
}

/**
 * Ext §18, in the claim transaction: the due calls whose number is on the workspace's do-not-call
 * list are cancelled ("Number on do-not-call list") instead of dialed — also when the number was
 * listed after the batch started. Returns the ids cancelled; the claim plans the others.
 * $1 call ids, $2 now, $3 error. Locks: those call rows (already held by the claim).
 * Index: calls pkey, dnc_entries pkey.
 *
 * No window for a listing committed before the claim: the lookup (dnc-repo.ts listedAmong) is a
 * statement of its own, run after the due calls are locked, and under READ COMMITTED each
 * statement sees every transaction committed before it began — so an entry committed before the
 * claim's transaction (or at any moment before that statement) is seen, and its calls are
 * cancelled here, never planned. (PGlite's single connection runs transactions one after
 * another: nothing to race.) The lookup must never move to a snapshot taken earlier (REPEATABLE
 * READ, or a cache of the list); test/engine/dnc-claim-race.test.ts lists a number while a claim's
 * transaction is open and checks the claim cancels its call.
 * An entry committed after the lookup is the concurrent case: the call is no longer waiting, its
 * attempt may go out; its number's later jobs are cancelled when they come due.
 */
export async function cancelListedDueCalls(
  q: Queryable,
  workspaceId: string,
  due: ReadonlyArray<{ id: string; phoneNumber: string }>,
  now: number,
): Promise<Set<string>> {
  const listed = await listedAmong(
    q,
    workspaceId,
    due.map((c) => c.phoneNumber),
  );
  const ids = due.filter((c) => listed.has(c.phoneNumber)).map((c) => c.id);
  if (ids.length === 0) return new Set();
  const rows = await q.query<{ id: string; batch_id: string }>(
    `UPDATE calls SET ${CANCEL_SET} WHERE id = ANY($1::text[]) AND ${LISTED_WAITING}
     RETURNING id, batch_id`,
    [ids, now, DNC_CANCELLED_ERROR],
  );
  await emitCallEvents(q, cancelledEvents(rows, workspaceId), now);
  const perBatch = new Map<string, number>();
  for (const r of rows) perBatch.set(r.batch_id, (perBatch.get(r.batch_id) ?? 0) + 1);
  await addProgress(
    q,
    [...perBatch].map(([batchId, n]) => ({ batchId, delta: { waiting: -n, cancelled: n } })),
  );
  await completeBatchesIfDone(q, perBatch.keys(), now);
  return new Set(rows.map((r) => r.id));
}
