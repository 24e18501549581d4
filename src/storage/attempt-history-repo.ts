import {
  type AttemptHistory,
  RETRIED_REASONS,
  SMART_RETRIED_OUTCOMES,
} from '../domain/estimate-assumptions.js';
import type { Queryable } from './db.js';

/** The most recent ended attempts an estimate learns from: enough for steady rates, bounded work. */
export const HISTORY_WINDOW = 5_000;

/**
 * Estimate (POST /batch-calls/estimate): the workspace's latest ended attempts, summed up — how
 * many, their mean time from dial to hang-up, how many a person answered, how many the default
 * retry policy dials again, and how many more smart callback would. Attempts a dial cancelled
 * or a lost worker left without a reason say nothing about callees and are left out.
 * $1 workspace id, $2 how many of the latest attempts, $3 reasons the default policy retries,
 * $4 outcomes smart callback retries. No locks (a plain read; stores nothing).
 * Index: call_attempts_ws_started (workspace_id, started_at), read backwards from the newest.
 */
const ATTEMPT_HISTORY = `
  SELECT count(*)::int AS attempts,
         COALESCE(avg(ended_at - started_at), 0)::float8 / 1000 AS mean_call_sec,
         count(*) FILTER (WHERE reason = 'answered')::int AS answered,
         count(*) FILTER (WHERE reason = ANY($3::text[]))::int AS retried,
         count(*) FILTER (WHERE reason = 'voicemail'
                             OR (reason = 'answered' AND outcome = ANY($4::text[])))::int AS smart_only
    FROM (SELECT started_at, ended_at, reason, outcome
            FROM call_attempts
           WHERE workspace_id = $1 AND state = 'ended' AND reason IS NOT NULL
             AND reason <> 'cancelled'
           ORDER BY started_at DESC
           LIMIT $2) latest`;

export async function attemptHistory(q: Queryable, workspaceId: string): Promise<AttemptHistory> {
  const rows = await q.query<{
    attempts: number;
    mean_call_sec: number;
    answered: number;
    retried: number;
    smart_only: number;
  }>(ATTEMPT_HISTORY, [workspaceId, HISTORY_WINDOW, RETRIED_REASONS, SMART_RETRIED_OUTCOMES]);
  const r = rows[0]!;
  return {
    attempts: r.attempts,
    meanCallSec: r.mean_call_sec,
    answered: r.answered,
    retried: r.retried,
    smartOnly: r.smart_only,
  };
}
