import type { Outcome } from '../domain/types.js';
import type { Queryable } from './db.js';

// The finishing transaction of one attempt: guarded by the lease, so exactly one party (the worker
// that dialed, or the reaper that took the lease over) records an attempt's end.

export interface OwnedCall {
  id: string;
  batchId: string;
  /** Attempts started so far = the number of the attempt being finished. */
  attempts: number;
  timeZone: string | null;
  batchStatus: string;
  /** Frozen at batch creation: smartCallback, callingWindow, … */
  batchConfig: Record<string, unknown>;
}

/**
 * Locks an active call if (and only if) `owner` still holds its lease for `attemptId`.
 * $1 call id, $2 lease owner, $3 attempt id.
 * Locks: the calls row FOR UPDATE (first in this transaction's lock order). Index: calls pkey.
 */
export async function lockOwnedCall(
  q: Queryable,
  callId: string,
  owner: string,
  attemptId: string,
): Promise<OwnedCall | undefined> {
  const rows = await q.query<{
    id: string;
    batch_id: string;
    attempts: number;
    time_zone: string | null;
  }>(
    `SELECT id, batch_id, attempts, time_zone FROM calls
      WHERE id = $1 AND state = 'active' AND lease_owner = $2 AND current_attempt_id = $3
      FOR UPDATE`,
    [callId, owner, attemptId],
  );
  const r = rows[0];
  if (!r) return undefined;
  // The batch is read by a statement of its own, after the call's lock is granted: a join in the
  // locking statement would re-check only the call row and could return the batch as it was
  // before a cancel that committed while this transaction waited (and schedule a retry for it).
  const [b] = await q.query<{ status: string; config: Record<string, unknown> | null }>(
    'SELECT status, config FROM batches WHERE id = $1',
    [r.batch_id],
  );
  return {
    id: r.id,
    batchId: r.batch_id,
    attempts: r.attempts,
    timeZone: r.time_zone,
    batchStatus: b!.status,
    batchConfig: b!.config ?? {},
  };
}

export interface AttemptEndRecord {
  endedAt: number;
  answeredAt?: number | undefined;
  /** An AttemptReason, or 'unknown' when the attempt was lost with its worker. */
  reason: string;
  outcome?: Outcome | undefined;
  durationSec?: number | undefined;
  error?: string | undefined;
  providerCallId?: string | undefined;
}

/** $1 attempt id, $2.. the end. Locks: the call_attempts row. Index: call_attempts pkey. */
export async function recordAttemptEnd(
  q: Queryable,
  attemptId: string,
  end: AttemptEndRecord,
): Promise<void> {
  await q.query(
    `UPDATE call_attempts SET ended_at = $2, answered_at = $3, reason = $4, outcome = $5,
            duration = $6, error = $7, provider_call_id = COALESCE($8, provider_call_id)
      WHERE id = $1`,
    [
      attemptId,
      end.endedAt,
      end.answeredAt ?? null,
      end.reason,
      end.outcome ?? null,
      end.durationSec ?? null,
      end.error ?? null,
      end.providerCallId ?? null,
    ],
  );
}

// Leaving active releases the lease: the attempt is over, capacity is free from this commit on.
const RELEASE_LEASE = 'lease_owner = NULL, lease_expires_at = NULL, current_attempt_id = NULL';

// terminal_at is the attempt's end, so completedAt/failedAt, endTime and lastCompletedTime agree
// even when a reaper records the end later.

/** active → completed. $1 call id. Locks: the calls row (already held). Index: calls pkey. */
export async function markCallCompleted(
  q: Queryable,
  callId: string,
  c: {
    attemptId: string;
    endTime: number;
    durationSec: number;
    outcome: Outcome;
    transcript: string | null;
    reason: string;
  },
): Promise<void> {
  await q.query(
    `UPDATE calls SET state = 'completed', ${RELEASE_LEASE}, end_time = $2, terminal_at = $2,
            duration = $3, outcome = $4, transcript = $5, result_attempt_id = $6, last_reason = $7,
            error = NULL
      WHERE id = $1 AND state = 'active'`,
    [callId, c.endTime, c.durationSec, c.outcome, c.transcript, c.attemptId, c.reason],
  );
}

/** active → failed. $1 call id. Locks: the calls row (already held). Index: calls pkey. */
export async function markCallFailed(
  q: Queryable,
  callId: string,
  c: { endTime: number; error: string; reason: string },
): Promise<void> {
  await q.query(
    `UPDATE calls SET state = 'failed', ${RELEASE_LEASE}, end_time = $2, terminal_at = $2,
            error = $3, last_reason = $4
      WHERE id = $1 AND state = 'active'`,
    [callId, c.endTime, c.error, c.reason],
  );
}

/** active → waiting, due at `runAt`. $1 call id. Locks: the calls row (already held). */
export async function rescheduleCall(
  q: Queryable,
  callId: string,
  c: { runAt: number; reason: string },
): Promise<void> {
  await q.query(
    `UPDATE calls SET state = 'waiting', ${RELEASE_LEASE}, run_at = $2, last_reason = $3
      WHERE id = $1 AND state = 'active'`,
    [callId, c.runAt, c.reason],
  );
}
