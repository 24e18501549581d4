import { readBatchConfig } from '../domain/batch-config.js';
import type { BatchConfig, Outcome } from '../domain/types.js';
import type { Queryable } from './db.js';

// The finishing transaction of attempts: guarded by the lease, so exactly one party (the worker
// that dialed, or the reaper that took the lease over) records an attempt's end. Every statement
// takes a whole group of attempts, so a worker finishing hundreds of calls a second pays one
// transaction (and one WAL flush) per group, not per call.

export interface OwnedCall {
  id: string;
  batchId: string;
  /** Attempts started so far = the number of the attempt being finished. */
  attempts: number;
  timeZone: string | null;
  batchStatus: string;
  /** Frozen at batch creation. */
  batchConfig: BatchConfig;
}

export interface LeaseHandle {
  callId: string;
  owner: string;
  attemptId: string;
}

/**
 * Locks the active calls whose lease `owner` still holds for `attemptId`; the others (lease lost,
 * call cancelled or reaped) are simply not returned.
 * $1 call ids, $2 lease owners, $3 attempt ids.
 * Locks: those calls rows FOR UPDATE, in id order (first in this transaction's lock order; two
 * groups never wait on each other in a cycle). Index: calls pkey.
 */
export async function lockOwnedCalls(
  q: Queryable,
  handles: readonly LeaseHandle[],
): Promise<OwnedCall[]> {
  if (handles.length === 0) return [];
  const rows = await q.query<{
    id: string;
    batch_id: string;
    attempts: number;
    time_zone: string | null;
  }>(
    `SELECT c.id, c.batch_id, c.attempts, c.time_zone
       FROM unnest($1::text[], $2::text[], $3::text[]) AS t(id, owner, att)
       JOIN calls c ON c.id = t.id
      WHERE c.state = 'active' AND c.lease_owner = t.owner AND c.current_attempt_id = t.att
      ORDER BY c.id
      FOR UPDATE OF c`,
    [handles.map((h) => h.callId), handles.map((h) => h.owner), handles.map((h) => h.attemptId)],
  );
  if (rows.length === 0) return [];
  // The batches are read by a statement of their own, after the calls' locks are granted: a join
  // in the locking statement would re-check only the call rows and could return a batch as it was
  // before a cancel that committed while this transaction waited (and schedule a retry for it).
  const batchIds = [...new Set(rows.map((r) => r.batch_id))];
  const batches = await q.query<{
    id: string;
    status: string;
    config: unknown;
  }>('SELECT id, status, config FROM batches WHERE id = ANY($1::text[])', [batchIds]);
  const byId = new Map(batches.map((b) => [b.id, b]));
  return rows.map((r) => {
    const b = byId.get(r.batch_id)!;
    return {
      id: r.id,
      batchId: r.batch_id,
      attempts: r.attempts,
      timeZone: r.time_zone,
      batchStatus: b.status,
      batchConfig: readBatchConfig(b.config),
    };
  });
}

export interface AttemptEndRecord {
  attemptId: string;
  endedAt: number;
  answeredAt?: number | undefined;
  /** An AttemptReason, or 'unknown' when the attempt was lost with its worker. */
  reason: string;
  outcome?: Outcome | undefined;
  durationSec?: number | undefined;
  error?: string | undefined;
  providerCallId?: string | undefined;
}

/** $1.. parallel arrays, one entry per attempt. Locks: those call_attempts rows. Index: pkey. */
export async function recordAttemptEnds(
  q: Queryable,
  ends: readonly AttemptEndRecord[],
): Promise<void> {
  if (ends.length === 0) return;
  await q.query(
    `UPDATE call_attempts a
        SET ended_at = t.ended, answered_at = t.answered, reason = t.reason, outcome = t.outcome,
            duration = t.duration, error = t.error,
            provider_call_id = COALESCE(t.provider_call_id, a.provider_call_id)
       FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::float8[],
                   $7::text[], $8::text[])
            AS t(id, ended, answered, reason, outcome, duration, error, provider_call_id)
      WHERE a.id = t.id`,
    [
      ends.map((e) => e.attemptId),
      ends.map((e) => e.endedAt),
      ends.map((e) => e.answeredAt ?? null),
      ends.map((e) => e.reason),
      ends.map((e) => e.outcome ?? null),
      ends.map((e) => e.durationSec ?? null),
      ends.map((e) => e.error ?? null),
      ends.map((e) => e.providerCallId ?? null),
    ],
  );
}

// Leaving active releases the lease: the attempt is over, capacity is free from this commit on.
const RELEASE_LEASE = 'lease_owner = NULL, lease_expires_at = NULL, current_attempt_id = NULL';

// terminal_at is the attempt's end, so completedAt/failedAt, endTime and lastCompletedTime agree
// even when a reaper records the end later.

export interface CompletedCall {
  callId: string;
  attemptId: string;
  endTime: number;
  durationSec: number;
  outcome: Outcome;
  transcript: string | null;
  reason: string;
}

/** active → completed. Locks: those calls rows (already held). Index: calls pkey. */
export async function markCallsCompleted(
  q: Queryable,
  calls: readonly CompletedCall[],
): Promise<void> {
  if (calls.length === 0) return;
  await q.query(
    `UPDATE calls c SET state = 'completed', ${RELEASE_LEASE}, end_time = t.ended,
            terminal_at = t.ended, duration = t.duration, outcome = t.outcome,
            transcript = t.transcript, result_attempt_id = t.att, last_reason = t.reason,
            error = NULL
       FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::text[], $5::text[], $6::text[],
                   $7::text[]) AS t(id, ended, duration, outcome, transcript, att, reason)
      WHERE c.id = t.id AND c.state = 'active'`,
    [
      calls.map((c) => c.callId),
      calls.map((c) => c.endTime),
      calls.map((c) => c.durationSec),
      calls.map((c) => c.outcome),
      calls.map((c) => c.transcript),
      calls.map((c) => c.attemptId),
      calls.map((c) => c.reason),
    ],
  );
}

export interface FailedCall {
  callId: string;
  endTime: number;
  error: string;
  reason: string;
}

/** active → failed. Locks: those calls rows (already held). Index: calls pkey. */
export async function markCallsFailed(q: Queryable, calls: readonly FailedCall[]): Promise<void> {
  if (calls.length === 0) return;
  await q.query(
    `UPDATE calls c SET state = 'failed', ${RELEASE_LEASE}, end_time = t.ended,
            terminal_at = t.ended, error = t.error, last_reason = t.reason
       FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) AS t(id, ended, error, reason)
      WHERE c.id = t.id AND c.state = 'active'`,
    [
      calls.map((c) => c.callId),
      calls.map((c) => c.endTime),
      calls.map((c) => c.error),
      calls.map((c) => c.reason),
    ],
  );
}

export interface RescheduledCall {
  callId: string;
  runAt: number;
  reason: string;
}

/** active → waiting, due at `runAt`. Locks: those calls rows (already held). Index: calls pkey. */
export async function rescheduleCalls(
  q: Queryable,
  calls: readonly RescheduledCall[],
): Promise<void> {
  if (calls.length === 0) return;
  await q.query(
    `UPDATE calls c SET state = 'waiting', ${RELEASE_LEASE}, run_at = t.run_at,
            last_reason = t.reason
       FROM unnest($1::text[], $2::bigint[], $3::text[]) AS t(id, run_at, reason)
      WHERE c.id = t.id AND c.state = 'active'`,
    [calls.map((c) => c.callId), calls.map((c) => c.runAt), calls.map((c) => c.reason)],
  );
}
