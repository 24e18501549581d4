import type { Queryable } from '../db.js';
import { addProgress } from '../progress-repo.js';
import { guard, sqlState, target } from './table.js';

// Ext §17 retry: jobs that ended failed (or completed with voicemail) go back to waiting with a
// fresh attempt budget; they keep their id and their attempt count (attempt_base marks where the
// new round begins). A completed batch reopens while they run. Lock order: calls → progress →
// batch.

export interface RetrySelection {
  /** Reasons of the last attempt (`unknown`: its outcome could not be told). */
  reasons: readonly string[];
  /** Only these jobs, when given. */
  jobIds?: readonly string[];
}

/**
 * failed / completed → waiting for the matching jobs, due now. A job matches by its last
 * attempt's reason; `voicemail` also matches completed jobs whose outcome was voicemail.
 * $1 batch id, $2 reasons, $3 job ids or NULL, $4 now. Locks: those calls rows FOR UPDATE.
 * Index: calls_batch_state (batch_id, state, seq).
 */
const RETRY = `
  WITH picked AS (
    SELECT id, state, COALESCE(duration, 0) AS duration FROM calls
     WHERE batch_id = $1 AND ${guard('retryJob', 'state')}
       AND ($3::text[] IS NULL OR id = ANY($3::text[]))
       AND ((state = ${sqlState('failed')} AND last_reason = ANY($2::text[]))
            OR (state = ${sqlState('completed')} AND outcome = 'voicemail'
                AND 'voicemail' = ANY($2::text[])))
     ORDER BY seq
       FOR UPDATE)
  UPDATE calls c SET state = ${target('retryJob')}, attempt_base = c.attempts, run_at = $4::bigint,
         end_time = NULL, terminal_at = NULL, duration = NULL, error = NULL, outcome = NULL,
         transcript = NULL, result_attempt_id = NULL, current_attempt_id = NULL
    FROM picked p
   WHERE c.id = p.id AND ${guard('retryJob', 'c.state')}
  RETURNING p.state AS was, p.duration`;

/**
 * The batch row, locked after the calls (the engine's lock order), and its status read under
 * that lock. It serialises the retry with whatever ends the batch: a cancel (its UPDATE of this
 * row waits for the retry to commit, and then cancels the retried jobs, or the retry sees
 * `cancelled` here and rolls back), and the last finisher's completion (it re-reads the counters
 * under this lock and sees the retried jobs waiting, or completed the batch first and REOPEN,
 * run after this lock, undoes it). $1 batch id. Locks: the batches row FOR NO KEY UPDATE.
 */
const LOCK_BATCH = 'SELECT status FROM batches WHERE id = $1 FOR NO KEY UPDATE';

/**
 * completed → processing, its completion undone. $1 batch id. Locks: the batches row (last).
 */
const REOPEN = `
  UPDATE batches SET status = ${target('reopenBatch')}, completed_time = NULL
   WHERE id = $1 AND ${guard('reopenBatch', 'status')}`;

export interface JobsRetried {
  /** How many went back to waiting. */
  retried: number;
  /**
   * The batch's status under its lock, when any job went back: `cancelled` or `failed` means it
   * ended while this ran, and the caller must roll the retry back.
   */
  batchStatus?: string;
}

/** Retries the matching jobs of the batch (see JobsRetried). */
export async function retryJobs(
  q: Queryable,
  batchId: string,
  sel: RetrySelection,
  now: number,
): Promise<JobsRetried> {
  const rows = await q.query<{ was: string; duration: number }>(RETRY, [
    batchId,
    [...sel.reasons],
    sel.jobIds === undefined ? null : [...sel.jobIds],
    now,
  ]);
  if (rows.length === 0) return { retried: 0 };
  const failed = rows.filter((r) => r.was === 'failed').length;
  const completed = rows.length - failed;
  const durationSum = rows
    .filter((r) => r.was === 'completed')
    .reduce((sum, r) => sum + r.duration, 0);
  await addProgress(q, [
    {
      batchId,
      delta: {
        waiting: rows.length,
        failed: -failed,
        completed: -completed,
        durationSum: -durationSum,
      },
    },
  ]);
  const [batch] = await q.query<{ status: string }>(LOCK_BATCH, [batchId]);
  await q.query(REOPEN, [batchId]);
  return { retried: rows.length, batchStatus: batch?.status ?? 'cancelled' };
}

/** A completed batch runs again while calls appended to it do (ext §17 append). */
export async function reopenBatch(q: Queryable, batchId: string): Promise<void> {
  await q.query(REOPEN, [batchId]);
}
