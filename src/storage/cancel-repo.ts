import type { BatchStatus, CallState } from '../domain/types.js';
import type { Queryable } from './db.js';

// What the cancel routes read to answer; the cancels themselves are transitions
// (src/storage/transitions/cancel.ts).

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
 * The states of one phone number's calls in a batch (none: the number is not in the batch).
 * $1 batch id, $2 E.164 number, $3 the batch's workspace. No locks. Index: calls_ws_phone.
 */
export async function phoneCallStates(
  q: Queryable,
  scope: { workspaceId: string; batchId: string },
  phone: string,
): Promise<CallState[]> {
  const rows = await q.query<{ state: CallState }>(
    `SELECT state FROM calls WHERE workspace_id = $3 AND phone_number = $2 AND batch_id = $1
      ORDER BY seq`,
    [scope.batchId, phone, scope.workspaceId],
  );
  return rows.map((r) => r.state);
}
