import type { RetryDefaults } from '../../domain/attempt-end.js';
import { type AttemptChange, type AttemptEvent, applyEvents } from '../../domain/attempt-event.js';
import { readBatchConfig } from '../../domain/batch-config.js';
import { canAttemptTransition } from '../../domain/call-state.js';
import { inCallDeadline, type RecoveryTimes } from '../../domain/recovery.js';
import type { AttemptState, BatchStatus } from '../../domain/types.js';
import type { Queryable } from '../db.js';
import { type EndedAttempt, type LockedEnd, writeEnds } from './end.js';
import { guard, target } from './table.js';

// The one recording path of what happens to attempts: carrier events (from an HTTP callback
// route, or an in-process provider such as the simulator), the worker's own ends (a request that
// failed, no provider to send to) and recovery's verdicts. A group of events is recorded in one
// transaction; the rule of src/domain/attempt-event.ts decides what each attempt's events change,
// so a repeated, late or reordered event changes nothing it should not.

export interface RecordContext {
  now: number;
  retry: RetryDefaults;
  times: RecoveryTimes;
  /** Ext §21: how long an answered call waits for its agent's report after the carrier's end. */
  reportGraceMs: number;
}

export type RecordOutcome =
  /** The events changed nothing (an ended attempt, a stage it is past, an unknown attempt). */
  | { attemptId: string; status: 'ignored' }
  /** Recorded; the attempt goes on (in_call). */
  | { attemptId: string; status: 'updated' }
  | ({ status: 'ended' } & EndedAttempt);

interface AttemptRow {
  id: string;
  call_id: string;
  state: AttemptState;
  started_at: number;
  provider_call_id: string | null;
  answered_at: number | null;
  machine_detected_at: number | null;
  bridge_started_at: number | null;
  bridge_failed_at: number | null;
  bridge_error: string | null;
}

interface CallRow {
  attempt_id: string;
  id: string;
  batch_id: string;
  workspace_id: string;
  attempts: number;
  time_zone: string | null;
}

/**
 * The calls of attempts that may end, locked first (the engine's lock order: calls, then
 * attempts). Only a call whose current attempt is the one ending is returned. `attempts` is the
 * count of the current round (a retried job's budget starts again, ext §17).
 * $1 attempt ids. Locks: those calls rows FOR UPDATE, in id order. Index: call_attempts pkey,
 * calls pkey.
 */
const LOCK_CALLS = `
  SELECT a.id AS attempt_id, c.id, c.batch_id, c.workspace_id,
         c.attempts - c.attempt_base AS attempts, c.time_zone
    FROM call_attempts a JOIN calls c ON c.id = a.call_id
   WHERE a.id = ANY($1::text[]) AND c.state = 'active' AND c.current_attempt_id = a.id
   ORDER BY c.id
     FOR UPDATE OF c`;

/** $1 attempt ids. Locks: those call_attempts rows FOR UPDATE, in id order. Index: pkey. */
const LOCK_ATTEMPTS = `
  SELECT id, call_id, state, started_at, provider_call_id, answered_at, machine_detected_at,
         bridge_started_at, bridge_failed_at, bridge_error
    FROM call_attempts
   WHERE id = ANY($1::text[])
   ORDER BY id
     FOR UPDATE`;

/**
 * What events tell about an attempt that goes on: placing → in_call (the lease released, the
 * deadline set), and the carrier's call id and answer time where not known yet.
 * $1 ids, $2 the states the rows were locked in, $3 new states, $4 call ids, $5 answered,
 * $6 machine detected, $7 deadlines, $8 bridge started, $9 bridge failed, $10 bridge errors.
 * Locks: those rows (already held).
 */
const UPDATE_ATTEMPTS = `
  UPDATE call_attempts a
     SET state = t.state,
         provider_call_id = COALESCE(a.provider_call_id, t.provider_call_id),
         answered_at = COALESCE(a.answered_at, t.answered),
         machine_detected_at = COALESCE(a.machine_detected_at, t.machine),
         lease_owner = CASE WHEN t.state = ${target('acceptAttempt')} THEN NULL ELSE a.lease_owner END,
         check_at = COALESCE(t.deadline, a.check_at),
         bridge_started_at = COALESCE(a.bridge_started_at, t.bs),
         bridge_failed_at = COALESCE(a.bridge_failed_at, t.bf),
         bridge_error = COALESCE(a.bridge_error, t.be)
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[],
                $7::bigint[], $8::bigint[], $9::bigint[], $10::text[])
         AS t(id, from_state, state, provider_call_id, answered, machine, deadline, bs, bf, be)
   WHERE a.id = t.id AND a.state = t.from_state
     AND (${guard('acceptAttempt', 'a.state')} OR a.state = ${target('acceptAttempt')})`;

const num = (v: number | string | null) => (v === null ? undefined : Number(v));

function groupByAttempt(events: readonly AttemptEvent[]): Map<string, AttemptEvent[]> {
  const out = new Map<string, AttemptEvent[]>();
  for (const e of events) {
    const list = out.get(e.attemptId);
    if (list) list.push(e);
    else out.set(e.attemptId, [e]);
  }
  return out;
}

/** Records a group of events (in arrival order) in the caller's transaction; one outcome per attempt. */
export async function recordEvents(
  q: Queryable,
  events: readonly AttemptEvent[],
  ctx: RecordContext,
): Promise<Map<string, RecordOutcome>> {
  const byAttempt = groupByAttempt(events);
  const ids = [...byAttempt.keys()];
  const outcomes = new Map<string, RecordOutcome>(
    ids.map((id) => [id, { attemptId: id, status: 'ignored' }]),
  );
  const mayEnd = ids.filter((id) => byAttempt.get(id)!.some((e) => e.kind === 'ended'));
  const calls = new Map(
    (mayEnd.length > 0 ? await q.query<CallRow>(LOCK_CALLS, [mayEnd]) : []).map((c) => [
      c.attempt_id,
      c,
    ]),
  );
  const attempts = await q.query<AttemptRow>(LOCK_ATTEMPTS, [ids]);
  // Read after the calls' locks were granted: a cancel that committed meanwhile is seen.
  const batchIds = [...new Set([...calls.values()].map((c) => c.batch_id))];
  const batches = new Map(
    (batchIds.length > 0
      ? await q.query<{ id: string; status: BatchStatus; config: unknown }>(
          'SELECT id, status, config FROM batches WHERE id = ANY($1::text[])',
          [batchIds],
        )
      : []
    ).map((b) => [b.id, { status: b.status, config: readBatchConfig(b.config) }]),
  );

  const updates: Array<{ row: AttemptRow; change: AttemptChange }> = [];
  const ends: LockedEnd[] = [];
  for (const row of attempts) {
    const change = applyEvents(row.state, byAttempt.get(row.id)!, {
      providerCallId: row.provider_call_id,
      answeredAt: row.answered_at,
      machineDetectedAt: row.machine_detected_at,
      bridgeStartedAt: row.bridge_started_at,
      bridgeFailedAt: row.bridge_failed_at,
      bridgeError: row.bridge_error,
    });
    if (!change) continue;
    if (change.to !== row.state && !canAttemptTransition(row.state, change.to)) {
      throw new Error(`events would move attempt ${row.id} ${row.state} → ${change.to}`);
    }
    if (change.ending) {
      const call = calls.get(row.id);
      // Not its call's current attempt any more: nothing of it is recorded.
      if (!call) continue;
      const batch = batches.get(call.batch_id)!;
      ends.push({
        attemptId: row.id,
        callId: call.id,
        batchId: call.batch_id,
        workspaceId: call.workspace_id,
        attemptNo: call.attempts,
        timeZone: call.time_zone,
        batchStatus: batch.status,
        config: batch.config,
        ending: change.ending,
        ...(change.providerCallId === undefined ? {} : { providerCallId: change.providerCallId }),
        ...(change.answeredAt === undefined ? {} : { answeredAt: change.answeredAt }),
        ...(change.machineDetectedAt === undefined
          ? {}
          : { machineDetectedAt: change.machineDetectedAt }),
        bridge: {
          startedAt: num(row.bridge_started_at) ?? change.bridgeStartedAt ?? null,
          failedAt: num(row.bridge_failed_at) ?? change.bridgeFailedAt ?? null,
          error: row.bridge_error ?? change.bridgeError ?? null,
        },
      });
    } else {
      updates.push({ row, change });
    }
  }

  if (updates.length > 0) {
    await q.query(UPDATE_ATTEMPTS, [
      updates.map((u) => u.row.id),
      updates.map((u) => u.row.state),
      updates.map((u) => u.change.to),
      updates.map((u) => u.change.providerCallId ?? null),
      updates.map((u) => u.change.answeredAt ?? null),
      updates.map((u) => u.change.machineDetectedAt ?? null),
      updates.map((u) =>
        u.change.to !== u.row.state || u.change.endsBy !== undefined
          ? inCallDeadline(u.row.started_at, ctx.times, u.change.endsBy)
          : null,
      ),
      updates.map((u) => u.change.bridgeStartedAt ?? null),
      updates.map((u) => u.change.bridgeFailedAt ?? null),
      updates.map((u) => u.change.bridgeError ?? null),
    ]);
    for (const u of updates) outcomes.set(u.row.id, { attemptId: u.row.id, status: 'updated' });
  }
  const { ended, held } = await writeEnds(q, ends, ctx);
  for (const e of ended) outcomes.set(e.attemptId, { status: 'ended', ...e });
  // Ext §21: the carrier's end is kept; the attempt goes on until its agent reports.
  for (const id of held) outcomes.set(id, { attemptId: id, status: 'updated' });
  return outcomes;
}
