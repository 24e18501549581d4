import type { Outcome } from '../domain/types.js';
import type { Queryable } from './db.js';

/** One telephony attempt of a call, as the call's attempt history reports it. */
export interface AttemptRecord {
  id: string;
  attemptNo: number;
  startedAt: number;
  answeredAt?: number;
  endedAt?: number;
  /** An AttemptReason, or 'unknown' when the attempt was lost with its worker; absent while it runs. */
  reason?: string;
  outcome?: Outcome;
  /** Talk time (s) of an answered attempt. */
  talkTime?: number;
  error?: string;
  /** The caller ID it went out from (real carriers; ext). */
  fromNumber?: string;
}

interface AttemptRow {
  id: string;
  attempt_no: number;
  started_at: number;
  answered_at: number | null;
  ended_at: number | null;
  reason: string | null;
  outcome: Outcome | null;
  duration: number | null;
  error: string | null;
  from_number: string | null;
}

const toAttempt = (r: AttemptRow): AttemptRecord => ({
  id: r.id,
  attemptNo: r.attempt_no,
  startedAt: r.started_at,
  ...(r.answered_at === null ? {} : { answeredAt: r.answered_at }),
  ...(r.ended_at === null ? {} : { endedAt: r.ended_at }),
  ...(r.reason === null ? {} : { reason: r.reason }),
  ...(r.outcome === null ? {} : { outcome: r.outcome }),
  ...(r.duration === null ? {} : { talkTime: r.duration }),
  ...(r.error === null ? {} : { error: r.error }),
  ...(r.from_number === null ? {} : { fromNumber: r.from_number }),
});

/**
 * Every attempt of one call, first to last. The caller has found the call in its batch and
 * workspace already, so the call id alone scopes this.
 * $1 call id. No locks. Index: call_attempts (call_id, attempt_no) unique, already in order.
 */
export async function listCallAttempts(q: Queryable, callId: string): Promise<AttemptRecord[]> {
  const rows = await q.query<AttemptRow>(
    `SELECT id, attempt_no, started_at, answered_at, ended_at, reason, outcome, duration, error,
            from_number
       FROM call_attempts WHERE call_id = $1 ORDER BY attempt_no`,
    [callId],
  );
  return rows.map(toAttempt);
}
