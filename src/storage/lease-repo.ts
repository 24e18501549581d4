import type { RowVariables } from '../domain/types.js';
import { REAPER_LOCK, tryTransactionLock } from './advisory-locks.js';
import type { Queryable } from './db.js';
import {
  DIAL_AGENT_COLUMNS,
  type DialAgentRecord,
  type DialAgentRow,
  toDialAgent,
} from './dial-agent-columns.js';

// Leases on active calls: heartbeats, hand-backs and the reaper's take-over. Every write is
// guarded by (state = 'active', lease_owner, current_attempt_id) so a worker that lost its lease
// can never overwrite what the new owner decided.

/**
 * Heartbeat: pushes the lease expiry while the attempt runs. False when the lease is gone.
 * $1 call id, $2 owner, $3 attempt id, $4 new expiry. Locks: the calls row. Index: calls pkey.
 */
export async function extendLease(
  q: Queryable,
  callId: string,
  owner: string,
  attemptId: string,
  expiresAt: number,
): Promise<boolean> {
  const rows = await q.query(
    `UPDATE calls SET lease_expires_at = $4
      WHERE id = $1 AND state = 'active' AND lease_owner = $2 AND current_attempt_id = $3
      RETURNING 1`,
    [callId, owner, attemptId, expiresAt],
  );
  return rows.length > 0;
}

/**
 * Hands back a claimed call whose attempt was never dialed (shutdown before its start slot):
 * the attempt row goes, the call is waiting again as if never claimed — or, when its batch was
 * cancelled meanwhile, cancelled (a cancel that ran first skipped it while it was active).
 * $1 call id, $2 owner, $3 attempt id.
 * Locks: the calls row, then the call_attempts row. Index: calls pkey, call_attempts pkey.
 */
export async function releaseUndialed(
  q: Queryable,
  callId: string,
  owner: string,
  attemptId: string,
  now: number,
): Promise<{ batchId: string; cancelled: boolean } | undefined> {
  const rows = await q.query<{ batch_id: string }>(
    `UPDATE calls SET state = 'waiting', attempts = attempts - 1, lease_owner = NULL,
            lease_expires_at = NULL, current_attempt_id = NULL,
            start_time = CASE WHEN attempts = 1 THEN NULL ELSE start_time END
      WHERE id = $1 AND state = 'active' AND lease_owner = $2 AND current_attempt_id = $3
      RETURNING batch_id`,
    [callId, owner, attemptId],
  );
  if (rows.length === 0) return undefined;
  await q.query('DELETE FROM call_attempts WHERE id = $1', [attemptId]);
  const batchId = rows[0]!.batch_id;
  // A statement of its own: it sees a cancel that committed while this transaction waited.
  const cancelled = await q.query(
    `UPDATE calls SET state = 'cancelled', terminal_at = $2::bigint, error = 'Batch cancelled',
            end_time = CASE WHEN attempts > 0 THEN $2::bigint END
      WHERE id = $1 AND state = 'waiting'
        AND EXISTS (SELECT 1 FROM batches b WHERE b.id = $3 AND b.status IN ('cancelled', 'failed'))
      RETURNING 1`,
    [callId, now, batchId],
  );
  return { batchId, cancelled: cancelled.length > 0 };
}

/**
 * Shutdown past its grace period: the attempt is still going but this worker stops watching it.
 * Expiring the lease now lets a reaper reconcile it at once instead of a lease period later.
 * $1 call id, $2 owner, $3 attempt id, $4 now. Locks: the calls row. Index: calls pkey.
 */
export async function expireLease(
  q: Queryable,
  callId: string,
  owner: string,
  attemptId: string,
  now: number,
): Promise<void> {
  await q.query(
    `UPDATE calls SET lease_expires_at = $4
      WHERE id = $1 AND state = 'active' AND lease_owner = $2 AND current_attempt_id = $3`,
    [callId, owner, attemptId, now],
  );
}

/** Takes the reaper's advisory lock for the current transaction; false if another holds it. */
export function tryReaperLock(q: Queryable): Promise<boolean> {
  return tryTransactionLock(q, REAPER_LOCK);
}

/**
 * Reaper: takes over active calls whose lease expired before `expiredBefore` (a lease owned by
 * one of `exceptOwners` is left alone). The new lease gives the reaper `leaseMs` to reconcile.
 * $1 new owner, $2 expired before, $3 new expiry, $4 max rows, $5 owners to leave alone.
 * Locks: the taken call rows, FOR UPDATE SKIP LOCKED. Index: calls_active (a scan of the active
 * calls, bounded by the concurrency caps; the lease deadline is not indexed so heartbeats stay HOT).
 */
export async function takeOverExpiredLeases(
  q: Queryable,
  opts: {
    owner: string;
    expiredBefore: number;
    newExpiry: number;
    limit: number;
    exceptOwners: readonly string[];
  },
): Promise<Array<{ callId: string; attemptId: string | null }>> {
  const rows = await q.query<{ id: string; current_attempt_id: string | null }>(
    `WITH expired AS (
       SELECT id FROM calls
        WHERE state = 'active' AND lease_expires_at < $2
          AND NOT (COALESCE(lease_owner, '') = ANY($5::text[]))
        ORDER BY lease_expires_at
        LIMIT $4
        FOR UPDATE SKIP LOCKED)
     UPDATE calls c SET lease_owner = $1, lease_expires_at = $3
       FROM expired e WHERE c.id = e.id
     RETURNING c.id, c.current_attempt_id`,
    [opts.owner, opts.expiredBefore, opts.newExpiry, opts.limit, [...opts.exceptOwners]],
  );
  return rows.map((r) => ({ callId: r.id, attemptId: r.current_attempt_id }));
}

export interface LostAttempt {
  attemptId: string;
  callId: string;
  attemptNo: number;
  provider: string;
  providerCallId: string | null;
  startedAt: number;
  phoneNumber: string;
  variables: RowVariables;
  agent: DialAgentRecord;
}

/** What a provider needs to look an attempt up. $1 attempt id. Locks: none. */
export async function loadLostAttempt(
  q: Queryable,
  attemptId: string,
): Promise<LostAttempt | undefined> {
  const rows = await q.query<
    DialAgentRow & {
      id: string;
      call_id: string;
      attempt_no: number;
      provider: string;
      provider_call_id: string | null;
      started_at: number;
      phone_number: string;
      variables: RowVariables;
    }
  >(
    `SELECT a.id, a.call_id, a.attempt_no, a.provider, a.provider_call_id, a.started_at,
            c.phone_number, c.variables, ${DIAL_AGENT_COLUMNS}
       FROM call_attempts a
       JOIN calls c ON c.id = a.call_id
       JOIN batches b ON b.id = c.batch_id
       JOIN agents ag ON ag.id = b.agent_id
      WHERE a.id = $1`,
    [attemptId],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    attemptId: r.id,
    callId: r.call_id,
    attemptNo: r.attempt_no,
    provider: r.provider,
    providerCallId: r.provider_call_id,
    startedAt: r.started_at,
    phoneNumber: r.phone_number,
    variables: r.variables,
    agent: toDialAgent(r),
  };
}
