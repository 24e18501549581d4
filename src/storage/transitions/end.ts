import {
  type AttemptEndRecord,
  type CallSettlement,
  type RetryDefaults,
  settleEnding,
} from '../../domain/attempt-end.js';
import type { AttemptEnding } from '../../domain/attempt-event.js';
import { FAILURE_REASONS } from '../../domain/auto-pause.js';
import type { BatchConfig, BatchStatus } from '../../domain/types.js';
import type { Queryable } from '../db.js';
import { addOptOuts } from '../dnc-repo.js';
import { addProgress, type ProgressDelta } from '../progress-repo.js';
import { completeBatchesIfDone } from './completion.js';
import { withHeldReports } from './held-reports.js';
import { autoPauseIfFailing, pauseIfAgentUnreachable } from './pause.js';
import { holdForReports, type KnownBridge } from './report-wait.js';
import { guard, keyedGuard, target } from './table.js';
import { type CallEvent, emitCallEvents } from './webhook-events.js';

// The end of attempts: each attempt row ended, its call completed, failed or waiting for its next
// attempt, the progress deltas and the batches' completion — for a whole group of attempts, one
// statement per kind of write. The caller (events.ts) holds the calls' and attempts' rows.

/** An attempt that ends, with its call as the ending transaction locked it. */
export interface LockedEnd {
  attemptId: string;
  callId: string;
  batchId: string;
  workspaceId: string;
  /** Attempts started so far = the number of the attempt that ends. */
  attemptNo: number;
  timeZone: string | null;
  batchStatus: BatchStatus;
  config: BatchConfig;
  ending: AttemptEnding;
  /** Learnt from events recorded in the same group, before the end. */
  providerCallId?: string;
  answeredAt?: number;
  machineDetectedAt?: number;
  /** What its bridge to the agent reported (ext §21), its row's and its group's. */
  bridge: KnownBridge;
}

export interface EndedAttempt {
  attemptId: string;
  callId: string;
  batchId: string;
  workspaceId: string;
  reason: string;
  call: CallSettlement;
}

/**
 * Each attempt → ended. $1.. parallel arrays, one entry per attempt. Events recorded before the
 * end keep what they knew unless the end says otherwise (the call id, when it was answered).
 * Locks: those call_attempts rows (already held). Index: call_attempts pkey.
 */
const END_ATTEMPTS = `
  UPDATE call_attempts a
     SET state = ${target('endAttempt')}, ended_at = t.ended,
         -- LEAST ignores NULL: an attempt never answered must keep no answer time.
         answered_at = CASE WHEN COALESCE(t.answered, a.answered_at) IS NOT NULL
                            THEN LEAST(COALESCE(t.answered, a.answered_at), t.ended) END,
         machine_detected_at = COALESCE(a.machine_detected_at, t.machine),
         reason = t.reason, outcome = t.outcome, duration = t.duration, error = t.error,
         provider_call_id = COALESCE(t.provider_call_id, a.provider_call_id), sip_code = t.sip,
         lease_owner = NULL, check_at = NULL, carrier_end = NULL,
         bridge_started_at = COALESCE(a.bridge_started_at, t.bs),
         bridge_failed_at = COALESCE(a.bridge_failed_at, t.bf),
         bridge_error = COALESCE(a.bridge_error, t.be)
    FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[],
                $7::float8[], $8::text[], $9::text[], $10::int[], $11::bigint[], $12::bigint[],
                $13::text[])
         AS t(id, ended, answered, machine, reason, outcome, duration, error, provider_call_id, sip,
              bs, bf, be)
   WHERE a.id = t.id AND ${guard('endAttempt', 'a.state')}`;

// terminal_at is the attempt's end, so completedAt/failedAt, endTime and lastCompletedTime agree
// even when recovery records the end later. Locks: those calls rows (already held).
const COMPLETE_CALLS = `
  UPDATE calls c SET state = ${target('completeCall')}, current_attempt_id = NULL,
         end_time = t.ended, terminal_at = t.ended, duration = t.duration, outcome = t.outcome,
         transcript = t.transcript, result_attempt_id = t.att, last_reason = t.reason, error = NULL
    FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::text[], $5::text[], $6::text[],
                $7::text[]) AS t(id, ended, duration, outcome, transcript, att, reason)
   WHERE c.id = t.id AND ${keyedGuard('completeCall', 'c.state')}`;

const FAIL_CALLS = `
  UPDATE calls c SET state = ${target('failCall')}, current_attempt_id = NULL,
         end_time = t.ended, terminal_at = t.ended, error = t.error, last_reason = t.reason
    FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) AS t(id, ended, error, reason)
   WHERE c.id = t.id AND ${keyedGuard('failCall', 'c.state')}`;

const RETRY_CALLS = `
  UPDATE calls c SET state = ${target('retryCall')}, current_attempt_id = NULL,
         run_at = t.run_at, last_reason = t.reason
    FROM unnest($1::text[], $2::bigint[], $3::text[]) AS t(id, run_at, reason)
   WHERE c.id = t.id AND ${keyedGuard('retryCall', 'c.state')}`;

type Deltas = Map<string, Required<ProgressDelta>>;

function addDelta(deltas: Deltas, batchId: string, delta: ProgressDelta): void {
  let d = deltas.get(batchId);
  if (!d) {
    d = { waiting: 0, active: 0, completed: 0, failed: 0, cancelled: 0, durationSum: 0 };
    deltas.set(batchId, d);
  }
  for (const k of Object.keys(delta) as Array<keyof ProgressDelta>) d[k] += delta[k] ?? 0;
}

/**
 * Ends the attempts of `ends`, except the answered ones that wait for their agent's report
 * (ext §21): those are held (report-wait.ts) and returned apart.
 */
export async function writeEnds(
  q: Queryable,
  ends: readonly LockedEnd[],
  ctx: { now: number; retry: RetryDefaults; reportGraceMs: number },
): Promise<{ ended: EndedAttempt[]; held: string[] }> {
  if (ends.length === 0) return { ended: [], held: [] };
  // §21: an agent's report that arrived before the carrier's end is its conversation's result;
  // an answered end without one waits for it.
  const { ending, held } = await holdForReports(q, await withHeldReports(q, ends, ctx.now), ctx);
  if (ending.length === 0) return { ended: [], held };
  const settled = ending.map((e) => ({
    e,
    ...settleEnding(
      {
        attemptNo: e.attemptNo,
        timeZone: e.timeZone,
        batchStatus: e.batchStatus,
        config: e.config,
      },
      e.ending,
      ctx.now,
      ctx.retry,
    ),
  }));

  const a = (f: (x: { e: LockedEnd; attempt: AttemptEndRecord }) => unknown) => settled.map(f);
  await q.query(END_ATTEMPTS, [
    a((x) => x.e.attemptId),
    a((x) => x.attempt.endedAt),
    a((x) => x.attempt.answeredAt ?? x.e.answeredAt ?? null),
    a((x) => x.e.machineDetectedAt ?? null),
    a((x) => x.attempt.reason),
    a((x) => x.attempt.outcome ?? null),
    a((x) => x.attempt.durationSec ?? null),
    a((x) => x.attempt.error ?? null),
    a((x) => x.attempt.providerCallId ?? x.e.providerCallId ?? null),
    a((x) => x.attempt.sipCode ?? null),
    a((x) => x.e.bridge.startedAt),
    a((x) => x.e.bridge.failedAt),
    a((x) => x.e.bridge.error),
  ]);

  // Ext §18: a callee who opted out is never called again, from any batch of the workspace.
  await addOptOuts(
    q,
    settled.filter((x) => x.attempt.outcome === 'opted_out').map((x) => x.e.callId),
    ctx.now,
  );

  const deltas: Deltas = new Map();
  const completed = settled.flatMap((x) =>
    x.call.kind === 'complete' ? [{ id: x.e.callId, att: x.e.attemptId, c: x.call }] : [],
  );
  const failed = settled.flatMap((x) =>
    x.call.kind === 'fail' ? [{ id: x.e.callId, c: x.call }] : [],
  );
  const retried = settled.flatMap((x) =>
    x.call.kind === 'retry' ? [{ id: x.e.callId, c: x.call }] : [],
  );
  if (completed.length > 0) {
    await q.query(COMPLETE_CALLS, [
      completed.map((x) => x.id),
      completed.map((x) => x.c.endTime),
      completed.map((x) => x.c.durationSec),
      completed.map((x) => x.c.outcome),
      completed.map((x) => x.c.transcript),
      completed.map((x) => x.att),
      completed.map((x) => x.c.reason),
    ]);
  }
  if (failed.length > 0) {
    await q.query(FAIL_CALLS, [
      failed.map((x) => x.id),
      failed.map((x) => x.c.endTime),
      failed.map((x) => x.c.error),
      failed.map((x) => x.c.reason),
    ]);
  }
  if (retried.length > 0) {
    await q.query(RETRY_CALLS, [
      retried.map((x) => x.id),
      retried.map((x) => x.c.runAt),
      retried.map((x) => x.c.reason),
    ]);
  }
  await emitCallEvents(
    q,
    settled.flatMap((x): CallEvent[] => {
      const ref = { callId: x.e.callId, workspaceId: x.e.workspaceId };
      const ended: CallEvent = { ...ref, type: 'call.attempt_ended', attemptId: x.e.attemptId };
      if (x.call.kind === 'complete') return [ended, { ...ref, type: 'call.completed' }];
      if (x.call.kind === 'fail') return [ended, { ...ref, type: 'call.failed' }];
      return [ended];
    }),
    ctx.now,
  );
  for (const x of settled) {
    const c = x.call;
    if (c.kind === 'complete') {
      addDelta(deltas, x.e.batchId, { active: -1, completed: 1, durationSum: c.durationSec });
    } else if (c.kind === 'fail') addDelta(deltas, x.e.batchId, { active: -1, failed: 1 });
    else addDelta(deltas, x.e.batchId, { active: -1, waiting: 1 });
  }
  await addProgress(
    q,
    [...deltas].map(([batchId, delta]) => ({ batchId, delta })),
  );
  // Only a call that ended for good can end its batch (a retry leaves one waiting).
  await completeBatchesIfDone(
    q,
    settled.filter((x) => x.call.kind !== 'retry').map((x) => x.e.batchId),
    ctx.now,
  );
  // Ext §17 auto-pause: checked for a batch with a rule when one of its attempts failed here.
  const failing = new Map<string, LockedEnd>();
  for (const x of settled) {
    if (x.e.config.autoPause && FAILURE_REASONS.has(x.attempt.reason))
      failing.set(x.e.batchId, x.e);
  }
  for (const [batchId, e] of [...failing].sort(([a], [b]) => (a < b ? -1 : 1))) {
    await autoPauseIfFailing(q, {
      workspaceId: e.workspaceId,
      batchId,
      rule: e.config.autoPause!,
      now: ctx.now,
    });
  }
  // Ext §21: a batch whose calls keep failing to reach the agent pauses itself, rule or none.
  const unreachable = new Map<string, string>();
  for (const x of settled) {
    if (x.attempt.reason === 'agent_unreachable') unreachable.set(x.e.batchId, x.e.workspaceId);
  }
  for (const [batchId, workspaceId] of [...unreachable].sort(([a], [b]) => (a < b ? -1 : 1))) {
    await pauseIfAgentUnreachable(q, { workspaceId, batchId, now: ctx.now });
  }
  const ended = settled.map((x) => ({
    attemptId: x.e.attemptId,
    callId: x.e.callId,
    batchId: x.e.batchId,
    workspaceId: x.e.workspaceId,
    reason: x.attempt.reason,
    call: x.call,
  }));
  return { ended, held };
}
