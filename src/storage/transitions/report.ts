import type { Outcome } from '../../domain/types.js';
import type { Queryable } from '../db.js';
import { addOptOuts } from '../dnc-repo.js';
import { type RecordContext, recordEvents } from './events.js';
import { endAfterWait, reportWaitOf } from './report-wait.js';
import { emitCallEvents } from './webhook-events.js';

// The agent's report (extensions §21). A report that arrives before the carrier's end is held and
// the end applies it (end.ts reads it with withHeldReports). One that arrives while its answered
// call waits for it (report-wait.ts) ends the attempt now, through the recording path, with the
// carrier's kept end and the report's result: outcome, transcript, callbackAt, opt-out. One that
// arrives after the wait (or after an end that did not wait) replaces the call's result, applies
// an opt-out to the do-not-call list and fires call.result_updated, in the transaction that
// stores it. It never reopens a job.

export interface AgentReport {
  outcome: Outcome;
  transcript: string;
  summary?: string;
  callbackAt?: number;
  data?: Record<string, unknown>;
}

export type ReportVerdict =
  | { status: 'unknown_attempt' }
  | { status: 'duplicate' }
  /** Held until the carrier reports the end. */
  | { status: 'held' }
  /** The call waited for it: it ended now with the report's result. */
  | { status: 'completed' }
  /** The call had ended: its result now is the report's. */
  | { status: 'applied' };

interface LockedAttempt {
  call_id: string;
  workspace_id: string;
  state: string;
  result_attempt_id: string | null;
}

/**
 * The attempt and its call, the call locked first (the engine's lock order: calls, then
 * attempts). $1 attempt id. Locks: the calls row FOR UPDATE, then the call_attempts row.
 * Index: call_attempts pkey, calls pkey.
 */
const LOCK_CALL = `
  SELECT c.id AS call_id, c.workspace_id, c.result_attempt_id
    FROM call_attempts a JOIN calls c ON c.id = a.call_id
   WHERE a.id = $1
     FOR UPDATE OF c`;

/** $1 attempt id. Locks: the call_attempts row FOR UPDATE. Index: call_attempts pkey. */
const LOCK_ATTEMPT = 'SELECT state FROM call_attempts WHERE id = $1 FOR UPDATE';

/**
 * One report per attempt: a second one inserts nothing. $1 attempt, $2 outcome, $3 transcript,
 * $4 summary, $5 callback at, $6 data, $7 received at, $8 applied at (NULL: held).
 * Locks: the new agent_reports row. Index: agent_reports pkey.
 */
const INSERT_REPORT = `
  INSERT INTO agent_reports
         (attempt_id, outcome, transcript, summary, callback_at, data, received_at, applied_at)
  VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)
  ON CONFLICT (attempt_id) DO NOTHING
  RETURNING attempt_id`;

/**
 * A late report replaces the result of the call it ended: outcome and transcript, on the attempt
 * and on its call. $1 attempt id, $2 call id, $3 outcome, $4 transcript.
 * Locks: that call_attempts row and calls row (already held). Index: both pkeys.
 */
const UPDATE_ATTEMPT_RESULT = 'UPDATE call_attempts SET outcome = $2 WHERE id = $1';
const UPDATE_CALL_RESULT = `
  UPDATE calls SET outcome = $2, transcript = $3 WHERE id = $1 AND result_attempt_id = $4`;

export async function recordReport(
  q: Queryable,
  attemptId: string,
  report: AgentReport,
  ctx: RecordContext,
): Promise<ReportVerdict> {
  const { now } = ctx;
  let [call] = await q.query<Omit<LockedAttempt, 'state'>>(LOCK_CALL, [attemptId]);
  if (!call) return { status: 'unknown_attempt' };
  const [attempt] = await q.query<{ state: string }>(LOCK_ATTEMPT, [attemptId]);
  if (!attempt) return { status: 'unknown_attempt' };
  let ended = attempt.state === 'ended';
  const wait = ended ? undefined : await reportWaitOf(q, attemptId);
  if (wait && now >= wait.deadline) {
    // Its wait is over though the grace task has not ended it yet: it ends as though the task
    // had, and the report is a late one. When a report counts never depends on that task's pace.
    await recordEvents(
      q,
      [{ attemptId, kind: 'ended', ending: { kind: 'carrier', end: endAfterWait(wait) } }],
      ctx,
    );
    [call] = await q.query<Omit<LockedAttempt, 'state'>>(LOCK_CALL, [attemptId]);
    if (!call) return { status: 'unknown_attempt' };
    ended = true;
  }
  const inserted = await q.query(INSERT_REPORT, [
    attemptId,
    report.outcome,
    report.transcript,
    report.summary ?? null,
    report.callbackAt ?? null,
    report.data === undefined ? null : JSON.stringify(report.data),
    now,
    ended ? now : null,
  ]);
  if (inserted.length === 0) return { status: 'duplicate' };
  if (!ended && wait) {
    // The carrier's kept end, now with this report held for it: the end applies the report.
    await recordEvents(
      q,
      [{ attemptId, kind: 'ended', ending: { kind: 'carrier', end: wait.end } }],
      ctx,
    );
    return { status: 'completed' };
  }
  if (!ended) return { status: 'held' };
  await q.query(UPDATE_ATTEMPT_RESULT, [attemptId, report.outcome]);
  // Only the attempt that gave the call its result can change it (an earlier attempt's late
  // report does not overwrite a later one's result).
  if (call.result_attempt_id === attemptId) {
    await q.query(UPDATE_CALL_RESULT, [call.call_id, report.outcome, report.transcript, attemptId]);
    await emitCallEvents(
      q,
      [{ type: 'call.result_updated', callId: call.call_id, workspaceId: call.workspace_id }],
      now,
    );
  }
  if (report.outcome === 'opted_out') await addOptOuts(q, [call.call_id], now);
  return { status: 'applied' };
}
